"""The RecordStore contract, run against a folder and against Azurite (real Blob HTTP)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from speech_action.errors import RecordsError
from speech_action.records import BenchmarkSnapshot, RecordConflictError
from speech_action.records.models import MAX_RECORD_BYTES, InvalidRecordError
from tests.records.conftest import StoreSite
from tests.records.records_data import benchmark, candidate, result


def test_an_empty_store_has_no_records(site: StoreSite) -> None:
    store = site.open()
    assert store.read_benchmark() == BenchmarkSnapshot(record=None, version=None)
    assert store.candidates() == []
    assert store.history() == []


def test_benchmark_round_trip_is_seen_by_another_run(site: StoreSite) -> None:
    written = benchmark(wer=6.5)
    store = site.open()
    location = store.write_benchmark(written, expected=store.read_benchmark())
    assert location.endswith("/benchmark.json")
    snapshot = site.open().read_benchmark()
    assert snapshot.record == written
    assert snapshot.version


def test_results_are_named_after_kind_commit_and_run(site: StoreSite) -> None:
    store = site.open()
    for kind in ("benchmark-test", "train-and-gate", "deploy"):
        location = store.write_result(result(kind=kind, commit="0f3e2d1", run_id="77-2"))
        assert location.endswith(f"/results/{kind}/0f3e2d1-77-2.json")


def test_candidates_are_the_improved_ones_of_the_locale(site: StoreSite) -> None:
    store = site.open()
    store.write_candidate(candidate("aaaaaaa", "1", minutes=10))
    store.write_candidate(candidate("bbbbbbb", "2", minutes=20, ref="refs/pull/7/merge",
                                    event="pull_request"))
    store.write_candidate(candidate("ddddddd", "4", minutes=40, improved=False))
    store.write_candidate(candidate("eeeeeee", "5", minutes=50, locale="de-DE"))
    found = site.open().candidates(locale="en-US")
    assert sorted(c.record.commit for c in found) == ["aaaaaaa", "bbbbbbb"]
    pull = next(c for c in found if c.record.commit == "bbbbbbb")
    assert (pull.record.ref, pull.record.event) == ("refs/pull/7/merge", "pull_request")
    assert pull.name == "candidates/bbbbbbb-2.json"
    assert [c.stored_at for c in found] == sorted(c.stored_at for c in found)
    assert len(site.open().candidates()) == 3
    assert site.open().candidates(locale="fr-FR") == []


def test_stored_at_comes_from_the_store_not_the_record_text(site: StoreSite) -> None:
    claimed = candidate("abc1234", "9", minutes=0).model_copy(
        update={"time": datetime(2099, 1, 1, tzinfo=UTC)})
    before = datetime.now(UTC)
    site.open().write_candidate(claimed)
    (found,) = site.open().candidates()
    assert found.record.time.year == 2099  # what the record says, kept as written
    assert found.stored_at.utcoffset() == timedelta(0)
    # Blob Last-Modified has whole seconds; the emulator shares this machine's clock.
    assert before - timedelta(seconds=2) <= found.stored_at <= datetime.now(UTC)


def test_a_candidate_written_before_ref_and_event_existed_parses(site: StoreSite) -> None:
    raw = json.loads(candidate("abc1234", "9", minutes=0).model_dump_json())
    del raw["ref"], raw["event"]
    site.put_raw("candidates/abc1234-9.json", json.dumps(raw).encode())
    (found,) = site.open().candidates()
    assert (found.record.ref, found.record.event) == ("", "")


def test_history_lists_benchmarks_oldest_first_up_to_limit(site: StoreSite) -> None:
    store = site.open()
    # Written out of time order: the history follows the records' time, not write order.
    for minutes, wer in ((20, 11.0), (0, 12.5), (40, 9.75), (30, 10.0)):
        record = benchmark(run_id=str(100 + minutes), minutes=minutes, wer=wer)
        store.write_benchmark(record, expected=store.read_benchmark())
    reader = site.open()
    assert [b.wer_percent for b in reader.history()] == [12.5, 11.0, 10.0, 9.75]
    assert [b.wer_percent for b in reader.history(limit=2)] == [10.0, 9.75]
    assert reader.history(limit=0) == []
    current = reader.read_benchmark().record
    assert current is not None and current.wer_percent == 10.0  # the last one written


def test_two_runs_that_read_the_same_benchmark_cannot_both_write(site: StoreSite) -> None:
    first = site.open()
    first.write_benchmark(benchmark(run_id="100"), expected=first.read_benchmark())
    run_a, run_b = site.open(), site.open()
    seen_by_a, seen_by_b = run_a.read_benchmark(), run_b.read_benchmark()
    winner = benchmark(commit="bbbbbbb", run_id="200", wer=9.0).model_copy(
        update={"kind": "deploy"})
    run_b.write_benchmark(winner, expected=seen_by_b)
    with pytest.raises(RecordConflictError) as caught:
        run_a.write_benchmark(benchmark(commit="aaaaaaa", run_id="300", wer=8.0),
                              expected=seen_by_a)
    message = str(caught.value)
    assert "benchmark.json: another run changed the benchmark" in message
    assert "this run (commit aaaaaaa, run 300)" in message
    assert ("it is now the deploy benchmark of commit bbbbbbb, run 200 "
            "(https://github.com/o/r/actions/runs/200)") in message
    assert "This run's benchmark was not written" in message
    assert "Re-run" in message and "`concurrency:` group" in message
    reader = site.open()
    assert reader.read_benchmark().record == winner
    assert [b.run_id for b in reader.history()] == ["100", "200"]  # the loser left none


def test_reading_again_just_before_writing_does_not_defeat_the_guard(
        site: StoreSite) -> None:
    run_a = site.open()
    seen = run_a.read_benchmark()
    other = site.open()
    other.write_benchmark(benchmark(commit="bbbbbbb", run_id="2"), expected=seen)
    assert run_a.read_benchmark().record is not None  # the store remembers no version
    with pytest.raises(RecordConflictError, match="there was none"):
        run_a.write_benchmark(benchmark(commit="aaaaaaa", run_id="1"), expected=seen)


def test_a_snapshot_of_an_absent_benchmark_conflicts_once_one_exists(site: StoreSite) -> None:
    run_a, run_b = site.open(), site.open()
    absent_a, absent_b = run_a.read_benchmark(), run_b.read_benchmark()
    assert absent_a.version is None and absent_b.version is None
    run_b.write_benchmark(benchmark(commit="bbbbbbb", run_id="2"), expected=absent_b)
    with pytest.raises(RecordConflictError, match=r"commit bbbbbbb, run 2"):
        run_a.write_benchmark(benchmark(commit="aaaaaaa", run_id="1"), expected=absent_a)


def test_a_snapshot_taken_before_a_delete_conflicts(site: StoreSite) -> None:
    store = site.open()
    store.write_benchmark(benchmark(run_id="1"), expected=store.read_benchmark())
    stale = site.open().read_benchmark()
    site.delete_raw("benchmark.json")
    with pytest.raises(RecordConflictError, match="it was deleted since") as caught:
        site.open().write_benchmark(benchmark(run_id="2"), expected=stale)
    assert "it was the benchmark-test benchmark of commit a1b2c3d, run 1" in str(caught.value)
    assert site.open().read_benchmark().record is None


def test_a_snapshot_serves_one_write_only(site: StoreSite) -> None:
    store = site.open()
    seen = store.read_benchmark()
    store.write_benchmark(benchmark(run_id="1"), expected=seen)
    with pytest.raises(RecordConflictError):
        store.write_benchmark(benchmark(run_id="1", wer=7.0), expected=seen)
    store.write_benchmark(benchmark(run_id="1", wer=7.0), expected=store.read_benchmark())
    current = site.open().read_benchmark().record
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
    assert site.open().read_benchmark().record == benchmark()


def test_a_corrupt_candidate_is_reported_by_name(site: StoreSite) -> None:
    site.put_raw("candidates/abc1234-9.json", b'{"schema_version": 1, "commit": ')
    with pytest.raises(RecordsError, match=r"candidates/abc1234-9\.json: not valid UTF-8 JSON"):
        site.open().candidates()


def test_a_record_far_larger_than_any_record_is_refused_unread(site: StoreSite) -> None:
    # A pull request or another writer can plant a huge file; it is never read into memory.
    site.put_raw("benchmark.json", b" " * (MAX_RECORD_BYTES + 1))
    with pytest.raises(InvalidRecordError, match=r"benchmark\.json: larger than 1024 KiB"):
        site.open().read_benchmark()
    site.put_raw("history/20260101T000000000000Z-abc-1.json", b"{" * (MAX_RECORD_BYTES + 1))
    skipped: list[str] = []
    assert site.open().history(skipped=skipped.append) == []
    assert len(skipped) == 1 and "larger than" in skipped[0]
