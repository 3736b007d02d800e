"""One HTTP attempt and the parsing of error answers (no retry here: see retry/_core).

Where the key goes (PRODUCT.md, "Authentication and trust": credentials go only where the
workflow said):
- only to the configured endpoint's origin: the same scheme, host and port (`is_service_url`);
  a link to any other origin (SAS URLs of result files in Blob storage) is fetched without it;
- only over https, or plain http to a loopback host (the embedded local service);
- never along a redirect. `requests` strips `Authorization` when a redirect changes host,
  but it resends every other header, `Ocp-Apim-Subscription-Key` included. So a request
  carrying the key is sent with `allow_redirects=False`, and a 3xx answer is refused with
  `RedirectRefusedError` (the Speech to text REST API documents no redirects; where the docs
  are silent we fail safe). A request without the key (a file link on another origin) may
  follow redirects: nothing secret goes with it, and the key is never added on the way.
"""

from __future__ import annotations

import ipaddress
import json
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from pydantic import ValidationError

from speech_action.client.errors import AuthenticationError, SpeechServiceError, redact_url
from speech_action.client.models import ErrorBody
from speech_action.errors import ConfigError
from speech_action.redaction import redact

KEY_HEADER = "Ocp-Apim-Subscription-Key"
REQUEST_ID_HEADER = "apim-request-id"
_DROPPED = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
_DEFAULT_PORTS = {"https": 443, "http": 80}
Origin = tuple[str, str, int]


class ConnectionDropped(Exception):
    """Internal: the request got no complete answer (connect failure, reset, timeout)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(type(cause).__name__)
        self.cause = cause


class RedirectRefusedError(SpeechServiceError):
    """The service answered a request that carried the key with a redirect (3xx)."""


def is_loopback_host(host: str) -> bool:
    """`localhost`, 127.0.0.0/8 or ::1: the only hosts plain http may carry a key to."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def origin(url: str) -> Origin | None:
    """(scheme, host, port) with the scheme's default port filled in; None if not http(s)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a bad `[...]` host or a port that is not a number: no origin we
        return None     # would send to (the URL may be a link a service gave)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


class Transport:
    """Sends one request; adds the key only for the Speech endpoint's own origin."""

    def __init__(self, session: requests.Session, key: str | None, endpoint: str,
                 timeout_s: float) -> None:
        self._session = session
        self._key = key
        self._origin = origin(endpoint)
        self._timeout_s = timeout_s
        if key and self._origin and self._origin[0] == "http" and not is_loopback_host(
                self._origin[1]):
            raise ConfigError(
                f"speech endpoint {redact_url(endpoint)} is plain http to a host that is not "
                "loopback: the Speech key is sent over https only; use the resource's https:// "
                "URL (http is allowed only for 127.0.0.1, ::1 and localhost)")

    def is_service_url(self, url: str) -> bool:
        """The URL is on the configured endpoint's origin (scheme, host and port)."""
        return self._origin is not None and origin(url) == self._origin

    def send(self, method: str, url: str, *, json_body: Any = None, data: bytes | None = None,
             content_type: str | None = None) -> requests.Response:
        headers = {"Accept": "application/json"}
        # Links to other origins (SAS URLs of result files in blob storage) never see the key.
        key = self._key if self.is_service_url(url) else None
        if key:
            headers[KEY_HEADER] = key
        body = data
        if json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
            content_type = "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        try:
            response = self._session.request(
                method, url, data=body, headers=headers, timeout=self._timeout_s,
                allow_redirects=not key,
            )
        except _DROPPED as exc:
            raise ConnectionDropped(exc) from exc
        except ValueError as exc:
            # requests works out a 3xx's next request even when it will not follow it, and
            # a malformed `Location` (a bracketed host) makes it raise ValueError.
            raise SpeechServiceError(
                f"{method} {redact_url(url)}: the service's answer could not be read as HTTP "
                f"({type(exc).__name__}); check speech-endpoint and re-run", status=0,
                url=url) from None
        except requests.TooManyRedirects:
            raise SpeechServiceError(
                f"{method} {redact_url(url)}: the file link redirects in a loop; re-run to get "
                "fresh links", status=0, url=url) from None
        if 300 <= response.status_code < 400:
            if key:
                raise _redirect_refused(method, url, response)
            raise SpeechServiceError(
                f"{method} {redact_url(url)} answered HTTP {response.status_code} without a "
                "redirect that could be followed; re-run to get fresh links",
                status=response.status_code, url=url)
        return response


def _shown(target: Origin) -> str:
    scheme, host, port = target
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" + ("" if _DEFAULT_PORTS[scheme] == port else f":{port}")


def _redirect_refused(method: str, url: str, response: requests.Response) -> RedirectRefusedError:
    """The error of a 3xx to a keyed request: status and the target's host, never the key,
    the target's path or query (a redirect may carry a token of its own)."""
    location = response.headers.get("Location", "")
    target = origin(urljoin(url, location)) if location else None
    where = _shown(target) if target else "an unusable Location"
    return RedirectRefusedError(
        f"{method} {redact_url(url)} answered HTTP {response.status_code}, a redirect to "
        f"{where}: refused, because the Speech key is never sent along a redirect. Set "
        "`speech-endpoint` (in the workflow) to the resource's own https:// endpoint; if the "
        "redirect comes from a proxy or a wrong URL, fix the endpoint.",
        status=response.status_code, url=url,
        request_id=response.headers.get(REQUEST_ID_HEADER))


def parse_error_body(response: requests.Response) -> tuple[str | None, str | None]:
    """(code, message) from either error shape; (None, text excerpt) for other bodies.
    An excerpt is redacted before it is cut: a cut first could keep most of an echoed key."""
    try:
        payload = response.json()
    except ValueError:
        return None, _excerpt(response, response.text.strip()) or None
    if not isinstance(payload, dict):
        return None, _excerpt(response, str(payload))
    try:
        return ErrorBody.model_validate(payload).code_and_message()
    except ValidationError:
        return None, _excerpt(response, json.dumps(payload))


def _excerpt(response: requests.Response, text: str, limit: int = 300) -> str:
    """The first `limit` characters of `text` with the request's own key and every
    registered secret (in all their encoded forms) redacted first."""
    sent_key = response.request.headers.get(KEY_HEADER) if response.request else None
    return redact(text, also=[str(sent_key)] if sent_key else [])[:limit]


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
