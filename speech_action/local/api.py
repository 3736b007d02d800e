"""Request, response and error types of the local service, independent of the HTTP server."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from speech_action.errors import SpeechActionError
from speech_action.local.render import Urls

__all__ = ["ApiError", "ApiRequest", "ApiResponse", "LocalServiceError", "parse_ref"]

Json = dict[str, Any]
UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_REF = re.compile(
    r"/speechtotext/(?:v3\.2/)?(?P<path>(?:models/base|models|datasets|projects|transcriptions"
    rf"|evaluations|endpoints)/{UUID})(?:[/?#:]|$)"
)


class LocalServiceError(SpeechActionError):
    """The local service cannot start or run (no recognizer, port in use, bad data dir)."""


class ApiError(Exception):
    """An error answer in the spec's shape: `{"code", "message", "innerError"}`."""

    def __init__(
        self, status: int, code: str, message: str, *, inner: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.inner = inner
        self.headers = headers or {}

    def body(self) -> Json:
        out: Json = {"code": self.code, "message": self.message}
        if self.inner:
            out["innerError"] = {"code": self.inner, "message": self.message}
        return out


def not_found(what: str) -> ApiError:
    return ApiError(404, "NotFound", f"{what} was not found on this local service.")


def bad_request(message: str, inner: str = "InvalidParameterValue") -> ApiError:
    return ApiError(400, "InvalidArgument", message, inner=inner)


@dataclass
class ApiRequest:
    method: str
    path: str  # after `/speechtotext/` and the version segment, e.g. `datasets/<id>/files`
    query: dict[str, str]
    body: bytes
    content_type: str
    urls: Urls

    @property
    def version(self) -> str:
        return self.urls.version

    def json(self) -> Any:
        if not self.body:
            raise bad_request("The request body is empty; send the entity as JSON.", "EmptyRequest")
        try:
            return json.loads(self.body)
        except ValueError as exc:
            raise bad_request(
                f"The request body is not valid JSON ({exc}).", "InvalidRequestBodyFormat"
            ) from exc

    def json_object(self) -> Json:
        data = self.json()
        if not isinstance(data, dict):
            raise bad_request("The request body must be a JSON object.", "InvalidRequestBodyFormat")
        return data

    def int_query(self, name: str) -> int | None:
        raw = self.query.get(name)
        if raw is None:
            return None
        if not raw.isdigit():
            raise bad_request(f"Query parameter {name!r} must be a non-negative integer.")
        return int(raw)


@dataclass
class ApiResponse:
    status: int
    body: Any = None  # JSON-serializable, or None for no body
    raw: bytes | None = None  # a file download instead of JSON
    headers: dict[str, str] = field(default_factory=dict)


def parse_ref(value: object, field_name: str) -> str:
    """`{"self": "<url>"}` -> the stored reference path, e.g. `models/base/<id>`."""
    url = value.get("self") if isinstance(value, dict) else None
    match = _REF.search(url) if isinstance(url, str) else None
    if match is None:
        raise bad_request(
            f"'{field_name}' must be an object with 'self' set to an entity URL of this "
            f"service (got {value!r}).",
            "InvalidPayload",
        )
    path = match.group("path")
    collection, _, entity_id = path.rpartition("/")
    return f"{collection}/{entity_id.lower()}"
