"""HTTP primitives of SpeechClient: retry loop, typed GET/list/create, refs and waiting.

Creating POSTs and twins: a POST that fails ambiguously (connection dropped, 408, 5xx) may
or may not have created the entity. Every create therefore carries a unique marker in
`customProperties[speechActionRequestId]`; before trying again, the collection is listed
(filtered by display name, and checked for the marker on our side) and an entity carrying
the marker is returned instead of POSTing a twin. 429 is rejected before processing and is
simply retried after `Retry-After`.

Run budget: every pause before a retry is checked against `time_left` (the seconds left of
the run's `timeout-minutes`). A pause that would end at or past the budget is not taken:
RunBudgetExceededError is raised instead, naming the request, the last answer and the wait,
so a throttled run ends on time instead of sleeping through its deadline.
"""

from __future__ import annotations

import contextlib
import re
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from pydantic import BaseModel as PydanticModel
from pydantic import ValidationError

from speech_action.client.errors import (
    AmbiguousCreateError,
    ServiceUnreachableError,
    SpeechServiceError,
    redact_url,
)
from speech_action.client.models import Entity, EntityRef, Page
from speech_action.client.polling import Poller, ProgressCallback
from speech_action.client.retry import RETRYABLE_STATUS, RetryPolicy, parse_retry_after
from speech_action.client.transport import (
    ConnectionDropped,
    TokenProvider,
    Transport,
    error_from_response,
)
from speech_action.client.versions import DEFAULT_API_VERSION, get_version
from speech_action.errors import ConfigError, RunBudgetExceededError

M = TypeVar("M", bound=PydanticModel)
E = TypeVar("E", bound=Entity)
Ref = str | EntityRef | Entity

MARKER_PROPERTY = "speechActionRequestId"
_AMBIGUOUS_STATUS = frozenset({408, 500, 502, 503, 504})


