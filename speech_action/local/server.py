"""The local Speech to text service over real HTTP on 127.0.0.1.

`start_local_service(data_dir)` runs it in background threads (tests, `speech-endpoint:
local`); `serve_forever` runs it in the foreground for `speech-action serve`. The HTTP
layer here does only transport: faults, the key check, the version in the URL, stats and
the request observer; the operations themselves live in `handlers.LocalApi`.
"""

from __future__ import annotations

import importlib
import json
import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from speech_action.local.api import ApiError, ApiRequest, ApiResponse, LocalServiceError
from speech_action.local.bearer import BearerPolicy
from speech_action.local.blob_access import DEFAULT_SAS_MINUTES, BlobAccess, load_key
from speech_action.local.catalog import DEFAULT_BASE_MODELS, BaseModelSpec, Catalog
from speech_action.local.evaluation import evaluation_work
from speech_action.local.faults import FaultCounter, FaultPlan
from speech_action.local.handlers import LocalApi
from speech_action.local.jobs import JobContext, JobRunner, dataset_work, endpoint_work, model_work
from speech_action.local.recognition import Recognizer
from speech_action.local.render import Urls
from speech_action.local.store import Store

__all__ = [
    "LocalService",
    "ObservedExchange",
    "ServiceStats",
    "serve_forever",
    "start_local_service",
]

log = logging.getLogger(__name__)
QUERY_VERSIONS = ("2025-10-15", "2024-11-15")
ACCESS_DENIED = (
    "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide "
    "a valid key for an active subscription and use a correct regional API endpoint for your "
    "resource."
)
_FAULT_CODES = {429: "TooManyRequests", 500: "InternalServerError", 502: "ServiceUnavailable",
                503: "ServiceUnavailable", 504: "ServiceUnavailable"}


@dataclass(frozen=True)
class ObservedExchange:
    """One request and its answer, as the observer sees it; status 0 = connection dropped."""

    method: str
    url: str
    body: bytes
    content_type: str
    status: int
    response: Any  # the parsed JSON answer, or None (no body, a file download, a drop)
    headers: dict[str, str]


@dataclass
class ServiceStats:
    """Counters that tests and benchmarks read (thread-safe)."""

    requests: Counter[str] = field(default_factory=Counter)  # by HTTP method
    bytes_uploaded: int = 0
    faults: Counter[str] = field(default_factory=Counter)  # by injected action
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, method: str, size: int, fault: str | None) -> None:
        with self._lock:
            self.requests[method] += 1
            self.bytes_uploaded += size
            if fault:
                self.faults[fault] += 1

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())


def _error(status: int, code: str, message: str, **headers: str) -> ApiResponse:
    return ApiResponse(status, ApiError(status, code, message).body(), headers=dict(headers))


