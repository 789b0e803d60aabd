"""The interview API's client for the question API: fetch a question set over HTTP.

Failures become answers the caller can act on: an unknown set is 404 `question_set_not_found`,
an unreachable, slow or failing question API is 503 `question_api_unavailable` after a few quick
retries (the candidate is waiting), anything else it answers is 502.
"""

from typing import Literal

import httpx
from pydantic import BaseModel, Field, ValidationError

from interview_api.interviews.compliance import SetCompliance
from shared.errors import NotFound, UpstreamError
from shared.http import RetryPolicy, send_with_retry
from shared.ids import path_segment
from shared.settings import Settings

# Someone is waiting on POST /start-interview: a few quick attempts, then a clear answer.
DEFAULT_POLICY = RetryPolicy(max_attempts=3, base_delay=0.25, max_delay=2.0, deadline=20.0)


class QuestionSetQuestion(BaseModel):
    id: str
    position: int
    text: str
    type: str
    subtype: str
    competency: str | None = None
    expected_points: list[str] = []
    status: Literal["pending", "approved", "rejected"]


class QuestionSet(BaseModel):
    """The part of the question API's `GET /question-sets/{id}` answer this service uses."""

    question_set_id: str
    role_title: str | None = None
    questions: list[QuestionSetQuestion]
    # absent from a question API older than compliance settings: the global settings apply
    compliance: SetCompliance = Field(default_factory=SetCompliance)

    def approved(self) -> list[QuestionSetQuestion]:
        """The approved questions in their set order."""
        return sorted(
            (q for q in self.questions if q.status == "approved"), key=lambda q: q.position
        )


class QuestionApiClient:
    """Owns one `httpx.AsyncClient`; close it with `aclose()`."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        timeout: float = 10.0,
        policy: RetryPolicy = DEFAULT_POLICY,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"X-API-Key": api_key} if api_key else {}
        self._http = httpx.AsyncClient(
            base_url=base_url, timeout=timeout, headers=headers, transport=transport
        )
        self._policy = policy
        url = httpx.URL(base_url)
        # Named in messages without any credentials a URL might carry.
        self._where = f"{url.scheme}://{url.host}" + (f":{url.port}" if url.port else "")

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        policy: RetryPolicy = DEFAULT_POLICY,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> "QuestionApiClient":
        return cls(
            settings.question_api_url,
            api_key=settings.service_key,
            timeout=settings.question_api_timeout_seconds,
            policy=policy,
            transport=transport,
        )

    async def fetch_question_set(self, question_set_id: str) -> QuestionSet:
        """The question set, or an error that says what to do."""
        path = f"/question-sets/{path_segment(question_set_id)}"
        try:
            response = await send_with_retry(
                lambda: self._http.get(path), self._policy, what="question API request"
            )
        except httpx.TransportError as exc:  # includes timeouts
            raise self.unavailable(f"did not answer ({type(exc).__name__})") from exc
        if response.status_code == 404 and _error_code(response) == "question_set_not_found":
            raise NotFound(
                f"There is no question set {question_set_id!r}. "
                "Generate one with the question API's POST /generate and use its question_set_id.",
                code="question_set_not_found",
            )
        if response.status_code >= 500 or response.status_code in self._policy.retry_statuses:
            raise self.unavailable(f"answered {response.status_code}")
        if response.status_code in (401, 403):
            raise UpstreamError(
                f"The question API at {self._where} refused this service's credential; set "
                "the same SERVICE_API_KEY on both services (or a key of role service from "
                "`interview-backend keys create --role service`).",
                code="question_api_rejected",
                status=502,
            )
        if response.status_code != 200:
            raise self._bad_answer(f"answered {response.status_code}")
        try:
            return QuestionSet.model_validate_json(response.content)
        except ValidationError as exc:
            raise self._bad_answer("answered with an unexpected document") from exc

    async def relay(
        self,
        method: str,
        path: str,
        *,
        params: str,
        content: bytes,
        headers: dict[str, str],
        api_key: str | None,
        wait_seconds: float | None,
    ) -> httpx.Response:
        """One request on behalf of a console user, with *their* key (never this service's
        key). Reads are retried like every call here; a write is sent once, as its caller
        cannot tell whether a lost answer means it happened."""
        request = self._http.build_request(
            method,
            path,
            params=params,
            content=content,
            headers=headers,
            timeout=wait_seconds if wait_seconds is not None else httpx.USE_CLIENT_DEFAULT,
        )
        request.headers.pop("X-API-Key", None)
        if api_key:
            request.headers["X-API-Key"] = api_key
        if method != "GET":
            return await self._http.send(request)
        return await send_with_retry(
            lambda: self._http.send(request), self._policy, what="question API request"
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    def unavailable(self, what: str) -> UpstreamError:
        return UpstreamError(
            f"The question API at {self._where} {what}. Check QUESTION_API_URL and that the "
            "question API is running, then try again.",
            code="question_api_unavailable",
            status=503,
        )

    def _bad_answer(self, what: str) -> UpstreamError:
        return UpstreamError(
            f"The question API at {self._where} {what}. Check that QUESTION_API_URL points at "
            "the question API.",
            code="question_api_bad_response",
            status=502,
        )


def _error_code(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else None
