"""FolderStore specifics: atomic replace, no temp files left, clear errors, file modes,
the lock between processes, open_store."""

from __future__ import annotations

import multiprocessing
import os
import stat
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier, Event
from pathlib import Path

import pytest

from speech_action.errors import RecordsError
from speech_action.records import (
    BenchmarkRecord,
    BenchmarkSnapshot,
    BlobStore,
    FolderStore,
    RecordConflictError,
    folder,
    open_store,
)
from speech_action.records.folder import FolderBackend
from tests.records.records_data import benchmark, candidate, result
from tests.support.azurite import connection_string_for


def _leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.rglob("*.tmp"))


def _write_benchmark(store: FolderStore, record: BenchmarkRecord) -> None:
    store.write_benchmark(record, expected=store.read_benchmark())


def test_a_reader_never_sees_a_partial_record(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    _write_benchmark(FolderStore(tmp_path), benchmark(wer=12.5))
    old = (tmp_path / "benchmark.json").read_bytes()
    seen: list[tuple[str, bytes, bytes]] = []
    real_replace = os.replace

    def observing_replace(src: str, dst: str) -> None:
        # Just before the switch: the target is still whole and old, the temp is whole
        # and new, and both live in the same directory (so the rename is atomic).
        if Path(dst).name == "benchmark.json":
            seen.append((str(Path(src).parent), Path(dst).read_bytes(), Path(src).read_bytes()))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", observing_replace)
    new_record = benchmark(run_id="202", wer=9.5)
    _write_benchmark(FolderStore(tmp_path), new_record)
    parent, before, incoming = seen[0]
    assert parent == str(tmp_path)
    assert before == old
    assert FolderStore(tmp_path).read_benchmark().record == new_record
    assert incoming == (tmp_path / "benchmark.json").read_bytes()
    assert _leftovers(tmp_path) == []


def test_a_failed_write_keeps_the_old_record_and_cleans_up(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write_benchmark(FolderStore(tmp_path), benchmark(wer=12.5))

    def failing_replace(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(RecordsError, match=r"benchmark\.json: cannot write the record "
                                           r"\(No space left on device\)"):
        _write_benchmark(FolderStore(tmp_path), benchmark(run_id="202", wer=9.5))
    monkeypatch.undo()
    current = FolderStore(tmp_path).read_benchmark().record
    assert current is not None and current.wer_percent == 12.5
    assert _leftovers(tmp_path) == []


def test_records_dir_that_is_a_file_gives_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "records"
    blocker.write_text("not a folder")
    with pytest.raises(RecordsError, match="records-dir"):
        FolderStore(blocker).write_result(result())


def test_the_folder_is_created_on_first_write(tmp_path: Path) -> None:
    root = tmp_path / "deep" / ".speech-records"
    location = FolderStore(root).write_result(result(kind="deploy"))
    assert Path(location) == root / "results" / "deploy" / "a1b2c3d-101.json"
    assert Path(location).read_text().startswith("{\n")


def test_hidden_files_are_not_records(tmp_path: Path) -> None:
    _write_benchmark(FolderStore(tmp_path), benchmark())
    (tmp_path / "history" / ".benchmark.json.x.tmp").write_text("{partial")
    assert len(FolderStore(tmp_path).history()) == 1


@pytest.mark.parametrize("name", ["../escape.json", "/abs.json", "a//b.json"])
def test_unsafe_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(RecordsError, match="unsafe record name"):
        FolderBackend(tmp_path).write(name, b"{}")


def test_open_store_picks_blob_with_a_connection_string(tmp_path: Path) -> None:
    folder = open_store(connection_string="", records_dir=tmp_path)
    assert isinstance(folder, FolderStore)
    assert folder.location == f"records folder {tmp_path}"
    blob = open_store(connection_string=connection_string_for("http://127.0.0.1:9/devstoreaccount1"))
    assert isinstance(blob, BlobStore)
    assert blob.location == (
        "Azure Blob container http://127.0.0.1:9/devstoreaccount1/speech-benchmarks"
    )


def _modes(root: Path, *, dirs: bool) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): stat.S_IMODE(p.stat().st_mode)
            for p in root.rglob("*") if p.is_dir() == dirs}


def test_files_are_0644_and_dirs_0755_whatever_the_umask(tmp_path: Path) -> None:
    # The action runs as root in its container; the runner's user must read and remove
    # what it leaves. A strict umask (and mkstemp's 0600) must not narrow that.
    records = "workspace/deep/.speech-records"
    previous = os.umask(0o077)
    try:
        store = FolderStore(tmp_path / records)
        _write_benchmark(store, benchmark())
        store.write_result(result())
        store.write_candidate(candidate("abc1234", "9", minutes=0))
    finally:
        os.umask(previous)
    files, dirs = _modes(tmp_path, dirs=False), _modes(tmp_path, dirs=True)
    assert {f"{records}/.benchmark.lock", f"{records}/benchmark.json",
            f"{records}/candidates/abc1234-9.json"} < files.keys()
    assert set(files.values()) == {0o644}
    assert {"workspace", f"{records}/history", f"{records}/results/train-and-gate"} < dirs.keys()
    assert set(dirs.values()) == {0o755}


def test_an_existing_folder_keeps_its_mode(tmp_path: Path) -> None:
    tmp_path.chmod(0o700)  # the workspace is not ours to widen
    FolderStore(tmp_path).write_result(result())
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700


def test_without_flock_the_version_is_still_checked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(folder, "HAS_FLOCK", False)  # as on a platform without fcntl
    store = FolderStore(tmp_path)
    stale = store.read_benchmark()
    store.write_benchmark(benchmark(run_id="1"), expected=stale)
    with pytest.raises(RecordConflictError):
        store.write_benchmark(benchmark(run_id="2"), expected=stale)


# How long the first writer holds its lock waiting for the other to pass the check too.
# Without the lock both would pass and both write; with it the other cannot, so the
# first waits this out once.
RACE_WINDOW_S = 0.5
RACE_BOUND_S = 30.0  # never reached unless something hangs


def _race_writer(root: str, commit: str, expected: BenchmarkSnapshot,
                 start: Barrier, checked: Event, peer_checked: Event,
                 outcomes: Queue[tuple[str, str]]) -> None:
    real_check = FolderBackend._check_precondition

    def check_then_linger(self: FolderBackend, name: str, if_match: str | None) -> None:
        real_check(self, name, if_match)
        checked.set()
        peer_checked.wait(RACE_WINDOW_S)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FolderBackend, "_check_precondition", check_then_linger)
        start.wait(RACE_BOUND_S)
        try:
            FolderStore(root).write_benchmark(benchmark(commit=commit, run_id=commit[:3]),
                                              expected=expected)
        except Exception as exc:  # reported to the test, whatever it is
            outcomes.put((commit, f"{type(exc).__name__}: {exc}"))
        else:
            outcomes.put((commit, "won"))


