"""The interview API: interview sessions and recording uploads (port 8002).

`build_app(settings)` makes the app; `app` is the one uvicorn serves.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import APIRouter, Depends, FastAPI

from analysis import service as analysis_service
from analysis.providers.base import AnalysisProvider
from analysis.registry import build_providers
from analysis.worker import AnalysisWorker
from interview_api.analyses.hooks import PipelineHooks
from interview_api.analyses.routes import router as analyses_router
from interview_api.analysis_hooks import AnalysisHooks
from interview_api.audit.routes import router as audit_router
from interview_api.bias_audit.routes import candidate_router as survey_router
from interview_api.bias_audit.routes import router as bias_audit_router
from interview_api.consent.routes import router as notices_router
from interview_api.console import page_router as console_page_router
from interview_api.console import relay_router as console_relay_router
from interview_api.interviews.retention import run_retention_sweeps
from interview_api.interviews.routes import router as interviews_router
from interview_api.invitations.dependencies import refuse_candidate_token
from interview_api.invitations.routes import candidate_router
from interview_api.invitations.routes import router as invitations_router
from interview_api.invitations.tus_routes import router as uploads_router
from interview_api.invitations.uploads import UploadLocks, run_upload_sweeps
from interview_api.page import mount_static
from interview_api.page import router as page_router
from interview_api.question_client import QuestionApiClient
from interview_api.recordings.routes import router as recordings_router
from interview_api.recordings.service import sweep_orphans, sweep_periodically
from interview_api.reviews.routes import router as reviews_router
from shared.app import create_app
from shared.metrics import register_deletion_probe, register_queue_probe
from shared.resumable import PartialFiles
from shared.settings import Settings, get_settings
from shared.storage import storage_from_settings


def build_app(
    settings: Settings | None = None,
    *,
    question_client: QuestionApiClient | None = None,
    analysis_hooks: AnalysisHooks | None = None,
    providers: Sequence[AnalysisProvider] | None = None,
) -> FastAPI:
    """The interview API. `question_client` and `analysis_hooks` replace the defaults (also
    settable on `app.state` before start-up); an injected question client is not closed here.
    `providers` replaces the ones the settings configure (tests point them at stand-ins).
    By default every upload is queued for analysis, and with RUN_WORKER_IN_API (the default)
    the analysis worker runs inside this process."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        storage = app.state.storage = storage_from_settings(settings)
        await sweep_orphans(app.state.db, storage, settings.orphan_grace_seconds)
        owned: QuestionApiClient | None = None
        if app.state.question_client is None:
            owned = app.state.question_client = QuestionApiClient.from_settings(settings)
        worker = None
        if app.state.analysis_hooks is None:
            if settings.run_worker_in_api:
                worker = AnalysisWorker.from_settings(
                    app.state.db,
                    settings,
                    providers if providers is not None else build_providers(settings),
                    storage,
                )
                worker.start()  # also resumes the jobs a previous run left unfinished
            app.state.analysis_hooks = PipelineHooks(storage, worker)

        async def queue_probe() -> tuple[dict[str, int], datetime | None]:
            async with app.state.db.session() as session:
                return await analysis_service.queue_state(session)

        register_queue_probe(app, queue_probe)

        async def deletion_probe() -> datetime | None:
            async with app.state.db.session() as session:
                return await analysis_service.oldest_pending_deletion(session)

        register_deletion_probe(app, deletion_probe)
        sweepers = [
            asyncio.create_task(
                sweep_periodically(
                    app.state.db,
                    storage,
                    settings.orphan_grace_seconds,
                    settings.orphan_sweep_interval_seconds,
                )
            ),
            asyncio.create_task(
                run_upload_sweeps(
                    app.state.db, storage, app.state.partial_files, settings.upload_sweep_seconds
                )
            ),
            # always: a question set may give its interviews a retention without RETENTION_DAYS
            asyncio.create_task(
                run_retention_sweeps(
                    app.state.db,
                    storage,
                    app.state.analysis_hooks,
                    settings.retention_days,
                    settings.retention_sweep_seconds,
                    settings.outbox_max_attempts,
                )
            ),
        ]
        try:
            yield
        finally:
            for sweeper in sweepers:
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper
            if worker is not None:
                await worker.stop()
            if owned is not None:
                await owned.aclose()
                app.state.question_client = None
            await storage.aclose()

    app = create_app(
        service="interview_api",
        title="Interview API",
        description="Interview sessions with a snapshot of approved questions, and streamed, "
        "durable recording uploads.",
        routers=[
            _staff(
                interviews_router,
                recordings_router,
                analyses_router,
                invitations_router,
                audit_router,
                bias_audit_router,
                reviews_router,
                console_relay_router,
            )
        ],
        public_routers=[
            candidate_router,
            survey_router,
            uploads_router,
            page_router,
            notices_router,
            console_page_router,
        ],
        settings=settings,
        extra_lifespan=lifespan,
    )
    mount_static(app)
    app.state.partial_files = PartialFiles(settings.data_dir / "uploads")
    app.state.upload_locks = UploadLocks()
    app.state.question_client = question_client
    app.state.analysis_hooks = analysis_hooks
    return app


def _staff(*routers: APIRouter) -> APIRouter:
    """The staff API: whatever key rules apply, an invitation token opens none of it."""
    staff = APIRouter(dependencies=[Depends(refuse_candidate_token)])
    for router in routers:
        staff.include_router(router)
    return staff


app = build_app()