class _App:
    """Everything a request needs; shared by the handler threads."""

    def __init__(self, store: Store, api: LocalApi, faults: FaultPlan | None,
                 observer: Callable[[ObservedExchange], None] | None,
                 expected_key: str | None, files: BlobAccess,
                 bearer: BearerPolicy | None = None) -> None:
        self.store = store
        self.api = api
        self.files = files
        self.plan = faults or FaultPlan()
        self.faults = FaultCounter(faults)
        self.observer = observer
        self.expected_key = expected_key
        self.bearer = bearer
        self.stats = ServiceStats()
        self.base_url = ""

    def fault_response(self, action: str) -> ApiResponse:
        status = int(action[:3])
        message = f"Injected fault {action} (local service fault plan)."
        response = _error(status, _FAULT_CODES[status], message)
        if action == "429":
            response.headers["Retry-After"] = str(self.plan.retry_after_s)
        return response

    def respond(self, method: str, target: str, body: bytes, content_type: str,
                key: str | None, authorization: str | None = None) -> ApiResponse:
        parts = urlsplit(target)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        if parts.path.startswith("/_local/files/") and method == "GET":
            # A Speech access token is no storage credential (Blob wants its own audience).
            storage_auth = None if self._is_speech_token(authorization) else authorization
            refusal = self.files.check(parts.path, query, storage_auth, self.api.now())
            if refusal is not None:  # Blob's own shape: XML and x-ms-error-code
                xml = (f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{refusal.code}'
                       f"</Code><Message>{refusal.message}</Message></Error>")
                return ApiResponse(refusal.status, raw=xml.encode(),
                                   headers={"x-ms-error-code": refusal.code})
            return self.download(parts.path)
        if self.bearer is not None:
            denied = self.bearer.check(authorization)
            if denied is not None:
                return ApiResponse(denied.status, denied.body())
        elif self.expected_key is not None and key != self.expected_key:
            return ApiResponse(401, {"error": {"code": "401", "message": ACCESS_DENIED}})
        if not parts.path.startswith("/speechtotext/"):
            return _error(404, "NotFound", f"No resource at {parts.path} on this local service.")
        rest = parts.path[len("/speechtotext/"):]
        if rest.startswith("v3.2/"):
            version, rest = "v3.2", rest[len("v3.2/"):]
        else:
            version = query.get("api-version", "")
            if version not in QUERY_VERSIONS:
                return _error(400, "InvalidArgument", f"Unsupported api-version {version!r}: use "
                              "2025-10-15 or 2024-11-15 (query), or the /speechtotext/v3.2/ path.")
        urls = Urls(self.base_url, version, self.files, self.api.now(), _sas_minutes(query))
        request = ApiRequest(method, rest.strip("/"), query, body, content_type, urls)
        try:
            return self.api.handle(request)
        except ApiError as exc:
            return ApiResponse(exc.status, exc.body(), headers=exc.headers)

    def _is_speech_token(self, authorization: str | None) -> bool:
        return self.bearer is not None and self.bearer.claims(authorization) is not None

    def download(self, path: str) -> ApiResponse:
        pieces = path.split("/")[3:]  # ["", "_local", "files", collection, id, file]
        if len(pieces) != 3:
            return _error(404, "NotFound", f"No file at {path}.")
        collection, entity_id, file_id = pieces
        try:
            owner = self.store.get(collection, entity_id)
            blob = self.store.blob_dir(collection, entity_id) / "files" / file_id
        except KeyError:
            owner = None
        if owner is None or not any(f["id"] == file_id for f in owner.get("files", [])):
            return _error(404, "NotFound", f"No file at {path}.")
        return ApiResponse(200, raw=blob.read_bytes())


def _sas_minutes(query: dict[str, str]) -> int:
    """The SAS lifetime a request asks for: `sasLifetimeMinutes` (2024-11-15 and later),
    `sasValidityInSeconds` (v3.2); the spec's default is 12 hours."""
    minutes, seconds = query.get("sasLifetimeMinutes", ""), query.get("sasValidityInSeconds", "")
    if minutes.isdigit() and int(minutes) > 0:
        return int(minutes)
    if seconds.isdigit() and int(seconds) > 0:
        return max(1, int(seconds) // 60)
    return DEFAULT_SAS_MINUTES


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without NODELAY, Nagle + delayed ACK
        # add ~40 ms to every keep-alive request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        app = self.server.app
        body = self._read_body()
        content_type = self.headers.get("Content-Type", "")
        action = app.faults.next_action(urlsplit(self.path).path)
        app.stats.record(method, len(body), action)
        if action == "drop":
            self.close_connection = True  # no status line at all: the client sees a reset
            self._observe(method, body, content_type, ApiResponse(0))
            return
        if action == "slow":
            time.sleep(app.plan.slow_response_s)
        try:
            if action in (None, "slow"):
                key = self.headers.get("Ocp-Apim-Subscription-Key")
                response = app.respond(method, self.path, body, content_type, key,
                                       self.headers.get("Authorization"))
            else:
                response = app.fault_response(action)
        except Exception:  # never leave a client hanging: answer 500 in the spec's shape
            log.exception("local service failed on %s %s", method, self.path)
            response = _error(500, "InternalServerError", "The local service failed; see its log.")
        self._send(response)
        self._observe(method, body, content_type, response)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))
        chunks = []  # streamed uploads (a generator body in requests) come chunked
        while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
            chunks.append(self.rfile.read(size))
            self.rfile.readline()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass  # trailers
        return b"".join(chunks)

    def _send(self, response: ApiResponse) -> None:
        if response.raw is not None and response.raw.startswith(b"<?xml"):
            payload, kind = response.raw, "application/xml"
        elif response.raw is not None:
            payload, kind = response.raw, "application/octet-stream"
        elif response.body is not None:
            payload = json.dumps(response.body).encode("utf-8")
            kind = "application/json; charset=utf-8"
        else:
            payload, kind = b"", ""
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if kind:
            self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _observe(self, method: str, body: bytes, content_type: str, response: ApiResponse) -> None:
        observer = self.server.app.observer
        if observer is not None:
            observer(ObservedExchange(
                method, f"{self.server.app.base_url}{self.path}", body, content_type,
                response.status, response.body, dict(response.headers)))


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int, app: _App) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        self.app = app