@pytest.mark.skipif(not folder.HAS_FLOCK, reason="no fcntl.flock on this platform")
def test_two_processes_racing_one_snapshot_give_one_winner(tmp_path: Path) -> None:
    store = FolderStore(tmp_path)
    _write_benchmark(store, benchmark(run_id="1"))
    snapshot = store.read_benchmark()
    # Forked writers start at once (no re-import); flock is POSIX-only anyway.
    context = multiprocessing.get_context("fork")
    start, outcomes = context.Barrier(2), context.Queue()
    events = (context.Event(), context.Event())
    writers = [
        context.Process(target=_race_writer, args=(
            str(tmp_path), commit, snapshot, start, events[i], events[1 - i], outcomes))
        for i, commit in enumerate(("aaaaaaa", "bbbbbbb"))
    ]
    for writer in writers:
        writer.start()
    try:
        results = dict(outcomes.get(timeout=RACE_BOUND_S) for _ in writers)
    finally:
        for writer in writers:
            writer.join(RACE_BOUND_S)
            if writer.is_alive():
                writer.kill()
    assert list(results.values()).count("won") == 1, results
    winner = next(commit for commit, outcome in results.items() if outcome == "won")
    loser_message = next(outcome for outcome in results.values() if outcome != "won")
    assert loser_message.startswith("RecordConflictError: ")
    assert f"commit {winner}, run {winner[:3]}" in loser_message
    current = store.read_benchmark().record
    assert current is not None and current.commit == winner


def test_a_symlinked_subfolder_cannot_lead_records_out_of_the_folder(tmp_path: Path) -> None:
    # The records folder may be committed, so a pull request controls it: a link there
    # must not make the action (root in its container) write or read elsewhere.
    records, elsewhere = tmp_path / "records", tmp_path / "elsewhere"
    elsewhere.mkdir()
    records.mkdir()
    (records / "history").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(RecordsError, match="leads outside"):
        FolderStore(records).write_benchmark(benchmark(), expected=BenchmarkSnapshot(None, None))
    assert list(elsewhere.iterdir()) == []
