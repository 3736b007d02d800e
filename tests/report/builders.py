"""Reports for the report tests: small, realistic, and one that can be made huge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from speech_action.report import (
    Expiry,
    HistoryPoint,
    Mode,
    ModelInfo,
    Report,
    ServiceScore,
    TestSetResult,
)
from speech_action.scoring import (
    GateScores,
    Utterance,
    apply_guards,
    compare,
    decide,
    guard,
    parse_max_regression,
    parse_min_improvement,
)

NOW = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)

UTTERANCES = (
    Utterance(
        "a.wav",
        "We flew to Sharjah today.",
        "we flew to shar jah today",
        "we flew to sharjah today",
    ),
    Utterance(
        "b.wav", "The cat sat on the mat", "the cat sit down on a mat", "the cat sat on the mat"
    ),
    Utterance(
        "c.wav",
        "Press <script>alert(1)</script> | *now*",
        "press script alert",
        "press <script> now | *now*",
    ),
    Utterance("d.wav", "Quote `x` here", "quote x here", "quote `x` here"),
    Utterance("e.wav", "unchanged words", "unchanged words", "unchanged words"),
)


def train_and_gate(**changes: Any) -> Report:
    comparison = compare(UTTERANCES)
    significance = comparison.significance()
    bench = comparison.benchmark.score.wer * 100
    new = comparison.candidate.score.wer * 100
    fields: dict[str, Any] = {
        "mode": Mode.TRAIN_AND_GATE,
        "locale": "en-US",
        "benchmark_model": ModelInfo(
            name="base 20241218", url="https://eastus.example/models/base-1"
        ),
        "candidate_model": ModelInfo(
            name="custom abc1234", url="https://eastus.example/models/m-2"
        ),
        "benchmark_service": ServiceScore(
            wer_percent=bench, substitutions=5, deletions=2, insertions=1, words=22
        ),
        "candidate_service": ServiceScore(wer_percent=new),
        "utterances": UTTERANCES,
        "gate": decide(GateScores(bench, new), parse_min_improvement("0.5"),
                       significance=significance),
        "significance": significance,
        "links": {
            "Evaluation": "https://eastus.example/evaluations/e-1?api-version=2025-10-15",
            "Test data": "https://eastus.example/datasets/d-1",
        },
        "expiries": (
            Expiry(label="Model custom abc1234 transcription", date=NOW + timedelta(days=12)),
        ),
        "history": (
            HistoryPoint(time=NOW - timedelta(days=9), commit="1111111aaaa", wer_percent=9.25),
            HistoryPoint(time=NOW - timedelta(days=2), commit="2222222bbbb", wer_percent=8.1),
        ),
        "commit": "abc1234def5678",
        "run_url": "https://github.com/octo/speech/actions/runs/42",
        "generated_at": NOW,
    }
    fields.update(changes)
    return Report(**fields)


def benchmark_test(**changes: Any) -> Report:
    utterances = tuple(
        Utterance(u.audio, u.reference, u.benchmark, u.benchmark) for u in UTTERANCES
    )
    fields: dict[str, Any] = {
        "mode": Mode.BENCHMARK_TEST,
        "locale": "en-US",
        "benchmark_model": ModelInfo(name="base 20241218"),
        "benchmark_service": ServiceScore(wer_percent=59.09),
        "utterances": utterances,
        "generated_at": NOW,
    }
    fields.update(changes)
    return Report(**fields)


def many_utterances(count: int, words: int, *, scattered: bool = False) -> tuple[Utterance, ...]:
    """`count` utterances of `words` words, each with 2 errors before and 1 after; with
    `scattered`, the benchmark also gets every third word wrong, so no part of a long
    alignment can be collapsed."""
    utterances = []
    for i in range(count):
        ref = [f"word{(i + j) % 997}" for j in range(words)]
        benchmark = ["bird", "herd", *ref[2:]]
        if scattered:
            benchmark = [w if j % 3 else "x" for j, w in enumerate(benchmark)]
        candidate = ref[:-1]
        utterances.append(
            Utterance(f"utt{i:05d}.wav", " ".join(ref), " ".join(benchmark), " ".join(candidate))
        )
    return tuple(utterances)


def train_and_gate_over(utterances: tuple[Utterance, ...], **changes: Any) -> Report:
    """`train_and_gate` over other utterances: the service's WERs, the gate and the
    significance are computed from them, so every figure agrees (a loss, a win with
    regressions...)."""
    comparison = compare(utterances)
    significance = comparison.significance()
    bench = comparison.benchmark.score.wer * 100
    new = comparison.candidate.score.wer * 100
    scored: dict[str, Any] = {
        "utterances": utterances,
        "benchmark_service": ServiceScore(wer_percent=bench),
        "candidate_service": ServiceScore(wer_percent=new),
        "gate": decide(GateScores(bench, new), parse_min_improvement("0.5"),
                       significance=significance),
        "significance": significance,
    }
    return train_and_gate(**(scored | changes))


def guarded(report: Report, *sets: tuple[str, tuple[Utterance, ...], str],
            test_set: str = "domain", path: str = "") -> Report:
    """`report` with guard sets (name, utterances, max-regression), figured as the modes
    figure them: in benchmark-test the benchmark model's WER alone; in train-and-gate both
    WERs from the utterances, each guard's decision, and the gate combined with them."""
    results = []
    for name, utterances, max_regression in sets:
        comparison = compare(utterances)
        bench = ServiceScore(wer_percent=comparison.benchmark.score.wer * 100)
        fields: dict[str, Any] = {
            "name": name, "path": path or f"{name}_testing_data", "utterances": utterances,
            "max_regression": max_regression, "benchmark_service": bench,
            "links": {"Evaluation": f"https://eastus.example/evaluations/e-{len(results) + 2}"},
        }
        if report.mode is Mode.TRAIN_AND_GATE:
            new = ServiceScore(wer_percent=comparison.candidate.score.wer * 100)
            fields["candidate_service"] = new
            fields["guard"] = guard(name, GateScores(bench.wer_percent, new.wer_percent),
                                    parse_max_regression(max_regression))
        results.append(TestSetResult(**fields))
    update: dict[str, Any] = {"test_set": test_set, "guard_sets": tuple(results)}
    if report.gate is not None:
        decisions = [r.guard for r in results if r.guard is not None]
        update["gate"] = apply_guards(report.gate, decisions, test_set)
    return report.model_copy(update=update)
