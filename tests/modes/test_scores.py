"""Reading an evaluation's scores (API description `EvaluationProperties`; fractions)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from speech_action.client import Evaluation
from speech_action.modes.scores import EvaluationResultError, check_agreement, service_score
from speech_action.scoring import score

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "examples"


def evaluation(properties: dict[str, object]) -> Evaluation:
    return Evaluation.model_validate({"self": "https://x.invalid/evaluations/e1",
                                      "displayName": "e1", "status": "Succeeded",
                                      "properties": properties})


@pytest.mark.skipif(not REFERENCE.exists(), reason="../shared/reference is not beside this")
def test_the_reference_example_reads_in_percent() -> None:
    path = REFERENCE / "2025-10-15" / "get_evaluation.json"
    example = json.loads(path.read_text(encoding="utf-8"))
    body = example["responses"]["200"]["body"]
    first = service_score(Evaluation.model_validate(body), 1)
    assert first.wer_percent == pytest.approx(body["properties"]["wordErrorRate1"] * 100)
    assert first.words == body["properties"]["wordCount1"]


def test_negative_counts_are_left_out() -> None:
    read = service_score(evaluation({"wordErrorRate1": 0.1, "wordSubstitutionCount1": -3}), 1)
    assert read.wer_percent == pytest.approx(10.0)
    assert read.substitutions is None


@pytest.mark.parametrize("properties", [{}, {"wordErrorRate1": None},
                                        {"wordErrorRate2": 0.1}])
def test_a_missing_wer_is_refused_never_zero(properties: dict[str, object]) -> None:
    with pytest.raises(EvaluationResultError, match="wordErrorRate1 is missing"):
        service_score(evaluation(properties), 1)


def test_agreement_allows_normalization_differences_not_a_different_number() -> None:
    recomputed = score(["a b c d e f g h i j"], ["a b c d e f g h i x"])  # 10 %
    near, far = service_score(evaluation({"wordErrorRate1": 0.12}), 1), service_score(
        evaluation({"wordErrorRate1": 0.0}), 1)
    check_agreement(evaluation({}), 1, near, recomputed)
    with pytest.raises(EvaluationResultError, match=r"its own transcriptions give 10\.00 %"):
        check_agreement(evaluation({}), 1, far, recomputed)


def test_no_reference_words_in_the_recomputation_is_refused() -> None:
    # Validation refuses wordless transcripts; this guards the evaluation's own reading.
    reported = service_score(evaluation({"wordErrorRate1": 0.0}), 1)
    with pytest.raises(EvaluationResultError, match="no words"):
        check_agreement(evaluation({}), 1, reported, score(["..."], [""]))