class ClientCore:
    def __init__(
        self,
        endpoint: str,
        key: str | None,
        api_version: str = DEFAULT_API_VERSION,
        *,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        request_timeout_s: float = 60,
        time_left: Callable[[], float] | None = None,
        token_provider: TokenProvider | None = None,
    ) -> None:
        """`key` for key authentication; or `key=None` and `token_provider` (a callable that
        returns a valid Microsoft Entra ID access token, `speech_action.auth`) to send
        `Authorization: Bearer` instead, under the same origin rules (see transport)."""
        if not endpoint.startswith(("http://", "https://")):
            raise ConfigError(
                f"speech endpoint {endpoint!r} is not an http(s) URL; give the resource's "
                "endpoint (https://<name>.cognitiveservices.azure.com) or a region"
            )
        # Accept a pasted API base (".../speechtotext" or ".../speechtotext/v3.2") as well.
        self.endpoint = re.sub(r"/speechtotext(/v3\.\d+)?/*$", "", endpoint.rstrip("/"))
        self.version = get_version(api_version)
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self._clock = clock
        self._time_left = time_left  # seconds left of the run's budget; None: unbounded
        self._transport = Transport(session or requests.Session(), key, self.endpoint,
                                    request_timeout_s, token_provider)

    @property
    def has_projects(self) -> bool:
        return self.version.has_projects

    # ---- URLs --------------------------------------------------------------------------

    def url(self, path: str, query: dict[str, str] | None = None) -> str:
        return self.version.url(self.endpoint, path, query)

    def entity_url(self, collection: str, ref: Ref) -> str:
        """URL of an entity given its id, its `self` URL, or a resource/reference object."""
        if isinstance(ref, EntityRef | Entity):
            return self.version.ensure_version(ref.self_url)
        text = ref.strip()
        if text.startswith(("http://", "https://")):
            return self.version.ensure_version(text)
        if not text or any(c in text for c in "/?#"):
            raise ConfigError(f"{text!r} is neither an id nor a URL of a {collection} entity")
        return self.url(f"/{collection}/{quote(text)}")

    # ---- requests ----------------------------------------------------------------------

    def request(self, method: str, url: str, *, json_body: Any = None, data: bytes | None = None,
                content_type: str | None = None) -> requests.Response:
        """Send with retries: only for idempotent requests (GET, PUT, PATCH, DELETE, commit)."""
        url = self._transport.route(url)  # messages name where the request really went
        attempt = 0
        while True:
            try:
                response = self._transport.send(method, url, json_body=json_body, data=data,
                                                 content_type=content_type)
            except ConnectionDropped as exc:
                unreachable = self._unreachable(method, url, attempt, exc)
                if not self.retry.should_retry(attempt):
                    raise unreachable from exc.cause
                unreachable.__cause__ = exc.cause
                self._pause(self.retry.backoff_s(attempt), method, url, unreachable)
            else:
                if response.ok:
                    return response
                error = error_from_response(method, response,
                                            service=self._transport.is_service_url(url))
                if response.status_code not in RETRYABLE_STATUS or not self.retry.should_retry(
                    attempt
                ):
                    raise error
                asked = retry_after_s(response)
                self._pause(self.retry.delay_s(attempt, asked), method, url, error, asked)
            attempt += 1

    def get(self, url: str, model: type[M]) -> M:
        return parse(model, self.request("GET", url), url)

    def get_with_retry_after(self, url: str, model: type[M]) -> tuple[M, float | None]:
        response = self.request("GET", url)
        return parse(model, response, url), retry_after_s(response)

    def list(self, url: str, model: type[M]) -> Iterator[M]:
        """All items of a paginated collection, following `@nextLink` as returned (or, on
        another host form of the resource, rebuilt onto the endpoint: see Transport.route)."""
        seen: set[str] = set()
        next_url: str | None = self._transport.route(url)
        while next_url:
            if next_url in seen:
                raise SpeechServiceError(
                    f"GET {redact_url(next_url)}: the service returned a @nextLink it already "
                    "returned (a paging loop); report this to the service owner",
                    status=0, url=next_url)
            seen.add(next_url)
            # Page[model] is built at run time from the variable; mypy cannot see it as a type.
            page_type = Page[model]  # type: ignore[valid-type]
            page = parse(page_type, self.request("GET", next_url), next_url)
            yield from page.values
            next_url = (self._transport.route(self.version.ensure_version(page.next_link))
                        if page.next_link else None)

    def create(self, path: str, body: dict[str, Any], model: type[E]) -> E:
        """POST a new entity without ever creating a twin (see the module docstring)."""
        marker = uuid.uuid4().hex
        body = {**body, "customProperties": {**body.get("customProperties", {}),
                                              MARKER_PROPERTY: marker}}
        url = self.url(path)
        attempt = 0
        while True:
            outcome = self._post_once(url, body, model, attempt)
            if isinstance(outcome, SpeechServiceError):  # ambiguous: look for our marker
                existing = self._after_ambiguous_post(url, path, body, marker, model, attempt,
                                                      outcome)
                if existing is not None:
                    return existing
            elif outcome is not None:
                return outcome
            attempt += 1

    def _after_ambiguous_post(self, url: str, path: str, body: dict[str, Any], marker: str,
                              model: type[E], attempt: int, failure: SpeechServiceError
                              ) -> E | None:
        """The entity carrying `marker` if the failed POST created it; None to POST again.

        Without budget for the backoff, the collection is still looked at once (no pause)
        before giving up, so an entity that was created is not left behind unnoticed."""
        delay = self.retry.backoff_s(attempt)
        left = self._left_if_refused(delay)
        if left is None:
            self._sleep(delay)
        existing = self._find_marked(path, str(body.get("displayName", "")), marker, model)
        if existing is not None:
            return existing
        if left is not None:
            raise _budget_error("POST", url, failure, delay, None, left) from failure
        if not self.retry.should_retry(attempt):
            raise AmbiguousCreateError(
                f"POST {redact_url(url)} ({body.get('displayName')!r}) failed "
                f"{attempt + 1} times, last: {failure}. No entity carrying this run's "
                "marker exists, so re-running will not create a twin.",
                status=0, url=url) from failure
        return None

    def _post_once(self, url: str, body: dict[str, Any], model: type[E],
                   attempt: int) -> E | SpeechServiceError | None:
        """One creating POST: the entity; the failure when the outcome is ambiguous; None
        after a throttling pause (429: nothing was created). Raises on definite errors."""
        try:
            response = self._transport.send("POST", url, json_body=body)
        except ConnectionDropped as exc:
            dropped = ServiceUnreachableError(f"connection failed ({exc})", status=0, url=url)
            dropped.__cause__ = exc.cause
            return dropped
        if response.ok:
            return parse(model, response, url)
        error = error_from_response("POST", response)
        if response.status_code in _AMBIGUOUS_STATUS:
            return error
        if response.status_code not in RETRYABLE_STATUS or not self.retry.should_retry(attempt):
            raise error
        asked = retry_after_s(response)
        self._pause(self.retry.delay_s(attempt, asked), "POST", url, error, asked)
        return None

    def _find_marked(self, path: str, display_name: str, marker: str, model: type[E]) -> E | None:
        name = display_name.replace("'", "''")
        query = {"filter": f"displayName eq '{name}'"} if display_name else None
        for entity in self.list(self.url(path, query), model):
            if (entity.custom_properties or {}).get(MARKER_PROPERTY) == marker:
                return entity
        return None

    def download(self, url: str) -> bytes:
        """Content of a file URL. The key goes only to the endpoint's own origin and never
        along a redirect; a Speech to text URL on another host form of the resource is
        fetched from the endpoint instead; a link elsewhere (a SAS URL in Blob) is fetched
        without the key and may redirect (see transport)."""
        return self.request("GET", url).content

    # ---- the run's budget ----------------------------------------------------------------

    def _left_if_refused(self, delay_s: float) -> float | None:
        """Seconds left of the run's budget if a pause of `delay_s` would end at or past it;
        None when the pause fits (or the run has no budget)."""
        if self._time_left is None:
            return None
        left = self._time_left()
        return left if delay_s >= left else None

    def _pause(self, delay_s: float, method: str, url: str, last: SpeechServiceError,
               asked_s: float | None = None) -> None:
        """Sleep before a retry, or raise RunBudgetExceededError (from `last`, the failure
        being retried) when the sleep would end at or past the run's budget."""
        left = self._left_if_refused(delay_s)
        if left is not None:
            raise _budget_error(method, url, last, delay_s, asked_s, left) from last
        self._sleep(delay_s)

    def _unreachable(self, method: str, url: str, attempt: int,
                     exc: ConnectionDropped) -> ServiceUnreachableError:
        return ServiceUnreachableError(
            f"{method} {redact_url(url)}: no answer after {attempt + 1} attempts "
            f"({type(exc.cause).__name__}); check the endpoint URL and the network",
            status=0, url=url)

    # ---- waiting -----------------------------------------------------------------------

    def begin_wait(self, entity: E, *, poll_s: float = 30.0,
                   on_progress: ProgressCallback | None = None) -> Poller[E]:
        model = type(entity)
        url = self.version.ensure_version(entity.self_url)
        return Poller(entity, lambda: self.get_with_retry_after(url, model), clock=self._clock,
                      sleep=self._sleep, poll_s=poll_s, on_progress=on_progress)

    def wait(self, entity: E, *, timeout_s: float, poll_s: float = 30.0,
             on_progress: ProgressCallback | None = None) -> E:
        """Poll `GET self` until Succeeded (returned) or Failed (EntityJobFailedError)."""
        return self.begin_wait(entity, poll_s=poll_s, on_progress=on_progress).result(timeout_s)


