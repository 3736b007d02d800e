"""Hostile comments and records: the PR comment is ours alone, and records are validated when
read.

Why (issue 12): anyone who can comment on a pull request can type the report's hidden marker,
and the action edited the first comment carrying it; a pull request that commits the records
folder (or a hand edit, or a crashed writer) controls what the next run reads, and a history
record with `wer_percent: 1.7e308` crashed every later run in the chart.

Basis: GitHub docs "Automatic token authentication" (the workflow's `GITHUB_TOKEN` is an
installation access token of the GitHub Actions app, whose comments are by
`github-actions[bot]`); REST "Get the authenticated user" answers such a token 403 "Resource
not accessible by integration" (seen in actions/create-github-app-token#258; the reference
page is silent, so any 403 is taken as "not a user token": the action then edits only the
bot's comments, and at worst adds a new comment, never edits someone else's). The records
are our own format: the docs are silent on what is absurd, so the bounds are ours
(`speech_action.records.models.MAX_WER_PERCENT`), and what fails is chosen to fail safe:
`benchmark.json` feeds the gate and stops the run, a bad history entry only leaves the chart.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from speech_action.records import BenchmarkSnapshot, FolderStore
from speech_action.records.models import BENCHMARK_NAME, InvalidRecordError, history_name
from speech_action.report import COMMENT_MARKER, HistoryPoint
from speech_action.report.chart import RunPoint, history_chart
from tests.e2e.conftest import SPEECH_KEY, RecordingService
from tests.e2e.conftest import workspace as workspace  # the example's data, as a fixture
from tests.records.records_data import benchmark
from tests.support.github_api import ACTIONS_BOT, running_github_api
from tests.support.runner import ActionRun, run_action

TOKEN = "ghs_hostileCommentToken00aa11bb22cc33dd44ee"
REPOSITORY = "contoso/speech-data"  # GITHUB_REPOSITORY as the runner helper sets it
PR = 31
RECORDS = ".speech-records"


@pytest.fixture
def service(tmp_path: Path) -> Iterator[RecordingService]:
    recording = RecordingService(tmp_path / "service")
    try:
        yield recording
    finally:
        recording.service.stop()


def _overwrite(path: Path, **changes: object) -> None:
    """Rewrite a stored record with `changes`; NaN and 1.7e308 go out as JSON literals."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw.update(changes)
    path.write_text(json.dumps(raw), encoding="utf-8")


def _history_with_poison(records: Path) -> list[Path]:
    """A records folder (no benchmark.json) with three history entries: a good one, one with
    a NaN WER and one with 1.7e308. Returns the poisoned files."""
    (records / "history").mkdir(parents=True)
    poisoned = []
    for minutes, commit, wer in ((0, "aaaaaaa", 14.0), (10, "bbbbbbb", float("nan")),
                                 (20, "ccccccc", 1.7e308)):
        record = benchmark(commit=commit, run_id=str(minutes + 1), minutes=minutes)
        path = records / history_name(record)
        path.write_text(record.model_dump_json(), encoding="utf-8")
        _overwrite(path, wer_percent=wer)
        if commit != "aaaaaaa":
            poisoned.append(path)
    return poisoned


# ---------------------------------------------------------------- records, store level


def test_a_benchmark_json_with_1_7e308_is_refused_naming_the_file(tmp_path: Path) -> None:
    """benchmark.json feeds the gate: an absurd WER stops the run with the file's name."""
    records = tmp_path / RECORDS
    FolderStore(records).write_benchmark(benchmark(), expected=BenchmarkSnapshot(None, None))
    _overwrite(records / BENCHMARK_NAME, wer_percent=1.7e308)
    with pytest.raises(InvalidRecordError) as caught:
        FolderStore(records).read_benchmark()
    message = str(caught.value)
    assert message.startswith(f"{records / BENCHMARK_NAME}: not a valid BenchmarkRecord")
    assert "wer_percent" in message and "from 0 to 1000" in message
    assert "fix or delete this record" in message


