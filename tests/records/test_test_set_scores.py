"""Per-set scores in records (PRODUCT.md "Test sets"): one score per test set, the gating
set's figures also the record's own; records from before test sets read as the gating set,
without a migration step; a record claiming impossible sets is refused when read."""

from __future__ import annotations

import json

import pytest

from speech_action.records import (
    MAX_TEST_SETS,
    BenchmarkRecord,
    CandidateRecord,
    RunResult,
    TestSetScore,
    set_scores,
)
from speech_action.records.models import InvalidRecordError, dump_record, parse_record
from tests.records.records_data import benchmark, candidate, result


def _score(name: str, *, gating: bool = False, wer: float = 5.0) -> TestSetScore:
    return TestSetScore(name=name, path=f"{name}_data", gating=gating, wer_percent=wer,
                        test_data_hash=f"sha256:{name}")


def test_per_set_scores_round_trip_and_stay_beside_the_gating_sets_own_fields() -> None:
    record = benchmark().model_copy(update={"test_sets": (
        _score("domain", gating=True, wer=6.5), _score("general", wer=2.35))})
    stored = json.loads(dump_record(record))
    assert [s["name"] for s in stored["test_sets"]] == ["domain", "general"]
    assert "wer_percent" in stored and "test_data_hash" in stored  # readers before test sets
    assert parse_record(dump_record(record), BenchmarkRecord, "benchmark.json") == record


@pytest.mark.parametrize("written", [benchmark(), result(), candidate("abc1234", "7", 5)])
def test_a_record_from_before_test_sets_reads_as_the_gating_set(
        written: BenchmarkRecord | RunResult | CandidateRecord) -> None:
    old = json.loads(dump_record(written))
    del old["test_sets"]
    record = parse_record(json.dumps(old).encode(), type(written), "old.json")
    (only,) = set_scores(record, "testing_data")
    assert (only.name, only.gating, only.wer_percent) == ("testing_data", True, old["wer_percent"])
    assert only.test_data_hash == old["test_data_hash"]


def test_a_record_without_a_wer_has_no_set_scores() -> None:
    deploy_of_an_unmeasured_model = result().model_copy(update={"wer_percent": None})
    assert set_scores(deploy_of_an_unmeasured_model, "testing_data") == ()


@pytest.mark.parametrize(("sets", "problem"), [
    ([_score("general"), _score("general")], "names a set twice"),
    ([_score("a", gating=True), _score("b", gating=True)], "more than one gating set"),
    ([_score(f"s{n}") for n in range(MAX_TEST_SETS + 1)], "at most 10"),
])
def test_a_record_claiming_impossible_sets_is_refused(sets: list[TestSetScore],
                                                      problem: str) -> None:
    stored = json.loads(dump_record(benchmark()))
    stored["test_sets"] = [s.model_dump(mode="json") for s in sets]
    with pytest.raises(InvalidRecordError, match=problem):
        parse_record(json.dumps(stored).encode(), BenchmarkRecord, "benchmark.json")


def test_a_sets_wer_obeys_the_same_bounds_as_the_records() -> None:
    stored = json.loads(dump_record(benchmark()))
    stored["test_sets"] = [{"name": "general", "wer_percent": float("1e9")}]
    with pytest.raises(InvalidRecordError, match="wer_percent"):
        parse_record(json.dumps(stored).encode(), BenchmarkRecord, "benchmark.json")
