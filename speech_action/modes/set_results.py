"""Every test set's figures as the records, the report and the `test-sets` output hold them.

The records keep one `TestSetScore` per set (the gating set's figures also stay the
record's own, for readers from before test sets); the report shows the guard sets beside
the gating set's fields; the `test-sets` output is a JSON object with every set's WERs,
change and verdict, rounded by `report.figures` like the scalar outputs, so the gating
set's entry says exactly what `wer`, `benchmark-wer` and `wer-delta` say.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from speech_action.modes.bookkeeping import wer_counts
from speech_action.modes.context import ModeContext
from speech_action.modes.test_sets import SetEvaluation, several
from speech_action.records import TestSetScore
from speech_action.report import TestSetResult, WerChange, fixed
from speech_action.scoring import GuardDecision

# The verdicts of the `test-sets` output.
IMPROVED, NOT_IMPROVED = "improved", "not improved"
WITHIN, BEYOND = "within max-regression", "beyond max-regression"
MEASURED = "measured"


def record_scores(evaluations: Sequence[SetEvaluation], *, candidate: bool,
                  gating_improved: bool | None = None,
                  guards: Mapping[str, GuardDecision] | None = None) -> tuple[TestSetScore, ...]:
    """Each set's scores of the model under test (`candidate`: `model2`; else the benchmark
    model, evaluated against itself), the benchmark's WER from the same evaluation beside
    them, and in train-and-gate whether the gating set improved and each guard set held."""
    guards = guards or {}
    scores = []
    for evaluation in evaluations:
        spec, outcome = evaluation.spec, evaluation.outcome
        score = outcome.candidate if candidate else outcome.benchmark
        guard = guards.get(spec.name)
        scores.append(TestSetScore(
            name=spec.name, path=evaluation.data.root, gating=spec.gating,
            wer_percent=score.wer_percent, counts=wer_counts(score),
            benchmark_wer_percent=outcome.benchmark.wer_percent,
            max_regression="" if spec.max_regression is None else str(spec.max_regression),
            passed=gating_improved if spec.gating else None if guard is None else guard.passed,
            test_data_hash=evaluation.content_hash,
            evaluation_url=outcome.evaluation.self_url,
        ))
    return tuple(scores)


def recorded(ctx: ModeContext, scores: Sequence[TestSetScore]) -> tuple[TestSetScore, ...]:
    """What a record keeps of `scores`: every set's with `test-sets` in `speech.yml`;
    nothing beyond the record's own fields without it, so a repository of one set writes
    the records it always wrote, and they stay the gating set's under whatever name the
    set gets when `test-sets` is added later (`records.set_scores`)."""
    return tuple(scores) if several(ctx) else ()


def guard_results(evaluations: Sequence[SetEvaluation], *, candidate: bool,
                  guards: Mapping[str, GuardDecision] | None = None,
                  ) -> tuple[TestSetResult, ...]:
    """The report's guard sets: every set but the gating one (the first)."""
    guards = guards or {}
    return tuple(
        TestSetResult(
            name=evaluation.spec.name, path=evaluation.data.root,
            benchmark_service=evaluation.outcome.benchmark,
            candidate_service=evaluation.outcome.candidate if candidate else None,
            utterances=evaluation.outcome.utterances,
            max_regression=str(evaluation.spec.max_regression or 0),
            guard=guards.get(evaluation.spec.name),
            links={"evaluation": evaluation.outcome.evaluation.self_url,
                   "test dataset": evaluation.dataset.self_url},
        )
        for evaluation in evaluations[1:]
    )


def sets_output(scores: Sequence[TestSetScore]) -> str:
    """The `test-sets` output: `{name: {path, gating, wer, benchmark-wer, wer-delta,
    max-regression (guard sets), verdict}}`, the gating set first. A figure that is not
    known (a record without the benchmark's WER) is "" like the scalar outputs."""
    sets: dict[str, dict[str, object]] = {}
    for score in scores:
        figures = {"wer": fixed(score.wer_percent), "benchmark-wer": "", "wer-delta": ""}
        if score.benchmark_wer_percent is not None:
            figures = WerChange(score.benchmark_wer_percent, score.wer_percent).outputs()
        entry: dict[str, object] = {"path": score.path, "gating": score.gating, **figures}
        if not score.gating:
            entry["max-regression"] = score.max_regression or "0"
        entry["verdict"] = _verdict(score)
        sets[score.name] = entry
    return json.dumps(sets, ensure_ascii=False)



def _verdict(score: TestSetScore) -> str:
    if score.passed is None:
        return MEASURED
    if score.gating:
        return IMPROVED if score.passed else NOT_IMPROVED
    return WITHIN if score.passed else BEYOND
