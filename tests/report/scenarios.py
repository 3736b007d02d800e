"""The reports issue #15 asks to be rendered: a clear win, a win with regressions, a loss,
a first run (no history) and a deploy; and issue #16's several test sets in each mode.
The screenshot script may use them too."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from speech_action.report import (
    DeployedModel,
    EndpointChange,
    HistoryPoint,
    Mode,
    ModelInfo,
    Report,
    ServiceScore,
)
from speech_action.scoring import GateScores, Utterance, compare, decide, parse_min_improvement
from tests.report.builders import NOW, benchmark_test, guarded, train_and_gate

WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def _utterance(name: str, benchmark_errors: int, candidate_errors: int) -> Utterance:
    """An utterance of ten words; each model gets its first n words wrong."""
    def wrong(n: int) -> str:
        return " ".join(["x"] * n + WORDS[n:])
    return Utterance(name, " ".join(WORDS), wrong(benchmark_errors), wrong(candidate_errors))


def win_with_regressions() -> Report:
    """Eighteen utterances 5 -> 0 errors, then one regression of 4 errors: ranked by size
    of change it came eighth or later and the 5-utterance comment cut it."""
    better = (_utterance(f"better{i:02d}.wav", 5, 0) for i in range(18))
    utterances = (*better, _utterance("worse.wav", 0, 4), _utterance("same.wav", 1, 1))
    return _gated(utterances)


def loss() -> Report:
    utterances = (_utterance("a.wav", 1, 3), _utterance("b.wav", 2, 2), _utterance("c.wav", 0, 1))
    return _gated(utterances)


def first_run() -> Report:
    return train_and_gate(history=())


def deploy(**changes: Any) -> Report:
    fields: dict[str, Any] = {
        "mode": Mode.DEPLOY, "locale": "en-US",
        "benchmark_model": ModelInfo(name="custom abc1234"),
        "links": {"endpoint": "https://eastus.example/speechtotext/endpoints/ep-9",
                  "model": "https://eastus.example/speechtotext/models/m-2"},
        "deployment": EndpointChange(
            previous=DeployedModel(name="base 20241218", id="base-1", wer_percent=64.0884,
                                   test_data_hash="f" * 64),
            deployed=DeployedModel(name="custom abc1234", id="m-2", wer_percent=29.8334,
                                   test_data_hash="f" * 64, trained_at=NOW - timedelta(hours=3),
                                   trained_commit="abc1234def"),
            benchmark_wer_percent=64.0884, endpoint_name="contoso custom speech",
            endpoint_id="ep-9"),
        "notes": ("Chose custom abc1234: trained on this commit.",),
        "commit": "abc1234def5678", "generated_at": NOW,
    }
    fields.update(changes)
    return Report(**fields)


def _gated(utterances: tuple[Utterance, ...]) -> Report:
    comparison = compare(utterances)
    bench = comparison.benchmark.score.wer * 100
    new = comparison.candidate.score.wer * 100
    significance = comparison.significance()
    return train_and_gate(
        utterances=utterances, significance=significance,
        benchmark_service=ServiceScore(wer_percent=bench),
        candidate_service=ServiceScore(wer_percent=new),
        gate=decide(GateScores(bench, new), parse_min_improvement("0"),
                    significance=significance))


def _set(prefix: str, errors: list[tuple[int, int]]) -> tuple[Utterance, ...]:
    """Ten-word utterances with (benchmark, new model) errors each."""
    return tuple(_utterance(f"{prefix}{i:02d}.wav", b, c) for i, (b, c) in enumerate(errors))


# general: 3 -> 8 errors in 100 words (+5.00 points, allowed 1): it blocks.
GENERAL = _set("general", [(1, 3), (0, 0), (0, 2), (1, 1), (0, 0), (0, 1), (0, 0), (0, 0),
                           (1, 1), (0, 0)])
# noisy: 20 -> 19 errors in 50 words (-2.00 points, allowed 0.5): it holds.
NOISY = _set("noisy", [(5, 4), (4, 4), (3, 3), (4, 4), (4, 4)])


def _history() -> tuple[HistoryPoint, ...]:
    def point(days: int, commit: str, wer: float, test_set: str) -> HistoryPoint:
        return HistoryPoint(time=NOW - timedelta(days=days), commit=commit, wer_percent=wer,
                            test_set=test_set)
    return (point(20, "0000000aaaa", 60.0, ""),  # a record from before test sets
            point(9, "1111111aaaa", 55.5, "domain"), point(9, "1111111aaaa", 3.5, "general"),
            point(2, "2222222bbbb", 52.17, "domain"), point(2, "2222222bbbb", 3.0, "general"),
            point(2, "2222222bbbb", 40.0, "noisy"))


def guard_blocked() -> Report:
    """The domain set improves a lot, but the model broke general speech (blocked) while
    the noisy set held."""
    return guarded(train_and_gate(history=_history()),
                   ("general", GENERAL, "1"), ("noisy", NOISY, "0.5"))


def guards_held() -> Report:
    held = tuple(Utterance(u.audio, u.reference, u.benchmark, u.benchmark) for u in GENERAL)
    return guarded(train_and_gate(history=_history()), ("general", held, "1"),
                   ("noisy", NOISY, "5%"))


def several_sets_measured() -> Report:
    """benchmark-test over three sets: one WER per set."""
    def measured(utterances: tuple[Utterance, ...]) -> tuple[Utterance, ...]:
        return tuple(Utterance(u.audio, u.reference, u.benchmark, u.benchmark)
                     for u in utterances)
    domain = benchmark_test(history=_history())
    wer = compare(domain.utterances).benchmark.score.wer * 100  # the service agrees
    return guarded(domain.model_copy(update={"benchmark_service": ServiceScore(wer_percent=wer)}),
                   ("general", measured(GENERAL), "1"), ("noisy", measured(NOISY), "5%"))


def several_sets_deployed() -> Report:
    """deploy: the records' WER of both models on every set."""
    report = deploy(test_set="domain", history=_history())
    assert report.deployment is not None
    previous, deployed = report.deployment.previous, report.deployment.deployed
    assert previous is not None
    change = report.deployment.model_copy(update={
        "previous": previous.model_copy(update={"test_set_wers": {
            "domain": 64.0884, "general": 3.0, "noisy": 40.0}}),
        "deployed": deployed.model_copy(update={"test_set_wers": {
            "domain": 29.8334, "general": 3.4, "noisy": 38.0}}),
    })
    return report.model_copy(update={"deployment": change})
