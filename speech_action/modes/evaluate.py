"""One evaluation of two models on a test set, submitted, then read back utterance by utterance.

`model1` is the benchmark and `model2` the model under test, so both WERs come from one
job on the same data. The service's WERs drive the gate; our recomputation from the
per-utterance results gives the alignments, confusions and the significance test, and
cross-checks the service's WERs. When those results cannot be read (a resource with its own
storage returns links without SAS), the service's WERs still stand and the report says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from speech_action.client import Dataset, Evaluation, Project, UtteranceTexts
from speech_action.data import TestDataSet, read_references
from speech_action.errors import shown
from speech_action.modes.context import ModeContext
from speech_action.modes.entities import (
    EVALUATION_KEY,
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
    unmatched_references,
)


@dataclass(frozen=True)
class EvaluationOutcome:
    evaluation: Evaluation
    benchmark: ServiceScore
    candidate: ServiceScore
    utterances: tuple[Utterance, ...]
    """Empty when the service's per-utterance results could not be read (see warnings)."""
    significance: Significance | None
    warnings: tuple[str, ...]


def submit_evaluation(
    ctx: ModeContext,
    *,
    model1_url: str,
    model2_url: str,
    dataset: Dataset,
    project: Project | None,
    name: str,
) -> Evaluation:
    """Create the evaluation of these two models on `dataset` (named `name`), or find the
    one an earlier run created; it is not waited for, so several run at once."""
    return _create_or_reuse(ctx, model1_url, model2_url, dataset, project, name)


def finish_evaluation(ctx: ModeContext, evaluation: Evaluation, test_set: TestDataSet,
                      *, label: str = "") -> EvaluationOutcome:
    """Wait for `evaluation` and read both models' scores and per-utterance results.
    `label` (a test set's name) starts its warnings when there are several sets."""
    evaluation = wait_for(ctx, evaluation, f"evaluation {evaluation.display_name}")
    benchmark, candidate = service_score(evaluation, 1), service_score(evaluation, 2)
    references = read_references(test_set)
    if not references:
        raise EvaluationResultError(f"the test set {test_set.root} has no utterances; add "
                                    "audio with transcripts to measure a WER")
    texts = ctx.service.evaluation_utterance_texts(evaluation)
    per_utterance = _per_utterance(texts, references)
    significance = None
    if per_utterance.utterances:
        comparison = compare(per_utterance.utterances)
        if per_utterance.complete:  # a part of the test set says nothing of the whole's WER
            check_agreement(evaluation, 1, benchmark, comparison.benchmark.score)
            check_agreement(evaluation, 2, candidate, comparison.candidate.score)
        if not comparison.same_hypotheses:
            significance = _significance(comparison)
    warnings = tuple(f"{label}: {w}" if label else w for w in per_utterance.warnings)
    for warning in warnings:
        ctx.log.warning(warning)
    return EvaluationOutcome(
        evaluation=evaluation,
        benchmark=benchmark,
        candidate=candidate,
        utterances=tuple(per_utterance.utterances),
        significance=significance,
        warnings=warnings,
    )


@dataclass(frozen=True)
class PerUtterance:
    utterances: list[Utterance]
    complete: bool
    """Every test utterance has both models' texts."""
    warnings: tuple[str, ...]


def _per_utterance(texts: UtteranceTexts, references: dict[str, str]) -> PerUtterance:
    """The utterances both models' texts are known for. A test utterance without a result
    is left out and said so, never counted as all deleted: a result file that is missing
    or named otherwise says nothing of what the model heard."""
    if texts.unavailable:
        return PerUtterance([], False, (
            f"The per-utterance results could not be read ({shown(texts.unavailable, 400)}). "
            "The gate "
            "uses the service's WERs alone: no per-utterance view, no significance test "
            "(require-significance cannot pass), and no cross-check of the service's WER "
            "against its own results.",))
    hyps1, hyps2 = texts.by_side[1], texts.by_side[2]
    missing = sorted(set(unmatched_references(references, hyps1))
                     | set(unmatched_references(references, hyps2)))
    left_out = set(missing)
    matched = {name: text for name, text in references.items() if name not in left_out}
    if not matched:
        return PerUtterance([], False, (
            f"No per-utterance result in {texts.source} matches a test transcript name "
            f"(results name {_names(sorted(hyps1), 3)}; the transcripts "
            f"{_names(missing, 3)}). "
            "The gate uses the service's WERs alone: no per-utterance view and no "
            "significance test.",))
    warnings = []
    if missing:
        warnings.append(
            f"{len(missing)} of {len(references)} test utterances have no result in "
            f"{texts.source} ({_names(missing, 5)}): they are left out of the "
            "per-utterance view and the recomputed WER (not counted as deleted); the "
            "service's WERs, which the gate uses, cover all of them")
    warnings += _unmatched_warnings(references, hyps1, hyps2)
    return PerUtterance(pair_utterances(matched, hyps1, hyps2), not missing, tuple(warnings))


def _create_or_reuse(
    ctx: ModeContext,
    model1_url: str,
    model2_url: str,
    dataset: Dataset,
    project: Project | None,
    name: str,
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
        name,
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
    return [f"{len(unmatched)} transcription result(s) match no test transcript line "
            f"({_names(unmatched, 5)}); they are left out of the recomputed WER"]


def _names(names: list[str], most: int) -> str:
    """The first `most` names, each clipped: result names come from the service, transcript
    names from the pull request, and neither may flood a warning."""
    return ", ".join(shown(name) for name in names[:most])
