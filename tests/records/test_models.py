"""The record models: JSON shape, schema versions, names that trace back to the commit."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from speech_action.errors import RecordsError
from speech_action.records import BenchmarkRecord, CandidateRecord, RunResult
from speech_action.records.models import (
    MAX_WER_PERCENT,
    InvalidRecordError,
    candidate_name,
    dump_record,
    history_name,
    parse_record,
    result_name,
)
from tests.records.records_data import benchmark, candidate, result


def test_records_round_trip_through_json() -> None:
    assert parse_record(dump_record(benchmark()), BenchmarkRecord, "b.json") == benchmark()
    written = candidate("abc1234", "7", 5)
    assert parse_record(dump_record(written), CandidateRecord, "c.json") == written
    assert parse_record(dump_record(result()), RunResult, "r.json") == result()


def test_the_stored_json_carries_schema_version_and_traceability() -> None:
    stored = json.loads(dump_record(benchmark(commit="a1b2c3d", run_id="101")))
    assert stored["schema_version"] == 1
    assert stored["commit"] == "a1b2c3d"
    assert stored["run_url"] == "https://github.com/o/r/actions/runs/101"
    assert stored["time"] == "2026-11-02T09:30:00Z"
    assert stored["model"]["url"].endswith("/models/base-1")
    assert stored["counts"]["substitutions"] == 9
    assert stored["test_data_hash"].startswith("sha256:")


def test_a_record_from_a_newer_major_version_is_refused() -> None:
    raw = json.loads(dump_record(benchmark()))
    raw["schema_version"] = 3
    with pytest.raises(RecordsError) as caught:
        parse_record(json.dumps(raw).encode(), BenchmarkRecord, "records/benchmark.json")
    message = str(caught.value)
    assert message.startswith("records/benchmark.json: ")
    assert "schema_version 3" in message and "reads up to 1" in message


@pytest.mark.parametrize("version", [None, 0, "1", True, 1.5])
def test_a_missing_or_malformed_schema_version_is_refused(version: object) -> None:
    raw = json.loads(dump_record(benchmark()))
    raw["schema_version"] = version
    with pytest.raises(RecordsError, match="schema_version` is missing or not a positive"):
        parse_record(json.dumps(raw).encode(), BenchmarkRecord, "b.json")


def test_a_record_missing_a_required_field_names_the_field() -> None:
    raw = json.loads(dump_record(benchmark()))
    del raw["test_data_hash"]
    expected = r"b\.json: not a valid BenchmarkRecord \(test_data_hash"
    with pytest.raises(RecordsError, match=expected):
        parse_record(json.dumps(raw).encode(), BenchmarkRecord, "b.json")


def test_a_bom_prefixed_record_is_read() -> None:
    data = b"\xef\xbb\xbf" + dump_record(benchmark())
    assert parse_record(data, BenchmarkRecord, "b.json") == benchmark()


def test_a_json_array_is_not_a_record() -> None:
    with pytest.raises(RecordsError, match="expected a JSON object, found list"):
        parse_record(b"[]", BenchmarkRecord, "b.json")


@pytest.mark.parametrize("commit", ["../etc", "a/b", "", "-rf", "a b"])
def test_commit_and_run_id_must_be_safe_name_parts(commit: str) -> None:
    with pytest.raises(ValidationError):
        benchmark(commit=commit)
    with pytest.raises(ValidationError):
        benchmark(run_id=commit)


def test_a_time_without_timezone_is_refused() -> None:
    raw = json.loads(dump_record(benchmark()))
    raw["time"] = "2026-11-02T09:30:00"
    with pytest.raises(RecordsError, match="time"):
        parse_record(json.dumps(raw).encode(), BenchmarkRecord, "b.json")


def test_names_trace_back_to_kind_commit_and_run() -> None:
    assert result_name(result(kind="deploy", commit="0f3e2d1", run_id="88")) == (
        "results/deploy/0f3e2d1-88.json"
    )
    assert candidate_name(candidate("0f3e2d1", "88", 0)) == "candidates/0f3e2d1-88.json"


def test_history_names_sort_in_utc_time_order_across_timezones() -> None:
    early = benchmark(commit="fffffff", run_id="9")
    # Later in absolute time, but with a local clock reading that looks earlier.
    later_local = early.model_copy(update={
        "commit": "0000000",
        "time": (early.time + timedelta(minutes=1)).astimezone(timezone(timedelta(hours=-8))),
    })
    assert later_local.time.hour < early.time.hour
    names = [history_name(early), history_name(later_local)]
    assert names == sorted(names)
    assert names[0] == "history/20261102T093000000000Z-fffffff-9.json"


def test_wer_and_counts_cannot_be_negative() -> None:
    with pytest.raises(ValidationError):
        benchmark(wer=-0.1)
    with pytest.raises(ValidationError):
        BenchmarkRecord.model_validate({
            **json.loads(dump_record(benchmark())),
            "counts": {"substitutions": -1, "deletions": 0, "insertions": 0,
                       "reference_words": 3},
        })


def test_records_are_immutable() -> None:
    record = benchmark()
    with pytest.raises(ValidationError):
        record.wer_percent = 1.0  # proving frozen-ness at run time
    assert isinstance(record.time, datetime)


def test_candidates_and_results_carry_ref_and_event() -> None:
    stored = json.loads(dump_record(candidate("abc1234", "7", 5, ref="refs/pull/7/merge",
                                              event="pull_request")))
    assert (stored["ref"], stored["event"]) == ("refs/pull/7/merge", "pull_request")
    assert json.loads(dump_record(result()))["event"] == "pull_request"


def _without_provenance(record: CandidateRecord | RunResult) -> bytes:
    raw = json.loads(dump_record(record))
    del raw["ref"], raw["event"]
    return json.dumps(raw).encode()


def test_records_written_before_ref_and_event_parse_with_empty_ones() -> None:
    old_candidate = _without_provenance(candidate("abc1234", "7", 5))
    parsed = parse_record(old_candidate, CandidateRecord, "old.json")
    assert (parsed.ref, parsed.event) == ("", "")
    old_result = parse_record(_without_provenance(result()), RunResult, "old.json")
    assert (old_result.ref, old_result.event) == ("", "")


def _with(**changes: object) -> bytes:
    raw = json.loads(dump_record(benchmark()))
    raw.update(changes)
    return json.dumps(raw).encode()  # NaN and Infinity become the JSON literals json.loads reads


@pytest.mark.parametrize(("wer", "problem"), [
    (1.7e308, "less than or equal to 1000"),
    (1000.5, "less than or equal to 1000"),
    (float("nan"), "finite number"),
    (float("inf"), "finite number"),
    (-0.5, "greater than or equal to 0"),
])
def test_an_absurd_wer_is_refused_naming_the_file(wer: float, problem: str) -> None:
    with pytest.raises(InvalidRecordError) as caught:
        parse_record(_with(wer_percent=wer), BenchmarkRecord, "/w/.speech-records/benchmark.json")
    message = str(caught.value)
    assert message.startswith("/w/.speech-records/benchmark.json: not a valid BenchmarkRecord")
    assert problem in message and "a WER is a finite percent from 0 to 1000" in message
    assert "fix or delete this record" in message
    assert isinstance(caught.value, RecordsError)


def test_a_wer_above_100_percent_from_insertions_is_kept() -> None:
    """Insertions alone can take a WER past 100 % (S + D <= N, I is unbounded)."""
    record = parse_record(_with(wer_percent=MAX_WER_PERCENT), BenchmarkRecord, "b.json")
    assert record.wer_percent == MAX_WER_PERCENT
    assert parse_record(_with(wer_percent=250.0), BenchmarkRecord, "b.json").wer_percent == 250


def test_the_same_bound_holds_for_candidates_and_results() -> None:
    stored_candidate = json.loads(dump_record(candidate("abc1234", "7", 5)))
    stored_result = json.loads(dump_record(result()))
    for raw in (stored_candidate, stored_result):
        raw["benchmark_wer_percent"] = float("inf")
    with pytest.raises(InvalidRecordError, match="benchmark_wer_percent"):
        parse_record(json.dumps(stored_candidate).encode(), CandidateRecord, "c.json")
    with pytest.raises(InvalidRecordError, match="benchmark_wer_percent"):
        parse_record(json.dumps(stored_result).encode(), RunResult, "r.json")
    with pytest.raises(ValidationError):  # and when a run makes one: it is never stored
        benchmark(wer=float("nan"))


@pytest.mark.parametrize(("counts", "problem"), [
    ({"substitutions": 90, "deletions": 10, "insertions": 0, "reference_words": 96},
     "exceed the reference words"),
    ({"substitutions": 9, "deletions": 2, "insertions": 1, "reference_words": 96, "hits": 90},
     r"hits \+ substitutions \+ deletions \(101\)"),
    ({"substitutions": 1, "deletions": 0, "insertions": 0, "reference_words": 5,
      "sentences": 2, "sentence_errors": 3}, "sentence_errors"),
    ({"substitutions": 0, "deletions": 0, "insertions": 10**12, "reference_words": 5},
     "counts.insertions"),
])
def test_inconsistent_or_absurd_counts_are_refused(counts: dict[str, int], problem: str) -> None:
    with pytest.raises(InvalidRecordError, match=problem):
        parse_record(_with(counts=counts), BenchmarkRecord, "b.json")


@pytest.mark.parametrize("data", [
    b'{"schema_version": 1, "wer_percent": ' + b"9" * 5000 + b"}",  # past int's digit limit
    b"[" * 100_000 + b"]" * 100_000,
])
def test_json_that_python_cannot_hold_is_an_invalid_record(data: bytes) -> None:
    with pytest.raises(InvalidRecordError, match=r"^b\.json: not valid UTF-8 JSON"):
        parse_record(data, BenchmarkRecord, "b.json")
