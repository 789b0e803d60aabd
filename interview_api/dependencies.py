"""Short dependency aliases for what the app's lifespan set up on `app.state`."""

from typing import Annotated

from fastapi import Depends, Request

from interview_api.analysis_hooks import AnalysisHooks
from interview_api.question_client import QuestionApiClient
from shared.storage import Storage


def get_question_client(request: Request) -> QuestionApiClient:
    client: QuestionApiClient = request.app.state.question_client
    return client


def get_analysis_hooks(request: Request) -> AnalysisHooks:
    hooks: AnalysisHooks = request.app.state.analysis_hooks
    return hooks


def get_storage(request: Request) -> Storage:
    storage: Storage = request.app.state.storage
    return storage


QuestionClientDep = Annotated[QuestionApiClient, Depends(get_question_client)]
AnalysisHooksDep = Annotated[AnalysisHooks, Depends(get_analysis_hooks)]
StorageDep = Annotated[Storage, Depends(get_storage)]
