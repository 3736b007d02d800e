"""The report model: service scores from evaluation properties, expiry and discrepancies."""

from __future__ import annotations

from datetime import timedelta

import pytest

from speech_action.report import Expiry, ServiceScore, analyze, expiry_warnings
from tests.report.builders import NOW, train_and_gate

# The `properties` of the service's get_evaluation example (api-version 2025-10-15).
PROPERTIES = {
    "wordErrorRate1": 0.065,
    "sentenceErrorRate1": 0.375,
    "tokenErrorRate1": 0.125,
    "sentenceCount1": 8,
    "wordCount1": 46,
    "correctWordCount1": 43,
    "wordSubstitutionCount1": 3,
    "wordDeletionCount1": 0,
    "wordInsertionCount1": 0,
    "wordErrorRate2": 0.07,
    "wordCount2": 46,
}


def test_service_score_from_evaluation_properties() -> None:
    first = ServiceScore.from_evaluation_properties(PROPERTIES, 1)
    assert first.wer_percent == pytest.approx(6.5)
    assert first.sentence_error_rate_percent == pytest.approx(37.5)
    assert (first.sentences, first.words, first.correct_words) == (8, 46, 43)
    assert (first.substitutions, first.deletions, first.insertions) == (3, 0, 0)
    second = ServiceScore.from_evaluation_properties(PROPERTIES, 2)
    assert second.wer_percent == pytest.approx(7.0)
    assert second.substitutions is None


def test_service_score_ignores_non_numbers() -> None:
    score = ServiceScore.from_evaluation_properties({"wordErrorRate1": "x", "wordCount1": True}, 1)
    assert score.wer_percent == 0.0 and score.words is None


def test_expiry_warnings_window() -> None:
    expiries = [
        Expiry(label="in 30 days", date=NOW + timedelta(days=30)),
        Expiry(label="in 31 days", date=NOW + timedelta(days=31)),
        Expiry(label="in an hour", date=NOW + timedelta(hours=1)),
        Expiry(label="now", date=NOW),
    ]
    assert expiry_warnings(expiries, NOW) == [
        "now: expired on 2026-11-21.",
        "in an hour: expires on 2026-11-21, in 1 day(s).",
        "in 30 days: expires on 2026-12-21, in 30 day(s).",
    ]


def test_analysis_recomputes_and_flags() -> None:
    analysis = analyze(train_and_gate())
    assert analysis.comparison is not None
    assert analysis.comparison.candidate.score.substitutions == 2
    assert analysis.discrepancies == ()
    assert len(analysis.expiry_warnings) == 1
    assert analyze(train_and_gate(utterances=())).comparison is None


def test_model_is_frozen() -> None:
    report = train_and_gate()
    with pytest.raises(ValueError, match="frozen"):
        report.locale = "de-DE"


def test_analysis_is_reused_for_the_same_report() -> None:
    report = train_and_gate()
    first = analyze(report)
    assert analyze(report) is first
    assert analyze(report, now=NOW + timedelta(days=1)) is not first
    assert analyze(train_and_gate()) is not analyze(report)
