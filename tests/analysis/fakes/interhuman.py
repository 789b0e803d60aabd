"""A stand-in for the Interhuman API: its documented wire format, over `httpx.MockTransport`.

Endpoints: `POST /v1/auth` (key pair -> bearer token), `POST /v2/upload/analyze` (multipart, answers
202 with a job), `GET /v2/upload/jobs/{job_id}` (running, then completed or failed). Uploads and
polls need `Authorization: Bearer <token from /v1/auth | the api key>`.

    fake = FakeInterhuman()
    async with fake.client() as http:
        provider = InterhumanProvider(base_url=fake.base_url, key_id=fake.key_id,
                                      key_secret=fake.key_secret, http_client=http, ...)

Counters: `uploads` (every upload request that reached the fake, refused ones included),
`jobs_created` (uploads accepted), `auth_calls`, `polls`, `max_active_jobs`. Each upload's form is
kept in `records` (repeated fields such as `include[]` in order, the file's name, type and size).
Failures are scripted per endpoint with `fail_next("upload", Fault.UNAVAILABLE, ...)`: each
request to that endpoint takes the next fault until none is left, then succeeds.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal
from urllib.parse import parse_qs

import httpx

Endpoint = Literal["auth", "upload", "poll"]
UPLOAD_SCOPE = "interhumanai.upload"
DOCS = "https://docs.interhuman.ai/api-reference/error-handling"


class Fault(StrEnum):
    RATE_LIMITED = "rate_limited"  # 429 ih3002 (concurrency), no Retry-After
    RATE_LIMITED_RETRY_AFTER = "rate_limited_retry_after"  # 429 ih3002 with Retry-After: 2
    QUOTA = "quota"  # 429 ih3003: quota used up
    SERVER_ERROR = "server_error"  # 500 ih1001
    UNAVAILABLE = "unavailable"  # 503 ih1003
    TIMEOUT = "timeout"  # the answer never comes: httpx.ReadTimeout
    CONNECTION_RESET = "connection_reset"  # httpx.ReadError, connection reset by peer
    # the upload is accepted (a job is created), then its answer is lost
    ACCEPTED_THEN_RESET = "accepted_then_reset"  # connection reset after the video was sent
    ACCEPTED_THEN_CUT = "accepted_then_cut"  # a 202 whose JSON is cut short
    TRUNCATED_JSON = "truncated_json"  # a success status with its JSON cut off
    INVALID_JSON = "invalid_json"  # a success status with an HTML page
    TOKEN_EXPIRED = "token_expired"  # 401 ih2001; the presented token stops working
    INVALID_CREDENTIALS = "invalid_credentials"  # 401 ih2001 (for /v1/auth: wrong key pair)
    WRONG_SCOPE = "wrong_scope"  # 403 ih2003
    TOO_LARGE = "too_large"  # 413 ih4003
    UNSUPPORTED_CONTAINER = "unsupported_container"  # 400 ih4002
    CORRUPTED = "corrupted"  # 422 ih5002
    LEGACY_ERROR = "legacy_error"  # 400 in the older {"detail", "status_code"} shape
    BAD_GATEWAY_HTML = "bad_gateway_html"  # 502 from a proxy, text/html


_ERRORS: dict[Fault, tuple[int, str, str]] = {
    Fault.RATE_LIMITED: (429, "ih3002", "Too many concurrent requests for this account."),
    Fault.RATE_LIMITED_RETRY_AFTER: (429, "ih3002", "Too many concurrent requests."),
    Fault.QUOTA: (429, "ih3003", "Usage quota exceeded for this account."),
    Fault.SERVER_ERROR: (500, "ih1001", "Internal server error."),
    Fault.UNAVAILABLE: (503, "ih1003", "Service temporarily unavailable."),
    Fault.TOKEN_EXPIRED: (401, "ih2001", "Invalid or expired access token."),
    Fault.INVALID_CREDENTIALS: (401, "ih2001", "Invalid key id or key secret."),
    Fault.WRONG_SCOPE: (403, "ih2003", "Token is missing the required scope."),
    Fault.TOO_LARGE: (413, "ih4003", "File exceeds the 32 MB limit."),
    Fault.UNSUPPORTED_CONTAINER: (400, "ih4002", "Unsupported container format."),
    Fault.CORRUPTED: (422, "ih5002", "The video file is corrupted."),
}


def sample_result() -> dict[str, Any]:
    """A completed v2 job's `result`, as documented (two 10-second windows)."""
    return {
        "duration_seconds": 20.0,
        "window_seconds": 10.0,
        "windows": [
            {
                "start": 0.0,
                "end": 10.0,
                "engagement_status": "engaged",
                "signals": [{"type": "confidence", "probability": "medium"}],
            },
            {"start": 10.0, "end": 20.0, "engagement_status": "neutral", "signals": []},
        ],
        "signals": [
            {
                "type": "confidence",
                "start": 5.0,
                "end": 15.0,
                "probability": "medium",
                "rationale": "Steady voice with few pauses.",
                "modality": ["audio", "visual"],
            },
            {
                "type": "hesitation",
                "start": 16.0,
                "end": 19.5,
                "probability": "low",
                "rationale": "A long pause before answering.",
            },
        ],
        "conversation_quality": {
            "overall": {
                "quality_index": 72,
                "clarity": 67,
                "authority": 68,
                "energy": 80,
                "rapport": 75,
                "learning": 70,
            },
            "timeline": [
                {
                    "start": 0,
                    "end": 10,
                    "values": {
                        "quality_index": 70,
                        "clarity": 65,
                        "authority": 66,
                        "energy": 78,
                        "rapport": 72,
                        "learning": 69,
                    },
                },
                {
                    "start": 10,
                    "end": 20,
                    "values": {
                        "quality_index": 74,
                        "clarity": 69,
                        "authority": 70,
                        "energy": 82,
                        "rapport": 78,
                        "learning": 71,
                    },
                },
            ],
        },
    }


