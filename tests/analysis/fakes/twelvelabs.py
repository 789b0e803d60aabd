"""A stand-in for the Twelve Labs API (v1.3), speaking its documented wire format.

Use it as the handler of an `httpx.MockTransport` (`fake.client()` gives a ready client):

    fake = FakeTwelveLabs(processing_polls=2)
    fake.script("analyze", Fault.RATE_LIMITED, Fault.TRUNCATED)
    provider = TwelveLabsProvider(api_key=fake.api_key, base_url=fake.base_url,
                                  http_client=fake.client(), ...)

What it does, as the real service does:
- `POST /assets` (multipart: `method=direct` + `file`, or `method=url` + `url`; `filename`,
  `user_metadata`) answers 201 with
  the asset in `processing`; `GET /assets/{id}` answers `processing` for `processing_polls` polls,
  then `asset_outcome` (`ready` or `failed`, with `error.message`); `GET /assets?filename=` lists
  assets whose filename contains the text, newest first; `DELETE /assets/{id}` answers 204, or 404
  once it is gone.
- `POST /analyze` answers `{"id", "data": "<JSON text>", "finish_reason", "usage"}` when the body
  says `"stream": false`, and NDJSON stream events otherwise (the real default).
- A wrong or missing `x-api-key` gets 401 `api_key_invalid` (flat error body).

Failures are scripted per route ("upload", "list", "poll", "analyze", "delete") and consumed one
request at a time: `fake.script("upload", Fault.LOST_ANSWER)`.

Counters: `uploads` (assets created), `upload_attempts` and `analyze_calls` (requests received,
failed ones included), `polls` (answered), `deleted` (asset ids). `analyze_bodies` (served
requests) and `upload_forms` record what was sent, `requests` every request, `events` the order of
calls by route (a test may append its own, e.g. checkpoints).
"""

import copy
import email.parser
import email.policy
import itertools
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

import httpx

BASE_URL = "https://api.twelvelabs.test/v1.3"
API_KEY = "tlk_test_key"
DOCS_URL = "https://docs.twelvelabs.io/v1.3/api-reference/errors"

GOOD_ANALYSIS: dict[str, Any] = {
    "confidence": 8,
    "clarity": 9,
    "speech_rate": 7,
    "eye_contact": 6,
    "body_language": 7,
    "voice_tone": 8,
    "relevance_to_question": 7,
    "key_points": [
        "Uses select_related to avoid N+1 queries",
        "Profiles with Django Debug Toolbar",
    ],
    "summary": "A clear, well-structured answer. The candidate speaks confidently and stays on "
    "topic.",
}

Route = Literal["upload", "list", "poll", "analyze", "delete"]


class Fault(StrEnum):
    """A scripted failure for one request."""

    RATE_LIMITED = "rate_limited"  # 429 with Retry-After (fake.retry_after seconds)
    RATE_LIMITED_NO_HINT = "rate_limited_no_hint"  # 429 without Retry-After
    SERVER_ERROR = "server_error"  # 500, flat JSON error body
    UNAVAILABLE = "unavailable"  # 503, an HTML page (not JSON)
    TIMEOUT = "timeout"  # httpx.ReadTimeout; nothing happened on the server
    LOST_ANSWER = "lost_answer"  # the request is carried out, then httpx.ReadTimeout
    RESET = "reset"  # httpx.RemoteProtocolError (connection dropped mid-answer)
    CONNECT_ERROR = "connect_error"  # httpx.ConnectError (never reached the server)
    KEY_INVALID = "key_invalid"  # 401 api_key_invalid, flat body
    KEY_EXPIRED_NESTED = "key_expired_nested"  # 401 api_key_invalid, nested {"error": {...}}
    REJECTED = "rejected"  # 400 video_resolution_too_low, flat body
    REJECTED_NESTED = "rejected_nested"  # 422 parameter_invalid, nested body
    TRUNCATED = "truncated"  # analyze: finish_reason "length", data cut off
    INVALID_DATA = "invalid_data"  # analyze: data is not JSON
    OUT_OF_RANGE = "out_of_range"  # analyze: a score of 11
    NOT_JSON_BODY = "not_json_body"  # 200 with a body that is not JSON


