"""The one exception hierarchy of the action.

Every message is meant for the user: it names the file, line, input or service entity,
says what went wrong and what to do. `cli` is the only place that turns these into
annotations and exit codes.
"""

from __future__ import annotations


class SpeechActionError(Exception):
    """Base of every error the action reports to its user."""


class ConfigError(SpeechActionError):
    """An input or config value is invalid; `input_name` names it."""

    def __init__(self, message: str, *, input_name: str | None = None) -> None:
        super().__init__(message)
        self.input_name = input_name


class ServiceError(SpeechActionError):
    """The Speech service answered with an error or could not be reached."""


class JobFailedError(ServiceError):
    """A long-running service job ended in `Failed`."""


class JobTimeoutError(SpeechActionError):
    """A service job did not finish within the run's time budget."""


class RunBudgetExceededError(JobTimeoutError):
    """A retry would have slept past the run's time budget (`timeout-minutes`)."""


class RecordsError(SpeechActionError):
    """Benchmark records could not be read or written."""


SHOWN_CHARS = 100


def shown(value: str, limit: int = SHOWN_CHARS) -> str:
    """A value from a pull request or a service as an error message repeats it: at most
    `limit` characters (the rest counted), so a 4 MB name cannot flood a log line."""
    if len(value) <= limit:
        return value
    return f"{value[:limit]}... ({len(value) - limit:,} more characters)"
