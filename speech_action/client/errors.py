"""Errors of the Speech REST client; all derive from `speech_action.errors`."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from speech_action.errors import JobFailedError, JobTimeoutError, ServiceError

# Query parameters that carry no secret and help the reader; everything else (SAS `sig`,
# `se`, `sp`, ...) is replaced, so messages and logs never leak a token.
_SAFE_QUERY = frozenset({"api-version", "filter", "skip", "top", "blockid", "sasLifetimeMinutes"})


def redact_url(url: str) -> str:
    parts = urlsplit(url)
    query = [
        (name, value if name in _SAFE_QUERY else "REDACTED")
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    ]
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit(parts._replace(netloc=netloc, query=urlencode(query, safe="'$ ")))


class SpeechServiceError(ServiceError):
    """The service answered with an HTTP error (or could not be reached: status 0)."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str | None = None,
        service_message: str | None = None,
        url: str = "",
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.service_message = service_message
        self.url = redact_url(url) if url else ""
        self.request_id = request_id


class AuthenticationError(SpeechServiceError):
    """401/403: the key does not belong to this region/endpoint, or lacks permission."""


class ServiceUnreachableError(SpeechServiceError):
    """The connection failed or dropped on every attempt."""


class AmbiguousCreateError(SpeechServiceError):
    """A creating POST may or may not have taken effect and the outcome cannot be told."""


class NoAdaptableBaseModelError(ServiceError):
    """No base model of a locale supports adaptation before its adaptation deadline: a fact
    of the service's catalogue, not an invalid setting (the message says what to change)."""

    def __init__(self, message: str, *, locale: str) -> None:
        super().__init__(message)
        self.locale = locale


class EntityJobFailedError(JobFailedError):
    """An entity (dataset, model, evaluation, endpoint) ended in status `Failed`."""

    def __init__(self, message: str, *, entity_url: str, code: str | None,
                 service_message: str | None) -> None:
        super().__init__(message)
        self.entity_url = redact_url(entity_url)
        self.code = code
        self.service_message = service_message


class WaitTimeoutError(JobTimeoutError):
    """An entity was still not in a terminal state when the wait's deadline passed."""

    def __init__(self, message: str, *, entity_url: str, last_status: str | None) -> None:
        super().__init__(message)
        self.entity_url = redact_url(entity_url)
        self.last_status = last_status
