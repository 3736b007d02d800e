"""FolderStore specifics: atomic replace, no temp files left, clear errors, open_store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from speech_action.errors import RecordsError
from speech_action.records import BenchmarkRecord, BlobStore, FolderStore, open_store
from speech_action.records.folder import FolderBackend
from tests.records.records_data import benchmark, result
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

