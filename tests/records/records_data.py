"""Real-looking records for the tests (values as a run of each mode would store them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from speech_action.records import (
    BenchmarkRecord,
    CandidateRecord,
    ModelRef,
    RunResult,
    WerCounts,
)

BASE = "https://eastus.api.cognitive.microsoft.com/speechtotext/models"
T0 = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
TEST_HASH = "sha256:5f1d0c3ab4e7c2c8f0e0b8a6e2d34f1a9b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e"


def model(model_id: str, name: str = "") -> ModelRef:
    return ModelRef(url=f"{BASE}/{model_id}", id=model_id, name=name or f"model {model_id}")


def benchmark(commit: str = "a1b2c3d", run_id: str = "101", minutes: int = 0,
              wer: float = 12.5, model_id: str = "base-1") -> BenchmarkRecord:
    return BenchmarkRecord(
        kind="benchmark-test", model=model(model_id), wer_percent=wer,
        counts=WerCounts(substitutions=9, deletions=2, insertions=1, reference_words=96,
                         hits=85, sentences=10, sentence_errors=6),
        normalizer="speech-action-v1", test_data_hash=TEST_HASH, commit=commit,
        run_id=run_id, run_url=f"https://github.com/o/r/actions/runs/{run_id}",
        time=T0 + timedelta(minutes=minutes), locale="en-US",
    )


def candidate(commit: str, run_id: str, minutes: int, *, improved: bool = True,
              locale: str = "en-US", ref: str = "refs/heads/main",
              event: str = "push") -> CandidateRecord:
    return CandidateRecord(
        model=model(f"m-{commit}"), base_model=model("base-1"), wer_percent=10.0,
        benchmark_wer_percent=12.5, improved=improved, test_data_hash=TEST_HASH,
        training_data_hashes={"Language": "sha256:aa", "Pronunciation": "sha256:bb"},
        commit=commit, run_id=run_id, time=T0 + timedelta(minutes=minutes), locale=locale,
        ref=ref, event=event,
    )


def result(kind: str = "train-and-gate", commit: str = "a1b2c3d",
           run_id: str = "101") -> RunResult:
    return RunResult.model_validate({
        "kind": kind, "model": model("m-1").model_dump(), "wer_percent": 10.0,
        "benchmark_model": model("base-1").model_dump(), "benchmark_wer_percent": 12.5,
        "improved": True, "normalizer": "speech-action-v1", "test_data_hash": TEST_HASH,
        "training_data_hashes": {"Language": "sha256:aa"}, "commit": commit,
        "run_id": run_id, "time": T0.isoformat(), "locale": "en-US",
        "ref": "refs/pull/7/merge", "event": "pull_request",
    })
