"""Files the run leaves in the workspace (product contract, "Workspace files": readable and
removable by the runner's user while the action runs as root)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from speech_action.publish import REPORTS_DIR, write_workspace_file


@pytest.fixture
def strict_umask() -> Iterator[None]:
    previous = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_reports_are_0644_in_0755_folders(tmp_path: Path, strict_umask: None) -> None:
    report = tmp_path / REPORTS_DIR / "nested" / "deploy-abc-1.json"
    write_workspace_file(report, "{}\n")
    assert report.read_text(encoding="utf-8") == "{}\n"
    assert mode(report) == 0o644
    assert mode(report.parent) == mode(report.parent.parent) == 0o755
    assert [p.name for p in report.parent.iterdir()] == [report.name]  # no temp file left


def test_an_existing_folder_keeps_its_mode(tmp_path: Path) -> None:
    folder = tmp_path / REPORTS_DIR
    folder.mkdir(mode=0o700)
    write_workspace_file(folder / "a.md", "x")
    assert mode(folder) == 0o700 and mode(folder / "a.md") == 0o644
