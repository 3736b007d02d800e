"""The JSON report: schema_version, derived parts, and the round trip."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from speech_action.report import SCHEMA_VERSION, Report, ReportFormatError, from_json, to_json
from tests.report.builders import benchmark_test, train_and_gate


def test_schema_version_and_inputs() -> None:
    data = to_json(train_and_gate())
    assert data["schema_version"] == SCHEMA_VERSION == 1
    assert data["mode"] == "train-and-gate"
    assert data["normalizer"] == "nfkc-casefold-nopunct-v1"
    assert data["gate"]["improved"] is True
    assert data["gate"]["reason"].startswith("WER fell 34.78 points")
    assert data["significance"]["seed"] == 20240607
    assert data["significance"]["significant"] is True
    assert data["generated_at"] == "2026-11-21T09:30:00Z"


def test_derived_parts() -> None:
    data = to_json(train_and_gate())
    assert data["recomputed"]["benchmark"]["substitutions"] == 6
    assert data["recomputed"]["candidate"]["wer_percent"] == pytest.approx(400 / 23)
    first = data["changed_most"][0]
    assert first["audio"] == "b.wav"
    assert first["benchmark_alignment"].startswith("REF: the cat sat **** on the mat\n")
    benchmark_confusions = data["confusions"]["benchmark"]
    assert {"reference": "sharjah", "hypothesis": "shar jah", "count": 1} in benchmark_confusions
    assert len(data["utterance_scores"]) == len(data["utterances"]) == 5
    assert data["utterance_scores"][4]["candidate"] == {
        "substitutions": 0,
        "deletions": 0,
        "insertions": 0,
        "hits": 2,
    }
    assert data["derived_warnings"] == [
        "Model custom abc1234 transcription: expires on 2026-12-03, in 12 day(s)."
    ]


def test_is_plain_json() -> None:
    data = to_json(train_and_gate())
    assert json.loads(json.dumps(data)) == data


@pytest.mark.parametrize("make", [train_and_gate, benchmark_test])
def test_round_trip(make: Callable[[], Report]) -> None:
    report = make()
    assert from_json(json.loads(json.dumps(to_json(report)))) == report


def test_without_utterances_has_no_derived_scores() -> None:
    data = to_json(train_and_gate(utterances=()))
    assert "recomputed" not in data
    assert from_json(data) == train_and_gate(utterances=())


def test_other_schema_version_is_refused() -> None:
    data = to_json(train_and_gate())
    data["schema_version"] = 2
    with pytest.raises(ReportFormatError, match="schema_version 2"):
        from_json(data)


def test_invalid_report_is_refused() -> None:
    data = to_json(train_and_gate())
    data["mode"] = "sideways"
    with pytest.raises(ReportFormatError, match="not a valid report"):
        from_json(data)
