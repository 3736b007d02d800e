"""The reports issue #15 asks to be rendered: a clear win, a win with regressions, a loss,
a first run (no history) and a deploy. The screenshot script may use them too."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from speech_action.report import (
    DeployedModel,
    EndpointChange,
    Mode,
    ModelInfo,
    Report,
    ServiceScore,
)
from speech_action.scoring import GateScores, Utterance, compare, decide, parse_min_improvement
from tests.report.builders import NOW, train_and_gate

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
