"""An evaluation's WERs, read so that the gate fails closed.

The service reports an evaluation's scores as properties (`wordErrorRate1`,
`wordCount1`, ... for `model1`, the `2` set for `model2`; fractions, 0.065 = 6.5 %; API
description `EvaluationProperties`). A `Succeeded` evaluation whose WER is missing, null,
not finite or negative, that counted no reference words, or whose WER disagrees wildly with
the one recomputed from its own transcriptions cannot tell whether a model is better: it
is an error that stops the run, never a WER of 0 % that passes the gate.
"""

from __future__ import annotations

import math
from typing import Literal

from speech_action.client import Evaluation
from speech_action.client.models import EvaluationProperties
from speech_action.errors import ServiceError
from speech_action.records.models import MAX_COUNT, MAX_WER_PERCENT
from speech_action.report import ServiceScore
from speech_action.scoring import CorpusScore

# How far the service's WER may be from the one recomputed from its own transcriptions.
# They differ honestly by a few points (the service normalizes text its own way); a
# difference above both bounds means the reported number does not describe the results.
MAX_DISAGREEMENT_POINTS = 5.0
MAX_DISAGREEMENT_SHARE = 0.5


class EvaluationResultError(ServiceError):
    """A finished evaluation whose scores cannot be trusted to gate a model."""


def service_score(evaluation: Evaluation, side: Literal[1, 2]) -> ServiceScore:
    """`model1`'s (side 1) or `model2`'s (side 2) scores, in percent; refused when the WER
    or the word count make no sense."""
    properties = evaluation.properties
    wer = _field(properties, "word_error_rate", side)
    words = _field(properties, "word_count", side)
    label = f"evaluation {evaluation.display_name or evaluation.id}: wordErrorRate{side}"
    if wer is None:
        raise _refused(evaluation, f"{label} is missing")
    if not math.isfinite(wer) or wer < 0 or wer * 100 > MAX_WER_PERCENT:
        raise _refused(evaluation, f"{label} is {wer!r}, not a finite rate from 0 to "
                                   f"{MAX_WER_PERCENT / 100:g}")
    if words is not None and words <= 0:
        raise _refused(evaluation, f"evaluation {evaluation.display_name or evaluation.id}: "
                                   f"wordCount{side} is {words}: the test set has no "
                                   "reference words, so no WER can be measured")

    def count(name: str) -> int | None:
        value = _field(properties, name, side)
        if value is None or not math.isfinite(value) or not 0 <= value <= MAX_COUNT:
            return None
        return round(value)

    sentence_rate = _field(properties, "sentence_error_rate", side)
    return ServiceScore(
        wer_percent=wer * 100,
        sentence_error_rate_percent=(
            None if sentence_rate is None or not math.isfinite(sentence_rate)
            or sentence_rate < 0 else sentence_rate * 100),
        sentences=count("sentence_count"),
        words=count("word_count"),
        correct_words=count("correct_word_count"),
        substitutions=count("word_substitution_count"),
        deletions=count("word_deletion_count"),
        insertions=count("word_insertion_count"),
    )


def check_agreement(evaluation: Evaluation, side: Literal[1, 2], reported: ServiceScore,
                    recomputed: CorpusScore) -> None:
    """Refuse a reported WER that the evaluation's own transcriptions contradict."""
    if recomputed.reference_words == 0:
        raise _refused(evaluation, "the test transcripts hold no words after normalization "
                                   "(only punctuation?), so no WER can be measured")
    ours = recomputed.wer * 100
    difference = abs(reported.wer_percent - ours)
    larger = max(reported.wer_percent, ours)
    if difference > MAX_DISAGREEMENT_POINTS and difference > MAX_DISAGREEMENT_SHARE * larger:
        raise _refused(
            evaluation,
            f"evaluation {evaluation.display_name or evaluation.id} reports "
            f"wordErrorRate{side} = {reported.wer_percent:.2f} %, but its own transcriptions "
            f"give {ours:.2f} % on the test transcripts")


def _field(properties: EvaluationProperties, name: str, side: int) -> float | None:
    value = getattr(properties, f"{name}{side}", None)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _refused(evaluation: Evaluation, problem: str) -> EvaluationResultError:
    return EvaluationResultError(
        f"{problem}. The gate refuses to decide on it (it fails closed): nothing was "
        f"recorded. Check the evaluation {evaluation.self_url.split('?')[0]} in Speech "
        "Studio; re-run the workflow to evaluate again, or report a service problem.")
