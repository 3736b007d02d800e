"""Waiting for service jobs inside the run's time budget (`timeout-minutes`)."""

from __future__ import annotations

from typing import TypeVar

from speech_action.client import ProgressEvent
from speech_action.client.models import Entity
from speech_action.errors import JobTimeoutError
from speech_action.modes.context import ModeContext

E = TypeVar("E", bound=Entity)

RESUME_HINT = ("Re-run the workflow (or raise timeout-minutes): the re-run resumes the same "
               "job instead of starting a new one.")


def wait_for(ctx: ModeContext, entity: E, label: str, *, after_timeout: str = RESUME_HINT) -> E:
    """Wait until `entity` succeeded, within what is left of the run's time budget.
    `after_timeout` tells the user what a timeout means for this job and what to do."""
    if entity.status == "Succeeded":
        return entity
    remaining = ctx.deadline()
    minutes = f"{ctx.settings.timeout_minutes:g}"
    if remaining <= 0:
        raise JobTimeoutError(
            f"the run's timeout-minutes ({minutes}) is used up before {label} finished "
            f"(status {entity.status}). {after_timeout}")
    ctx.log.info(f"waiting for {label} ({entity.status})")
    try:
        return ctx.service.wait(entity, timeout_s=remaining, poll_s=ctx.poll_seconds,
                                on_progress=lambda event: _progress(ctx, label, event))
    except JobTimeoutError as exc:
        raise JobTimeoutError(
            f"{label} did not finish within timeout-minutes ({minutes}): {exc}. {after_timeout}"
        ) from exc


def _progress(ctx: ModeContext, label: str, event: ProgressEvent) -> None:
    minutes, seconds = divmod(int(event.elapsed_s), 60)
    ctx.log.info(f"  {label}: {event.status} ({minutes}m{seconds:02d}s)")
