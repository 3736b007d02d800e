"""A mode run against the in-memory service and record store, on a fake clock."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest

from speech_action.data.layout import DataLayout
from speech_action.modes import ModeContext, ModeOutcome, ModeSettings, RunInfo, run_mode
from speech_action.records.store import BackedRecordStore
from tests.support.fake_speech import FakeClock, FakeSpeech
from tests.support.memory_records import MemoryBackend, memory_store

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "sharjah"
MAIN_COMMIT = "1" * 40
PR_COMMIT = "2" * 40


@dataclass
class RecordingLog:
    lines: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)

    def info(self, message: str) -> None:
        self.lines.append(message)

    def warning(self, message: str, *, file: str | None = None,
                line: int | None = None) -> None:
        self.lines.append(f"warning: {_where(file, line)}{message}")

    def notice(self, message: str, *, file: str | None = None,
               line: int | None = None) -> None:
        self.lines.append(f"notice: {_where(file, line)}{message}")

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        self.lines.append(f"== {title}")
        yield

    def register_secret(self, value: str | None) -> None:
        if value:
            self.secrets.append(value)

    def text(self) -> str:
        return "\n".join(self.lines)


def _where(file: str | None, line: int | None) -> str:
    if file is None:
        return ""
    return f"{file}:{line}: " if line is not None else f"{file}: "


PUSH_TO_MAIN = RunInfo(commit_sha=MAIN_COMMIT, run_id="100", event_name="push",
                       ref="refs/heads/main", default_branch="main")
PULL_REQUEST = RunInfo(commit_sha=PR_COMMIT, run_id="200", event_name="pull_request",
                       ref="refs/pull/7/merge", default_branch="main")


@dataclass
class Harness:
    """One repository's service, records and workspace; `run` runs a mode against them."""

    workspace: Path
    clock: FakeClock
    service: FakeSpeech
    store: BackedRecordStore
    backend: MemoryBackend
    settings: ModeSettings
    budget_s: float = 3600.0
    logs: list[RecordingLog] = field(default_factory=list)

    def context(self, run: RunInfo = PUSH_TO_MAIN, **settings: object) -> ModeContext:
        log = RecordingLog()
        self.logs.append(log)
        started = self.clock()
        return ModeContext(
            settings=replace(self.settings, **settings), service=self.service,  # type: ignore[arg-type]
            store=self.store, workspace=self.workspace, run=run, log=log, now=self.clock.now,
            poll_seconds=30.0, deadline=lambda: self.budget_s - (self.clock() - started),
            sleep=self.clock.sleep,
        )

    def run(self, mode: str, run: RunInfo = PUSH_TO_MAIN, **settings: object) -> ModeOutcome:
        return run_mode(mode, self.context(run, **settings))

    @property
    def log(self) -> str:
        return self.logs[-1].text()


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    workspace = tmp_path / "repo"
    for folder in ("testing_data", "training_data"):
        shutil.copytree(EXAMPLE / folder, workspace / folder)
    clock = FakeClock()
    store, backend = memory_store(clock.now)
    settings = ModeSettings(locale="en-US", api_version="2025-10-15", data=DataLayout(),
                            endpoint_name="contoso custom speech")
    return Harness(workspace, clock, FakeSpeech(clock), store, backend, settings)
