"""The report model: expiry and discrepancies (service scores: tests/modes/test_scores.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from speech_action.report import Expiry, analyze, expiry_warnings
from tests.report.builders import NOW, train_and_gate


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