def _budget_error(method: str, url: str, last: SpeechServiceError, delay_s: float,
                 asked_s: float | None, left_s: float) -> RunBudgetExceededError:
    """The error of a retry refused for lack of budget: request, last answer, the wait."""
    return RunBudgetExceededError(
        f"{method} {redact_url(url)}: {_last_answer(last)}; {_wait_text(delay_s, asked_s)}, "
        f"but only {_secs(max(0.0, left_s))} of the run's budget are left: the run's "
        "timeout-minutes is used up; re-run the workflow or raise timeout-minutes.")


def _secs(seconds: float) -> str:
    return f"{round(seconds, 1):g} s"


def _last_answer(error: SpeechServiceError) -> str:
    if error.status == 0:
        cause = error.__cause__
        return f"the connection dropped ({type(cause).__name__ if cause else 'no answer'})"
    said = f", {error.code}" if error.code else ""
    return f"the last answer was HTTP {error.status}{said}"


def _wait_text(delay_s: float, asked_s: float | None) -> str:
    if asked_s is None:
        return f"the next retry was due after a {_secs(delay_s)} backoff"
    capped = f" (capped to {_secs(delay_s)})" if delay_s < asked_s else ""
    return f"the service asked to wait {_secs(asked_s)} (Retry-After){capped}"


def retry_after_s(response: requests.Response) -> float | None:
    """`Retry-After` in seconds, HTTP dates measured against the response's own `Date`."""
    now = datetime.now(UTC)
    date = response.headers.get("Date")
    if date:
        with contextlib.suppress(TypeError, ValueError, IndexError):
            now = parsedate_to_datetime(date)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return parse_retry_after(response.headers.get("Retry-After"), now)


def parse(model: type[M], response: requests.Response, url: str) -> M:
    try:
        return model.model_validate(response.json())
    except (ValueError, ValidationError) as exc:
        raise SpeechServiceError(
            f"{redact_url(url)} answered HTTP {response.status_code} with a body that is "
            f"not a valid {model.__name__} ({str(exc).splitlines()[0][:200]}); check that "
            "the endpoint is a Speech to text service of the chosen api-version",
            status=response.status_code, url=url,
            request_id=response.headers.get("apim-request-id")) from exc
