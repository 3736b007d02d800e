"""What every mode is given: its settings, the service, the record store, and the run.

The modes never read the environment or the clock directly; `app` builds a `ModeContext`
and tests build one with their own fakes (`tests/support/fake_speech.py`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from speech_action.blob_staging import BlobStaging
from speech_action.data.layout import DataLayout
from speech_action.modes.service import SpeechService
from speech_action.records import RecordStore
from speech_action.report.model import Report
from speech_action.scoring import MinImprovement


class Log(Protocol):
    """Where a mode tells the user what it is doing (the cli prints it, redacted)."""

    def info(self, message: str) -> None: ...

    def warning(self, message: str, *, file: str | None = None,
                line: int | None = None) -> None:
        """An annotation; on `file` (workspace-relative) and `line` when given."""

    def notice(self, message: str, *, file: str | None = None,
               line: int | None = None) -> None:
        """A notice annotation: worth seeing on the run's page, not a problem."""

    def group(self, title: str) -> AbstractContextManager[None]: ...

    def register_secret(self, value: str | None) -> None:
        """Mask a secret made during the run (a SAS URL) wherever text is printed."""


@dataclass(frozen=True)
class ModeSettings:
    """The settings the modes use: no secrets, no connection details."""

    locale: str
    api_version: str
    data: DataLayout
    project: str | None = None
    base_model: str = "latest"
    benchmark_model: str | None = None
    min_improvement: MinImprovement = field(default_factory=lambda: MinImprovement(0.0))
    require_significance: bool = False
    fail_on_no_improvement: bool = False
    model: str | None = None
    endpoint_name: str = "speech-action custom speech"
    endpoint_id: str | None = None
    logging_enabled: bool = False
    timeout_minutes: float = 300.0
    blob_upload_from_mb: float = 100.0


@dataclass(frozen=True)
class RunInfo:
    """Who and what triggered this run: the traceability stamped on every entity and
    record, and what deploy uses to choose a candidate."""

    commit_sha: str
    run_id: str
    run_url: str | None = None
    event_name: str | None = None
    repository: str | None = None
    ref: str | None = None
    """`GITHUB_REF`: refs/heads/main, refs/pull/7/merge, ..."""
    default_branch: str | None = None
    """The repository's default branch (from the event payload), e.g. `main`."""

    @property
    def short_sha(self) -> str:
        return self.commit_sha[:7]

    @property
    def event(self) -> str:
        """The event name as records keep it; `local` outside GitHub Actions."""
        return self.event_name or "local"


@dataclass
class ModeContext:
    settings: ModeSettings
    service: SpeechService
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
    sleep: Callable[[float], None] = time.sleep
    """The pause between checks the modes make themselves (deploy's verification)."""


@dataclass
class ModeOutcome:
    """What a mode hands back to the cli: outputs, the report, and whether the step fails."""

    outputs: dict[str, str]
    report: Report
    failed_reason: str | None = None