@dataclass
class UploadRecord:
    """One upload request as the fake received it."""

    form: dict[str, list[str]]  # every non-file field; repeated names keep every value in order
    file_name: str | None
    file_content_type: str | None
    file_size: int
    query: dict[str, list[str]]
    authorization: str | None


@dataclass
class FakeJob:
    job_id: str
    polls_until_done: int  # polls answered "running" before the final answer
    result: dict[str, Any] | None
    error: dict[str, Any] | None = None
    polls: int = 0
    finished: bool = False


@dataclass
class FakeInterhuman:
    """The fake API; see the module docstring."""

    base_url: str = "https://interhuman.test"
    key_id: str = "key-id-1"
    key_secret: str = "key-secret-1"
    api_key: str = "ih_live_testkey"
    token_ttl: int = 900
    polls_until_done: int = 1
    result: dict[str, Any] = field(default_factory=sample_result)

    uploads: int = field(default=0, init=False)
    jobs_created: int = field(default=0, init=False)
    auth_calls: int = field(default=0, init=False)
    polls: int = field(default=0, init=False)
    active_jobs: int = field(default=0, init=False)
    max_active_jobs: int = field(default=0, init=False)
    records: list[UploadRecord] = field(default_factory=list, init=False)
    auth_requests: list[dict[str, Any]] = field(default_factory=list, init=False)
    jobs: dict[str, FakeJob] = field(default_factory=dict, init=False)
    tokens: list[str] = field(default_factory=list, init=False)  # issued, in order
    _faults: dict[str, list[Fault]] = field(default_factory=dict, init=False)
    _revoked: set[str] = field(default_factory=set, init=False)
    _next_job_error: dict[str, Any] | None = field(default=None, init=False)
    _correlation: int = field(default=0, init=False)

    # --- scripting --------------------------------------------------------------------------

    def fail_next(self, endpoint: Endpoint, *faults: Fault) -> None:
        """The next requests to `endpoint` get these faults, one each, in order."""
        self._faults.setdefault(endpoint, []).extend(faults)

    def fail_next_job(self, error_id: str = "ih5002", message: str = "Corrupted video.") -> None:
        """The next job created ends `failed` with this error."""
        self._next_job_error = {
            "error_id": error_id,
            "message": message,
            "correlation_id": self._correlation_id(),
        }

    def add_job(self, job_id: str, *, polls_until_done: int = 0) -> FakeJob:
        """A job that exists already (as if uploaded before a restart)."""
        job = FakeJob(job_id, polls_until_done, self.result)
        self.jobs[job_id] = job
        return job

    def expire_job(self, job_id: str) -> None:
        """Forget a job, as Interhuman does after one hour: polling it answers 404."""
        self.jobs.pop(job_id, None)

    # --- transport --------------------------------------------------------------------------

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def client(self) -> httpx.AsyncClient:
        """An `httpx.AsyncClient` wired to this fake (the caller closes it)."""
        return httpx.AsyncClient(transport=self.transport)

    async def handler(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if request.method == "POST" and path == "/v1/auth":
            return self._auth(request)
        if request.method == "POST" and path == "/v2/upload/analyze":
            return self._upload(request)
        if request.method == "GET" and (match := re.fullmatch(r"/v2/upload/jobs/([^/]+)", path)):
            return self._poll(request, match.group(1))
        return self._error(404, "ih4040", f"No route {request.method} {path}.")

    # --- endpoints --------------------------------------------------------------------------

    def _auth(self, request: httpx.Request) -> httpx.Response:
        self.auth_calls += 1
        try:
            body = json.loads(request.content)
        except ValueError:
            body = None
        self.auth_requests.append(body if isinstance(body, dict) else {})
        if fault := self._take("auth"):
            return self._fault(fault, request, success_status=200)
        if not isinstance(body, dict) or not body.get("scopes"):
            return self._error(422, "ih4000", "key_id, key_secret and scopes are required.")
        if body.get("key_id") != self.key_id or body.get("key_secret") != self.key_secret:
            return self._error(401, "ih2001", "Invalid key id or key secret.")
        token = f"token-{len(self.tokens) + 1}"
        self.tokens.append(token)
        return httpx.Response(
            200,
            json={
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": self.token_ttl,
                "scope": " ".join(body["scopes"]),
            },
        )

    def _upload(self, request: httpx.Request) -> httpx.Response:
        self.uploads += 1
        record = _parse_upload(request)
        self.records.append(record)
        if refused := self._check_auth(request):
            return refused
        fault = self._take("upload")
        if fault and fault not in (Fault.ACCEPTED_THEN_RESET, Fault.ACCEPTED_THEN_CUT):
            return self._fault(fault, request, success_status=202)
        if record.file_size == 0:
            return self._error(400, "ih4001", "No file was uploaded.")
        job = self._create_job()
        if fault is Fault.ACCEPTED_THEN_RESET:
            raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
        if fault is Fault.ACCEPTED_THEN_CUT:
            body = json.dumps(self._job_body(job, "queued")).encode()
            return httpx.Response(
                202, content=body[: len(body) // 2], headers={"content-type": "application/json"}
            )
        return httpx.Response(202, json=self._job_body(job, "queued"))

    def _create_job(self) -> FakeJob:
        self.jobs_created += 1
        job = FakeJob(
            f"job-{self.jobs_created}", self.polls_until_done, self.result, self._next_job_error
        )
        self._next_job_error = None
        self.jobs[job.job_id] = job
        self.active_jobs += 1
        self.max_active_jobs = max(self.max_active_jobs, self.active_jobs)
        return job

    def _poll(self, request: httpx.Request, job_id: str) -> httpx.Response:
        self.polls += 1
        if refused := self._check_auth(request):
            return refused
        if fault := self._take("poll"):
            return self._fault(fault, request, success_status=200)
        job = self.jobs.get(job_id)
        if job is None:
            return self._error(404, "ih4004", f"Job {job_id} not found or expired.")
        job.polls += 1
        if job.polls <= job.polls_until_done:
            return httpx.Response(200, json=self._job_body(job, "running"))
        if not job.finished:
            job.finished = True
            self.active_jobs = max(0, self.active_jobs - 1)
        if job.error is not None:
            return httpx.Response(200, json={**self._job_body(job, "failed"), "error": job.error})
        return httpx.Response(200, json={**self._job_body(job, "completed"), "result": job.result})

    # --- helpers ----------------------------------------------------------------------------

    def _check_auth(self, request: httpx.Request) -> httpx.Response | None:
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer "):
            return self._error(401, "ih2002", "Missing credential.")
        token = header.removeprefix("Bearer ")
        if token == self.api_key or (token in self.tokens and token not in self._revoked):
            return None
        return self._error(401, "ih2001", "Invalid or expired access token.")

    def _take(self, endpoint: Endpoint) -> Fault | None:
        queue = self._faults.get(endpoint)
        return queue.pop(0) if queue else None

    def _fault(
        self, fault: Fault, request: httpx.Request, *, success_status: int
    ) -> httpx.Response:
        if fault is Fault.TIMEOUT:
            raise httpx.ReadTimeout("The read operation timed out", request=request)
        if fault is Fault.CONNECTION_RESET:
            raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request)
        if fault is Fault.TRUNCATED_JSON:
            return httpx.Response(
                success_status,
                content=b'{"job_id": "job-trunc", "status": "que',
                headers={"content-type": "application/json"},
            )
        if fault is Fault.INVALID_JSON:
            return httpx.Response(
                success_status,
                content=b"<html><body>Welcome</body></html>",
                headers={"content-type": "text/html"},
            )
        if fault is Fault.LEGACY_ERROR:
            return httpx.Response(
                400, json={"detail": "Video must be at least 3 seconds.", "status_code": 400}
            )
        if fault is Fault.BAD_GATEWAY_HTML:
            return httpx.Response(
                502,
                content=b"<html><h1>502 Bad Gateway</h1></html>",
                headers={"content-type": "text/html"},
            )
        if fault is Fault.TOKEN_EXPIRED:
            token = request.headers.get("authorization", "").removeprefix("Bearer ")
            self._revoked.add(token)
        status, error_id, message = _ERRORS[fault]
        headers = {"Retry-After": "2"} if fault is Fault.RATE_LIMITED_RETRY_AFTER else None
        return self._error(status, error_id, message, headers)

    def _error(
        self, status: int, error_id: str, message: str, headers: Mapping[str, str] | None = None
    ) -> httpx.Response:
        body = {
            "error_id": error_id,
            "correlation_id": self._correlation_id(),
            "link": f"{DOCS}#{error_id}",
            "message": message,
        }
        return httpx.Response(status, json=body, headers=headers)

    def _correlation_id(self) -> str:
        self._correlation += 1
        return f"corr-{self._correlation}"

    def _job_body(self, job: FakeJob, status: str) -> dict[str, Any]:
        return {
            "job_id": job.job_id,
            "status": status,
            "model": "inter-2",
            "created_at": "2025-01-01T00:00:00Z",
            "expires_at": "2025-01-01T01:00:00Z",
            "status_url": f"{self.base_url}/v2/upload/jobs/{job.job_id}",
        }


def _parse_upload(request: httpx.Request) -> UploadRecord:
    """Read a multipart/form-data body (whoever built it) into an `UploadRecord`."""
    form: dict[str, list[str]] = {}
    file_name = file_type = None
    file_size = 0
    content_type = request.headers.get("content-type", "")
    boundary = re.search(r'boundary="?([^";]+)"?', content_type)
    body = request.content
    declared = request.headers.get("content-length")
    if declared is not None and int(declared) != len(body):
        raise AssertionError(f"Content-Length {declared} but {len(body)} bytes were sent")
    if boundary:
        delimiter = b"--" + boundary.group(1).encode()
        for part in body.split(delimiter)[1:-1]:
            head, _, content = part.removeprefix(b"\r\n").partition(b"\r\n\r\n")
            content = content.removesuffix(b"\r\n")
            headers = head.decode("utf-8", "replace")
            name = re.search(r'name="([^"]*)"', headers)
            filename = re.search(r'filename="([^"]*)"', headers)
            if filename:
                file_name = filename.group(1)
                part_type = re.search(r"Content-Type:\s*(\S+)", headers, re.IGNORECASE)
                file_type = part_type.group(1) if part_type else None
                file_size = len(content)
            elif name:
                form.setdefault(name.group(1), []).append(content.decode())
    return UploadRecord(
        form=form,
        file_name=file_name,
        file_content_type=file_type,
        file_size=file_size,
        query=parse_qs(request.url.query.decode()),
        authorization=request.headers.get("authorization"),
    )
