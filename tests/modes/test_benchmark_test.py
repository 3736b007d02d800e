"""benchmark-test against the in-memory service: one read of the benchmark, one conditional
write (product contract, "Gate and deploy integrity": a concurrent change is a conflict
with a clear message, never a silent overwrite)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from speech_action.records import BenchmarkRecord, ModelRef, RecordConflictError
from tests.modes.conftest import PUSH_TO_MAIN, Harness


def other_run_benchmark(harness: Harness) -> BenchmarkRecord:
    return BenchmarkRecord(
        commit="f" * 40, run_id="999", run_url="https://github.com/contoso/x/actions/runs/999",
        time=harness.clock.now(), locale="en-US", kind="deploy",
        model=ModelRef(url="https://fake-speech.invalid/models/other", id="other"),
        wer_percent=3.0, test_data_hash="abc")


def test_first_benchmark_is_the_base_model(harness: Harness) -> None:
    outcome = harness.run("benchmark-test")
    snapshot = harness.store.read_benchmark()
    assert snapshot.record is not None
    assert snapshot.record.model.id == "base-2" == outcome.outputs["model-id"]
    assert outcome.outputs["improved"] == "false"


def test_the_next_run_tests_the_recorded_benchmark_model(harness: Harness) -> None:
    harness.run("benchmark-test")
    second = harness.run("benchmark-test", run=replace(PUSH_TO_MAIN, run_id="101"))
    assert second.outputs["model-id"] == "base-2"
    assert len(harness.store.history()) == 2


def test_a_benchmark_changed_during_the_run_is_a_conflict(harness: Harness) -> None:
    another = other_run_benchmark(harness)

    def another_run_writes_while_this_one_evaluates(text: str) -> str:
        snapshot = harness.store.read_benchmark()
        if snapshot.record is None:
            harness.store.write_benchmark(another, expected=snapshot)
        return text

    harness.service.recognizers["base-2"] = another_run_writes_while_this_one_evaluates
    with pytest.raises(RecordConflictError) as raised:
        harness.run("benchmark-test")
    message = str(raised.value)
    assert "f" * 7 in message and "999" in message and "concurrency" in message
    assert PUSH_TO_MAIN.run_id in message
    current = harness.store.read_benchmark().record
    assert current == another  # the other run's benchmark stands
