"""What every mode is given: settings, the service client, the record store, and the run.

The modes never read the environment or the clock directly; `cli` builds a `ModeContext`
and tests build one with their own fakes.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from speech_action.client import SpeechClient
from speech_action.config import Config
from speech_action.records import RecordStore
from speech_action.records.staging import BlobStaging
from speech_action.report.model import Report


class Log(Protocol):
    """Where a mode tells the user what it is doing (the cli prints it, redacted)."""

    def info(self, message: str) -> None: ...

    def warning(self, message: str) -> None: ...

    def group(self, title: str) -> AbstractContextManager[None]: ...

    def register_secret(self, value: str | None) -> None:
        """Mask a secret made during the run (a SAS URL) wherever text is printed."""


@dataclass(frozen=True)
class RunInfo:
    """Who and what triggered this run: the traceability stamped on every entity."""

    commit_sha: str
    run_id: str
    run_url: str | None = None
    event_name: str | None = None
    repository: str | None = None

    @property
    def short_sha(self) -> str:
        return self.commit_sha[:7]


@dataclass
class ModeContext:
    config: Config
    client: SpeechClient
    store: RecordStore
    workspace: Path
    run: RunInfo
    log: Log
    now: Callable[[], datetime]
    poll_seconds: float
    deadline: Callable[[], float] = field(default=lambda: float("inf"))
    """Seconds left of the run's budget for service jobs (`timeout-minutes`)."""
    staging: BlobStaging | None = None
    """Where large dataset packages go for a SAS `contentUrl`; None: block upload only."""


@dataclass
class ModeOutcome:
    """What a mode hands back to the cli: outputs, the report, and whether the step fails."""

    outputs: dict[str, str]
    report: Report
    failed_reason: str | None = None

