"""Waiting for long-running entities: poll `GET self` until a terminal status.

The wait between polls is `max(Retry-After, poll_s)`, never past the deadline: a poll
interval longer than the time left is cut short (one last look at the deadline), but a
`Retry-After` longer than the time left ends the wait at once, since the service said the
job will not be done before then. Progress is
reported on every status change and at least every `heartbeat_s` while unchanged, so a
multi-hour training shows signs of life in the job log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from speech_action.client.errors import EntityJobFailedError, WaitTimeoutError, redact_url
from speech_action.client.models import Entity

TERMINAL_STATES = frozenset({"Succeeded", "Failed"})

E = TypeVar("E", bound=Entity)


@dataclass(frozen=True)
class ProgressEvent:
    entity_url: str
    kind: str  # "datasets", "models", "evaluations", "endpoints", ...
    status: str | None
    elapsed_s: float


ProgressCallback = Callable[[ProgressEvent], None]
# Fetches the entity once: (entity, Retry-After seconds or None).
Fetch = Callable[[], tuple[E, float | None]]


def entity_kind(url: str) -> str:
    """Collection name of an entity URL (`.../models/base/{id}` -> `models`)."""
    segments = [s for s in url.split("?", 1)[0].split("/") if s]
    return segments[-2] if len(segments) >= 2 else "entity"


class Poller(Generic[E]):
    """azure-core-style poller: `status()`, `done()`, `result(timeout_s=)`."""

    def __init__(self, entity: E, fetch: Fetch[E], *, clock: Callable[[], float],
                 sleep: Callable[[float], None], poll_s: float = 30.0, heartbeat_s: float = 180.0,
                 on_progress: ProgressCallback | None = None) -> None:
        self._entity = entity
        self._fetch = fetch
        self._clock = clock
        self._sleep = sleep
        self._poll_s = poll_s
        self._heartbeat_s = heartbeat_s
        self._on_progress = on_progress
        self._started = clock()
        self._last_report: float | None = None
        self._last_status: str | None = None
        self._retry_after: float | None = None
        self._report(force=True)

    def status(self) -> str | None:
        return self._entity.status

    def done(self) -> bool:
        return self._entity.status in TERMINAL_STATES

    def entity(self) -> E:
        return self._entity

    def result(self, timeout_s: float) -> E:
        """Poll until terminal; the Succeeded entity, or EntityJobFailedError/WaitTimeoutError."""
        deadline = self._started + timeout_s
        while not self.done():
            remaining = deadline - self._clock()
            asked = self._retry_after or 0.0
            if remaining <= 0 or asked > remaining:
                raise self._timeout(timeout_s)
            # Never sleep past the deadline: the last poll happens right at it.
            self._sleep(min(max(self._poll_s, asked), remaining))
            self._poll()
        if self._entity.status == "Failed":
            raise self._failed()
        return self._entity

    def _poll(self) -> None:
        self._entity, self._retry_after = self._fetch()
        self._report(force=False)

    def _report(self, *, force: bool) -> None:
        if self._on_progress is None:
            return
        now = self._clock()
        changed = self._entity.status != self._last_status
        stale = self._last_report is None or now - self._last_report >= self._heartbeat_s
        if force or changed or stale:
            self._last_status = self._entity.status
            self._last_report = now
            url = redact_url(self._entity.self_url)
            self._on_progress(ProgressEvent(url, entity_kind(url), self._entity.status,
                                            now - self._started))

    def _timeout(self, timeout_s: float) -> WaitTimeoutError:
        url = redact_url(self._entity.self_url)
        elapsed = self._clock() - self._started
        if elapsed < timeout_s:  # ended early: the service's Retry-After reaches past it
            when = (f"after {elapsed:.0f} s, and the service asked to wait "
                    f"{self._retry_after or 0.0:.0f} s more (Retry-After), past this wait's "
                    f"limit of {timeout_s:.0f} s")
        else:
            when = f"after {timeout_s:.0f} s"
        return WaitTimeoutError(
            f"{entity_kind(url)} {url} ({self._entity.display_name!r}) was still "
            f"{self._entity.status} {when}; raise timeout-minutes, or re-run later (the run "
            "resumes with the same entity)",
            entity_url=url, last_status=self._entity.status,
        )

    def _failed(self) -> EntityJobFailedError:
        url = redact_url(self._entity.self_url)
        error = self._entity.error
        code = error.code if error else None
        message = error.message if error else None
        return EntityJobFailedError(
            f"{entity_kind(url)} {url} ({self._entity.display_name!r}) ended Failed: "
            f"{code or 'no error code'}: {message or 'the service gave no message'}. "
            "Fix the cause the service names (often the uploaded data) and re-run.",
            entity_url=url, code=code, service_message=message,
        )