@dataclass
class _Asset:
    record: dict[str, Any]
    polls_left: int | None  # None: processing forever


class FakeTwelveLabs:
    """The fake service. Constructor arguments shape the happy path; `script` adds failures."""

    def __init__(
        self,
        *,
        api_key: str = API_KEY,
        base_url: str = BASE_URL,
        processing_polls: int | None = 1,
        asset_outcome: Literal["ready", "failed"] = "ready",
        analysis: dict[str, Any] | None = None,
        retry_after: str = "7",
    ) -> None:
        self.api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.processing_polls = processing_polls
        self.asset_outcome = asset_outcome
        self.analysis = dict(GOOD_ANALYSIS if analysis is None else analysis)
        self.retry_after = retry_after
        self.assets: dict[str, _Asset] = {}
        self.faults: dict[str, list[Fault | httpx.Response]] = {}
        self.uploads = 0
        self.upload_attempts = 0
        self.polls = 0
        self.analyze_calls = 0
        self.deleted: list[str] = []
        # assets an indexed video still references: DELETE answers 409 unless `force=true`
        self.referenced: set[str] = set()
        self.upload_forms: list[dict[str, Any]] = []
        self.analyze_bodies: list[dict[str, Any]] = []
        self.requests: list[httpx.Request] = []
        self.events: list[str] = []
        self._ids = itertools.count(1)

    # -- set-up -----------------------------------------------------------------------------

    def script(self, route: Route, *faults: Fault | httpx.Response) -> None:
        """Make the next requests to `route` fail (or answer) as listed, in order."""
        self.faults.setdefault(route, []).extend(faults)

    def add_asset(
        self,
        *,
        filename: str = "existing.webm",
        status: str = "ready",
        user_metadata: dict[str, Any] | None = None,
    ) -> str:
        """An asset that exists already (e.g. uploaded by an earlier run). Returns its id."""
        asset_id = self._new_id("asset")
        self.assets[asset_id] = _Asset(
            self._asset_record(asset_id, filename, user_metadata or {}, status, size=1024),
            polls_left=0 if status != "processing" else self.processing_polls,
        )
        return asset_id

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=self.transport())

    # -- the service ------------------------------------------------------------------------

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        path = request.url.path
        prefix = httpx.URL(self.base_url).path.rstrip("/")
        if not path.startswith(prefix + "/"):
            return _error(404, "resource_not_exist", f"No route {path}.")
        path = path[len(prefix) :]
        route, asset_id = self._route(request.method, path)
        if route is None:
            return _error(404, "resource_not_exist", f"No route {request.method} {path}.")
        if route == "upload":
            self.upload_attempts += 1
        elif route == "analyze":
            self.analyze_calls += 1
        self.events.append(route)
        fault = self.faults.get(route, []).pop(0) if self.faults.get(route) else None
        if isinstance(fault, httpx.Response):
            return fault
        if fault is not None and (answer := self._fail_before(fault)) is not None:
            return answer
        if request.headers.get("x-api-key") != self.api_key:
            return _error(401, "api_key_invalid", "The API key you provided is not valid.")
        response = self._serve(route, request, asset_id, fault)
        if fault is Fault.LOST_ANSWER:
            raise httpx.ReadTimeout("The answer was lost.", request=request)
        return response

    def _route(self, method: str, path: str) -> tuple[Route | None, str | None]:
        parts = [part for part in path.split("/") if part]
        if parts == ["assets"] and method == "POST":
            return "upload", None
        if parts == ["assets"] and method == "GET":
            return "list", None
        if len(parts) == 2 and parts[0] == "assets" and method == "GET":
            return "poll", parts[1]
        if len(parts) == 2 and parts[0] == "assets" and method == "DELETE":
            return "delete", parts[1]
        if parts == ["analyze"] and method == "POST":
            return "analyze", None
        return None, None

    def _fail_before(self, fault: Fault) -> httpx.Response | None:
        """Failures that happen before the server does anything."""
        request_error: type[httpx.TransportError] | None = {
            Fault.TIMEOUT: httpx.ReadTimeout,
            Fault.RESET: httpx.RemoteProtocolError,
            Fault.CONNECT_ERROR: httpx.ConnectError,
        }.get(fault)
        if request_error is not None:
            raise request_error(f"Scripted {fault.value}.")
        if fault is Fault.RATE_LIMITED:
            return _error(
                429,
                "too_many_requests",
                "You have exceeded the rate limit. Try again later.",
                headers={"Retry-After": self.retry_after},
            )
        if fault is Fault.RATE_LIMITED_NO_HINT:
            return _error(429, "too_many_requests", "You have exceeded the rate limit.")
        if fault is Fault.SERVER_ERROR:
            return _error(500, "internal_error", "An internal error occurred.")
        if fault is Fault.UNAVAILABLE:
            return httpx.Response(
                503,
                text="<html><body><h1>503 Service Unavailable</h1></body></html>",
                headers={"Content-Type": "text/html"},
            )
        if fault is Fault.KEY_INVALID:
            return _error(401, "api_key_invalid", "The API key you provided is not valid.")
        if fault is Fault.KEY_EXPIRED_NESTED:
            return httpx.Response(
                401,
                json={
                    "error": {
                        "code": "api_key_invalid",
                        "message": "The API key has expired. Generate a new one.",
                        "details": {},
                    }
                },
            )
        if fault is Fault.REJECTED:
            return _error(
                400,
                "video_resolution_too_low",
                "The video resolution is too low. The minimum is 360x360.",
            )
        if fault is Fault.REJECTED_NESTED:
            return httpx.Response(
                422,
                json={
                    "error": {
                        "code": "parameter_invalid",
                        "message": "The `response_format` parameter is invalid.",
                        "details": {"field": "response_format"},
                    }
                },
            )
        if fault is Fault.NOT_JSON_BODY:
            return httpx.Response(
                200, text="<html>upstream gateway</html>", headers={"Content-Type": "text/html"}
            )
        return None  # content faults and LOST_ANSWER: handled while serving

    def _serve(
        self, route: Route, request: httpx.Request, asset_id: str | None, fault: Fault | None
    ) -> httpx.Response:
        if route == "upload":
            return self._create_asset(request)
        if route == "list":
            return self._list_assets(request)
        if route == "poll":
            return self._retrieve_asset(asset_id or "")
        if route == "delete":
            return self._delete_asset(asset_id or "", request.url.params.get("force") == "true")
        return self._analyze(request, fault)

    def _create_asset(self, request: httpx.Request) -> httpx.Response:
        fields, files = _parse_multipart(request)
        if fields.get("method") == "url":
            if not fields.get("url", "").startswith(("http://", "https://")):
                return _error(400, "parameter_invalid", "`url` must be a direct media link.")
            files = {"file": (fields.get("filename", "from-url"), "", b"(fetched from url)")}
        elif fields.get("method") != "direct":
            return _error(400, "parameter_invalid", "`method` must be `direct` or `url`.")
        if "file" not in files:
            return _error(400, "parameter_not_provided", "The `file` parameter is required.")
        file_name, content_type, data = files["file"]
        if not data:
            return _error(400, "parameter_invalid", "The uploaded file is empty.")
        metadata = json.loads(fields["user_metadata"]) if "user_metadata" in fields else {}
        filename = fields.get("filename") or file_name
        self.upload_forms.append(
            {
                "fields": fields,
                "file_name": file_name,
                "content_type": content_type,
                "size": len(data),
                "head": data[:16],
            }
        )
        self.uploads += 1
        asset_id = self._new_id("asset")
        record = self._asset_record(asset_id, filename, metadata, "processing", size=len(data))
        self.assets[asset_id] = _Asset(record, polls_left=self.processing_polls)
        return httpx.Response(201, json=_public(record))

    def _list_assets(self, request: httpx.Request) -> httpx.Response:
        text = (request.url.params.get("filename") or "").lower()
        found = [
            _public(asset.record)
            for asset in reversed(self.assets.values())
            if text in asset.record["filename"].lower()
        ]
        limit = int(request.url.params.get("page_limit") or 10)
        return httpx.Response(
            200,
            json={
                "data": found[:limit],
                "page_info": {"page": 1, "limit_per_page": limit, "total_results": len(found)},
            },
        )

    def _retrieve_asset(self, asset_id: str) -> httpx.Response:
        asset = self.assets.get(asset_id)
        if asset is None:
            return _error(404, "resource_not_exist", f"There is no asset with id {asset_id}.")
        self.polls += 1
        record = asset.record
        if record["status"] == "processing" and asset.polls_left is not None:
            if asset.polls_left <= 0:
                record["status"] = self.asset_outcome
                if self.asset_outcome == "failed":
                    record["error"] = {"message": "The video failed a playability check."}
            asset.polls_left -= 1
        return httpx.Response(200, json=_public(record))

    def _delete_asset(self, asset_id: str, force: bool) -> httpx.Response:
        if asset_id in self.referenced and not force:
            return _error(409, "asset_in_use", f"Asset {asset_id} is used by an indexed video.")
        if self.assets.pop(asset_id, None) is None:
            return _error(404, "resource_not_exist", f"There is no asset with id {asset_id}.")
        self.deleted.append(asset_id)
        return httpx.Response(204)

    def _analyze(self, request: httpx.Request, fault: Fault | None) -> httpx.Response:
        body = json.loads(request.content)
        self.analyze_bodies.append(body)
        video = body.get("video") or {}
        asset = self.assets.get(video.get("asset_id", ""))
        if asset is None:
            return _error(404, "resource_not_exist", "The asset does not exist.")
        if asset.record["status"] != "ready":
            return _error(400, "parameter_invalid", "The asset is not ready yet.")
        data = json.dumps(self.analysis)
        finish_reason = "stop"
        if fault is Fault.TRUNCATED:
            data, finish_reason = data[: len(data) // 2], "length"
        elif fault is Fault.INVALID_DATA:
            data = "Here is my assessment: confidence 8, clarity 9"
        elif fault is Fault.OUT_OF_RANGE:
            data = json.dumps({**self.analysis, "confidence": 11})
        answer_id = self._new_id("analysis")
        if body.get("stream", True) is not False:
            return _ndjson(answer_id, data)
        return httpx.Response(
            200,
            json={
                "id": answer_id,
                "data": data,
                "finish_reason": finish_reason,
                "usage": {"output_tokens": len(data) // 4, "input_tokens": 1200},
            },
        )

    # -- helpers ----------------------------------------------------------------------------

    def _new_id(self, kind: str) -> str:
        return f"{kind}-{next(self._ids):04d}"

    @staticmethod
    def _asset_record(
        asset_id: str, filename: str, metadata: dict[str, Any], status: str, *, size: int
    ) -> dict[str, Any]:
        return {
            "_id": asset_id,
            "method": "direct",
            "status": status,
            "filename": filename,
            "file_type": "video/webm",
            "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "user_metadata": metadata,
            "size": size,
        }


def _public(record: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(record)


def _error(
    status: int, code: str, message: str, *, headers: dict[str, str] | None = None
) -> httpx.Response:
    """The flat error body most endpoints use."""
    return httpx.Response(
        status,
        json={"code": code, "message": message, "docs_url": DOCS_URL},
        headers=headers,
    )


def _ndjson(answer_id: str, data: str) -> httpx.Response:
    """What `/analyze` answers when the request does not say `"stream": false`."""
    events = [{"event_type": "stream_start", "metadata": {"generation_id": answer_id}}]
    events += [
        {"event_type": "text_generation", "text": data[i : i + 20]} for i in range(0, len(data), 20)
    ]
    events.append({"event_type": "stream_end", "finish_reason": "stop"})
    text = "\n".join(json.dumps(event) for event in events) + "\n"
    return httpx.Response(200, text=text, headers={"Content-Type": "application/x-ndjson"})


def _parse_multipart(
    request: httpx.Request,
) -> tuple[dict[str, str], dict[str, tuple[str, str, bytes]]]:
    """Form fields and files of a multipart/form-data request."""
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith("multipart/form-data"):
        return {}, {}
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + request.content
    )
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, str, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        filename = part.get_filename()
        if filename is not None:
            files[str(name)] = (filename, part.get_content_type(), data)
        else:
            fields[str(name)] = data.decode()
    return fields, files