class LocalService:
    """A running local service; `with start_local_service(...) as service:` stops it."""

    def __init__(self, server: _Server, jobs: JobRunner, data_dir: Path) -> None:
        self._server = server
        self._jobs = jobs
        self.data_dir = data_dir
        self.base_url = server.app.base_url
        self.stats = server.app.stats
        # A short poll keeps stop() quick (shutdown waits for the next poll).
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,),
                                        name="local-http", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._jobs.stop()
        self._thread.join(5)

    def __enter__(self) -> LocalService:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()


def default_recognizer() -> Recognizer:
    """The real engine, imported only when needed (pocketsphinx is heavy)."""
    try:
        module = importlib.import_module("speech_action.local.sphinx")
        recognizer: Recognizer = module.PocketSphinxRecognizer()
    except (ImportError, AttributeError) as exc:
        raise LocalServiceError(
            f"The local engine's recognizer is not available ({exc}). Install pocketsphinx "
            "(see requirements.txt), or pass recognizer=EchoRecognizer() in tests."
        ) from exc
    return recognizer


def start_local_service(
    data_dir: Path, *, port: int = 0, recognizer: Recognizer | None = None,
    faults: FaultPlan | None = None,
    request_observer: Callable[[ObservedExchange], None] | None = None,
    job_delay_s: float = 0.0, retry_after_s: int = 1, expected_key: str | None = None,
    now: Callable[[], datetime] = lambda: datetime.now(UTC), byos: bool = False,
    base_models: Sequence[BaseModelSpec] = DEFAULT_BASE_MODELS,
    bearer: BearerPolicy | None = None,
) -> LocalService:
    """`byos`: the resource has bring-your-own-storage: file URLs carry no SAS token (and
    need storage credentials), endpoints may enable content logging. `base_models`: the
    base model catalog (default: the two stock entries). `bearer`: the resource takes
    Microsoft Entra ID access tokens only (`local.bearer.BearerPolicy`: audience, expiry,
    optionally signature and permitted principals); `expected_key` is then ignored."""
    engine = recognizer if recognizer is not None else default_recognizer()
    store = Store(Path(data_dir))
    works = {"datasets": dataset_work, "models": model_work, "evaluations": evaluation_work,
             "endpoints": endpoint_work}
    jobs = JobRunner(JobContext(store, lambda: engine, now), works, faults=faults,
                     job_delay_s=job_delay_s)
    api = LocalApi(store, jobs, now, retry_after_s, catalog=Catalog(base_models), byos=byos)
    files = BlobAccess(load_key(Path(data_dir)), byos=byos)
    app = _App(store, api, faults, request_observer, expected_key, files, bearer)
    try:
        server = _Server(port, app)
    except OSError as exc:
        raise LocalServiceError(f"cannot listen on 127.0.0.1:{port} ({exc}); pick another "
                                "--port or stop the process that uses it") from exc
    app.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    jobs.start()
    return LocalService(server, jobs, Path(data_dir))


def serve_forever(data_dir: Path, port: int, **options: Any) -> None:
    """Run until interrupted (Ctrl+C); for `speech-action serve --port P --data-dir D`."""
    service = start_local_service(data_dir, port=port, **options)
    print(f"speech-action local service on {service.base_url} (data: {data_dir})", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        service.stop()