def test_a_nan_history_entry_is_skipped_with_a_warning_and_the_chart_renders(
        tmp_path: Path) -> None:
    records = tmp_path / RECORDS
    poisoned = _history_with_poison(records)
    warnings: list[str] = []
    history = FolderStore(records).history(skipped=warnings.append)
    assert [record.commit for record in history] == ["aaaaaaa"]
    assert len(warnings) == 2
    for path, warning in zip(poisoned, warnings, strict=True):
        assert warning.startswith(f"{path}: not a valid BenchmarkRecord")
        assert "left out of the WER history" in warning
    # A chart needs two positions (one draws blank axes): this run's model is the second.
    run = RunPoint(history[0].time + timedelta(days=1), "bbbbbbb", 9.0, 14.0)
    chart = history_chart([HistoryPoint(time=r.time, commit=r.commit, wer_percent=r.wer_percent)
                           for r in history], candidate=run)
    assert chart is not None and "line [14.00, 14.00]" in chart


def test_a_history_entry_that_is_not_json_is_skipped_too(tmp_path: Path) -> None:
    records = tmp_path / RECORDS
    _history_with_poison(records)
    (records / "history" / "20261102T093500000000Z-ddddddd-5.json").write_bytes(b"\xff{not json")
    warnings: list[str] = []
    assert len(FolderStore(records).history(skipped=warnings.append)) == 1
    assert any("not valid UTF-8 JSON" in warning for warning in warnings)


# ---------------------------------------------------------------- the action, end to end


EVENT = {"number": PR, "pull_request": {"number": PR, "head": {"sha": "0123456789ab"}}}


def _run(mode: str, service: RecordingService, workspace: Path, step: Path,
         extra_env: dict[str, str] | None = None, **extra: str) -> ActionRun:
    inputs = {"mode": mode, "speech-endpoint": service.url, "speech-key": SPEECH_KEY,
              "poll-seconds": "0.05", "timeout-minutes": "3", **extra}
    run = run_action(inputs, workspace, step, event_name="pull_request", event=EVENT,
                     extra_env=extra_env, timeout_s=240)
    assert SPEECH_KEY not in run.all_text and "Traceback" not in run.all_text
    return run


def test_train_and_gate_stops_before_the_service_on_a_corrupt_benchmark(
        service: RecordingService, workspace: Path, tmp_path: Path) -> None:
    """The gate depends on benchmark.json: an absurd WER there is an error annotation naming
    the file, exit 1, and nothing is uploaded or trained."""
    records = workspace / RECORDS
    FolderStore(records).write_benchmark(benchmark(), expected=BenchmarkSnapshot(None, None))
    _overwrite(records / BENCHMARK_NAME, wer_percent=1.7e308)
    run = _run("train-and-gate", service, workspace, tmp_path / "step")
    assert run.returncode == 1, run.all_text
    errors = run.annotations("error")
    assert errors and "benchmark.json: not a valid BenchmarkRecord" in errors[0], run.stdout
    assert "fix or delete this record" in errors[0]
    assert service.writes() == []
    assert run.outputs.get("improved") != "true"


def test_a_planted_marker_and_poisoned_history_on_a_pull_request_run(
        service: RecordingService, workspace: Path, tmp_path: Path) -> None:
    """One run on a pull request where a participant planted the marker in a comment and the
    records folder holds a NaN and a 1.7e308 history entry: the run passes, the planted
    comment is untouched, the report is a new comment by the token's identity, and the
    chart shows the good entries."""
    _history_with_poison(workspace / RECORDS)
    with running_github_api(TOKEN) as github:
        planted = github.state.add(REPOSITORY, PR, f"{COMMENT_MARKER}\nWER 0.00 %, merge it",
                                   user="mallory")
        run = _run("benchmark-test", service, workspace, tmp_path / "step",
                   extra_env={"GITHUB_API_URL": github.url}, **{"github-token": TOKEN})
        assert run.returncode == 0, run.all_text
        assert planted.body == f"{COMMENT_MARKER}\nWER 0.00 %, merge it"
        ours = [c for c in github.state.on(REPOSITORY, PR) if c.user == ACTIONS_BOT]
        assert len(ours) == 1 and COMMENT_MARKER in ours[0].body
        assert ("PATCH", f"/repos/{REPOSITORY}/issues/comments/{planted.id}") \
            not in github.state.requests
    assert TOKEN not in run.all_text
    for text in (run.summary, ours[0].body):
        chart = text.split("```mermaid", 1)[1].split("```", 1)[0]
        assert "line [14.00, " in chart  # the good entry, then this run's benchmark
        assert "nan" not in chart and "inf" not in chart

