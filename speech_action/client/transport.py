"""One HTTP attempt and the parsing of error answers (no retry here: see retry/_core)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import requests
from pydantic import ValidationError

from speech_action.client.errors import AuthenticationError, SpeechServiceError, redact_url
from speech_action.client.models import ErrorBody

KEY_HEADER = "Ocp-Apim-Subscription-Key"
REQUEST_ID_HEADER = "apim-request-id"
_DROPPED = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


class ConnectionDropped(Exception):
    """Internal: the request got no complete answer (connect failure, reset, timeout)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(type(cause).__name__)
        self.cause = cause


class Transport:
    """Sends one request; adds the key only for the Speech endpoint's own host."""

    def __init__(self, session: requests.Session, key: str | None, endpoint: str,
                 timeout_s: float) -> None:
        self._session = session
        self._key = key
        self._netloc = urlsplit(endpoint).netloc.lower()
        self._timeout_s = timeout_s

    def is_service_url(self, url: str) -> bool:
        return urlsplit(url).netloc.lower() == self._netloc

    def send(self, method: str, url: str, *, json_body: Any = None, data: bytes | None = None,
             content_type: str | None = None) -> requests.Response:
        headers = {"Accept": "application/json"}
        # SAS URLs to other hosts (result files in blob storage) must not see the key.
        if self._key and self.is_service_url(url):
            headers[KEY_HEADER] = self._key
        body = data
        if json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
            content_type = "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        try:
            return self._session.request(
                method, url, data=body, headers=headers, timeout=self._timeout_s
            )
        except _DROPPED as exc:
            raise ConnectionDropped(exc) from exc


def parse_error_body(response: requests.Response) -> tuple[str | None, str | None]:
    """(code, message) from either error shape; (None, text excerpt) for non-JSON bodies."""
    try:
        payload = response.json()
    except ValueError:
        text = response.text.strip()
        return None, text[:300] or None
    if not isinstance(payload, dict):
        return None, str(payload)[:300]
    try:
        return ErrorBody.model_validate(payload).code_and_message()
    except ValidationError:
        return None, json.dumps(payload)[:300]


def error_from_response(method: str, response: requests.Response, *,
                        service: bool = True) -> SpeechServiceError:
    """A typed, secret-free error naming the request, status, service code and request id.

    `service` is False for URLs on other hosts (SAS links to result files): a 401/403 there
    means an expired link, not a wrong key.
    """
    status = response.status_code
    code, message = parse_error_body(response)
    url = redact_url(response.request.url or response.url) if response.request else ""
    request_id = response.headers.get(REQUEST_ID_HEADER)
    where = f"{method} {url}"
    said = f"{code or 'no code'}: {message or response.reason or 'no message'}"
    trace = f" (apim-request-id {request_id})" if request_id else ""
    kwargs: dict[str, Any] = {"status": status, "code": code, "service_message": message,
                              "url": url, "request_id": request_id}
    if status in (401, 403) and not service:
        return SpeechServiceError(
            f"{where} was refused with HTTP {status} ({said}): the file link (SAS URL) "
            "has expired or is invalid; re-run to get fresh links.", **kwargs)
    if status in (401, 403):
        return AuthenticationError(
            f"{where} was refused with HTTP {status} ({said}){trace}. The Speech key is wrong "
            "or belongs to another resource or region: check speech-key against "
            "speech-region / speech-endpoint (the key of the resource that endpoint names).",
            **kwargs,
        )
    return SpeechServiceError(
        f"{where} failed with HTTP {status} ({said}){trace}. {_advice(status)}", **kwargs
    )


def _advice(status: int) -> str:
    if status == 404:
        return "Check that the id or URL names an existing entity of this Speech resource."
    if status in (400, 409, 415, 422):
        return "The service rejected the request; the message above says which field."
    if status == 429:
        return "The resource is throttled; retry later or lower the request rate."
    if status >= 500:
        return "The service failed; retry the run later."
    return "See the service message above."
