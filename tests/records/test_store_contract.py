"""The RecordStore contract, run against a folder and against Azurite (real Blob HTTP)."""

from __future__ import annotations

import json

import pytest

from speech_action.errors import RecordsError
from speech_action.records import RecordConflictError
from tests.records.conftest import StoreSite
from tests.records.records_data import benchmark, candidate, result


def test_an_empty_store_has_no_records(site: StoreSite) -> None:
    store = site.open()
    assert store.read_benchmark() is None
    assert store.latest_candidate() is None
    assert store.history() == []


def test_benchmark_round_trip_is_seen_by_another_run(site: StoreSite) -> None:
    written = benchmark(wer=6.5)
    location = site.open().write_benchmark(written)
    assert location.endswith("/benchmark.json")
    assert site.open().read_benchmark() == written


def test_results_are_named_after_kind_commit_and_run(site: StoreSite) -> None:
    store = site.open()
    for kind in ("benchmark-test", "train-and-gate", "deploy"):
        location = store.write_result(result(kind=kind, commit="0f3e2d1", run_id="77-2"))
        assert location.endswith(f"/results/{kind}/0f3e2d1-77-2.json")


def test_latest_candidate_is_the_newest_improved_one(site: StoreSite) -> None:
    store = site.open()
    store.write_candidate(candidate("aaaaaaa", "1", minutes=10))
    store.write_candidate(candidate("ccccccc", "3", minutes=30))  # newest improved
    store.write_candidate(candidate("bbbbbbb", "2", minutes=20))
    store.write_candidate(candidate("ddddddd", "4", minutes=40, improved=False))
    store.write_candidate(candidate("eeeeeee", "5", minutes=50, locale="de-DE"))
    latest = site.open().latest_candidate(locale="en-US")
    assert latest is not None
    assert (latest.commit, latest.run_id) == ("ccccccc", "3")
    newest_any = site.open().latest_candidate()
    assert newest_any is not None and newest_any.locale == "de-DE"
    assert site.open().latest_candidate(locale="fr-FR") is None


def test_history_lists_benchmarks_oldest_first_up_to_limit(site: StoreSite) -> None:
    store = site.open()
    # Written out of time order: the history follows the records' time, not write order.
    for minutes, wer in ((20, 11.0), (0, 12.5), (40, 9.75), (30, 10.0)):
        store.write_benchmark(benchmark(run_id=str(100 + minutes), minutes=minutes, wer=wer))
    reader = site.open()
    assert [b.wer_percent for b in reader.history()] == [12.5, 11.0, 10.0, 9.75]
    assert [b.wer_percent for b in reader.history(limit=2)] == [10.0, 9.75]
    assert reader.history(limit=0) == []
    current = reader.read_benchmark()
    assert current is not None and current.wer_percent == 10.0  # the last one written


def test_a_concurrent_benchmark_update_is_detected_not_lost(site: StoreSite) -> None:
    site.open().write_benchmark(benchmark(run_id="100"))
    run_a, run_b = site.open(), site.open()
    assert run_a.read_benchmark() is not None
    assert run_b.read_benchmark() is not None
    run_b.write_benchmark(benchmark(commit="bbbbbbb", run_id="200", wer=9.0))
    with pytest.raises(RecordConflictError) as caught:
        run_a.write_benchmark(benchmark(commit="aaaaaaa", run_id="300", wer=8.0))
    assert "commit bbbbbbb, run 200" in str(caught.value)
    assert "concurrency" in str(caught.value)
    current = site.open().read_benchmark()
    assert current is not None and current.run_id == "200"


def test_two_first_benchmarks_race_and_one_loses(site: StoreSite) -> None:
    run_a, run_b = site.open(), site.open()
    assert run_a.read_benchmark() is None
    assert run_b.read_benchmark() is None
    run_b.write_benchmark(benchmark(commit="bbbbbbb", run_id="2"))
    with pytest.raises(RecordConflictError):
        run_a.write_benchmark(benchmark(commit="aaaaaaa", run_id="1"))


def test_after_a_conflict_the_store_has_the_fresh_version(site: StoreSite) -> None:
    site.open().write_benchmark(benchmark(run_id="1"))
    run_a = site.open()
    run_a.read_benchmark()
    site.open().write_benchmark(benchmark(run_id="2"))
    with pytest.raises(RecordConflictError):
        run_a.write_benchmark(benchmark(run_id="3"))
    run_a.write_benchmark(benchmark(run_id="3"))  # a deliberate retry after the error
    current = site.open().read_benchmark()
    assert current is not None and current.run_id == "3"


def test_one_store_can_write_the_benchmark_twice(site: StoreSite) -> None:
    store = site.open()
    store.write_benchmark(benchmark(run_id="1"))
    store.write_benchmark(benchmark(run_id="1", wer=7.0))
    current = site.open().read_benchmark()
    assert current is not None and current.wer_percent == 7.0


def test_a_newer_schema_version_is_refused_with_a_clear_error(site: StoreSite) -> None:
    raw = json.loads(benchmark().model_dump_json())
    raw["schema_version"] = 2
    site.put_raw("benchmark.json", json.dumps(raw).encode())
    with pytest.raises(RecordsError, match=r"schema_version 2.*upgrade the action") as caught:
        site.open().read_benchmark()
    assert "benchmark.json" in str(caught.value)


def test_unknown_fields_from_a_newer_writer_are_tolerated(site: StoreSite) -> None:
    raw = json.loads(benchmark().model_dump_json())
    raw["confidence_interval"] = [5.1, 7.9]
    raw["model"]["region"] = "eastus"
    site.put_raw("benchmark.json", json.dumps(raw).encode())
    assert site.open().read_benchmark() == benchmark()


def test_a_corrupt_candidate_is_reported_by_name(site: StoreSite) -> None:
    site.put_raw("candidates/abc1234-9.json", b'{"schema_version": 1, "commit": ')
    with pytest.raises(RecordsError, match=r"candidates/abc1234-9\.json: not valid UTF-8 JSON"):
        site.open().latest_candidate()
