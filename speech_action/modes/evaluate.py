"""One evaluation of two models on the test dataset, read back utterance by utterance.

`model1` is the benchmark and `model2` the model under test, so both WERs come from one
job on the same data. The service's WERs drive the gate; our recomputation from the
transcription result files gives the alignments, confusions and the significance test.
"""

from __future__ import annotations

from dataclasses import dataclass

from speech_action.client import Dataset, Evaluation, Project
from speech_action.data import TestDataSet, read_references
from speech_action.modes.context import ModeContext
from speech_action.modes.entities import (
    EVALUATION_KEY,
    display_name,
    evaluation_key,
    find_reusable,
    traceability,
)
from speech_action.modes.scores import EvaluationResultError, check_agreement, service_score
from speech_action.modes.waiting import wait_for
from speech_action.report import ServiceScore
from speech_action.scoring import (
    Comparison,
    Significance,
    Utterance,
    compare,
    pair_utterances,
    paired_bootstrap,
    unmatched_hypotheses,
)


@dataclass(frozen=True)
class EvaluationOutcome:
    evaluation: Evaluation
    benchmark: ServiceScore
    candidate: ServiceScore
    utterances: tuple[Utterance, ...]
    comparison: Comparison
    significance: Significance | None
    warnings: tuple[str, ...]


def evaluate(
    ctx: ModeContext,
    *,
    model1_url: str,
    model2_url: str,
    dataset: Dataset,
    test_set: TestDataSet,
    project: Project | None,
    purpose: str,
) -> EvaluationOutcome:
    """Evaluate (or reuse the finished evaluation of) these two models on `dataset`."""
    evaluation = _create_or_reuse(ctx, model1_url, model2_url, dataset, project, purpose)
    evaluation = wait_for(ctx, evaluation, f"evaluation {evaluation.display_name}")
    benchmark, candidate = service_score(evaluation, 1), service_score(evaluation, 2)
    results = ctx.service.evaluation_transcription_results(evaluation)
    references = read_references(test_set)
    hyps1 = {result.audio_name: result.lexical for result in results["transcription1"]}
    hyps2 = {result.audio_name: result.lexical for result in results["transcription2"]}
    utterances = pair_utterances(references, hyps1, hyps2)
    if not utterances:
        raise EvaluationResultError(f"the test set {test_set.root} has no utterances; add "
                                    "audio with transcripts to measure a WER")
    comparison = compare(utterances)
    check_agreement(evaluation, 1, benchmark, comparison.benchmark.score)
    check_agreement(evaluation, 2, candidate, comparison.candidate.score)
    return EvaluationOutcome(
        evaluation=evaluation,
        benchmark=benchmark,
        candidate=candidate,
        utterances=tuple(utterances),
        comparison=comparison,
        significance=None if comparison.same_hypotheses else _significance(comparison),
        warnings=tuple(_unmatched_warnings(references, hyps1, hyps2)),
    )


def _create_or_reuse(
    ctx: ModeContext,
    model1_url: str,
    model2_url: str,
    dataset: Dataset,
    project: Project | None,
    purpose: str,
) -> Evaluation:
    key = evaluation_key(model1_url, model2_url, dataset.self_url)
    existing = find_reusable(ctx.service.list_evaluations(), EVALUATION_KEY, key)
    if existing is not None and existing.status == "Succeeded" and not _scored(existing):
        ctx.log.warning(f"evaluation {existing.display_name} of the same models and data "
                        "finished without usable WERs; evaluating again")
        existing = None
    if existing is not None:
        ctx.log.info(f"reusing evaluation {existing.display_name} of the same models on the "
                     "same test data")
        return existing
    project_url = None if project is None else project.self_url
    return ctx.service.create_evaluation(
        display_name(ctx, purpose, "evaluation"),
        model1_url,
        model2_url,
        dataset.self_url,
        ctx.settings.locale,
        project_url=project_url,
        custom_properties=traceability(ctx, **{EVALUATION_KEY: key}),
    )


def _scored(evaluation: Evaluation) -> bool:
    try:
        service_score(evaluation, 1)
        service_score(evaluation, 2)
    except EvaluationResultError:
        return False
    return True


def _significance(comparison: Comparison) -> Significance | None:
    benchmark = [alignment.counts for alignment in comparison.benchmark.alignments]
    candidate = [alignment.counts for alignment in comparison.candidate.alignments]
    if not benchmark:
        return None
    return paired_bootstrap(benchmark, candidate)


def _unmatched_warnings(
    references: dict[str, str], hyps1: dict[str, str], hyps2: dict[str, str]
) -> list[str]:
    unmatched = sorted(set(unmatched_hypotheses(references, hyps1))
                       | set(unmatched_hypotheses(references, hyps2)))
    if not unmatched:
        return []
    shown = ", ".join(unmatched[:5])
    return [f"{len(unmatched)} transcription result(s) match no test transcript line "
            f"({shown}); they are left out of the recomputed WER"]
