"""What a run leaves in the workspace is readable and removable by the workspace's owner
(the hosted runner's uid 1001) although the container runs as root (issue #13)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from speech_action.workspace_owner import hand_over

RUNNER_UID = 1001  # the GitHub-hosted runner's user, owner of the checked-out workspace
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="changing owners needs root")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "workspace"
    root.mkdir()
    if os.geteuid() == 0:
        os.chown(root, RUNNER_UID, RUNNER_UID)
    return root


def _unexpected(warning: str) -> None:
    raise AssertionError(f"unexpected warning: {warning}")


def _write_private(path: Path, text: str = "x") -> None:
    """What `mkstemp` leaves: a 0600 file (root's, when the tests run as root)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)


@as_root
def test_trees_are_given_to_the_workspace_owner_with_readable_modes(workspace: Path) -> None:
    _write_private(workspace / ".speech-local" / "entities" / "models" / "m1.json")
    (workspace / ".speech-local" / "entities").chmod(0o700)
    _write_private(workspace / ".speech-reports" / "train.md")
    seen: list[str] = []

    hand_over(workspace, [workspace / ".speech-local", workspace / ".speech-reports"],
              warn=seen.append)

    for path in [*workspace.rglob("*")]:
        info = path.lstat()
        assert (info.st_uid, info.st_gid) == (RUNNER_UID, RUNNER_UID), path
        wanted = 0o755 if path.is_dir() else 0o644
        assert stat.S_IMODE(info.st_mode) & wanted == wanted, (path, oct(info.st_mode))
    assert seen == []


@as_root
def test_folders_a_nested_records_dir_created_are_handed_over_too(workspace: Path) -> None:
    records = workspace / "ci" / "speech" / "records"
    _write_private(records / "benchmark.json")
    hand_over(workspace, [records], warn=_unexpected)
    for path in (workspace / "ci", workspace / "ci" / "speech", records,
                 records / "benchmark.json"):
        assert path.stat().st_uid == RUNNER_UID, path


@as_root
def test_a_link_in_a_tree_is_neither_followed_nor_changed(workspace: Path,
                                                           tmp_path: Path) -> None:
    # A pull request can commit a link inside `.speech-records`: root must not hand the
    # file it points at (here a private file outside the workspace) to the runner's user.
    secret = tmp_path / "outside" / "secret"
    _write_private(secret)
    records = workspace / ".speech-records"
    _write_private(records / "benchmark.json")
    (records / "leak").symlink_to(secret)
    (workspace / "linked-tree").symlink_to(tmp_path / "outside", target_is_directory=True)

    hand_over(workspace, [records, workspace / "linked-tree"], warn=_unexpected)

    info = secret.stat()
    assert (info.st_uid, stat.S_IMODE(info.st_mode)) == (0, 0o600)
    assert (tmp_path / "outside").stat().st_uid == 0
    assert (records / "benchmark.json").stat().st_uid == RUNNER_UID


@as_root
def test_a_tree_outside_the_workspace_is_left_alone(workspace: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    _write_private(elsewhere / "file")
    hand_over(workspace, [elsewhere, workspace / ".." / "elsewhere"], warn=_unexpected)
    assert (elsewhere / "file").stat().st_uid == 0
    assert stat.S_IMODE((elsewhere / "file").stat().st_mode) == 0o600


def test_a_fifo_does_not_hang_and_is_left_alone(workspace: Path) -> None:
    fifo = workspace / ".speech-records" / "pipe"
    fifo.parent.mkdir()
    os.mkfifo(fifo, 0o600)
    hand_over(workspace, [fifo.parent], warn=_unexpected)
    assert stat.S_IMODE(fifo.lstat().st_mode) == 0o600


def test_without_root_modes_are_widened_and_owners_kept(workspace: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # A laptop or another CI system: the user owns what it wrote; only the modes change.
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    path = workspace / ".speech-reports" / "r.md"
    _write_private(path)
    before = path.stat().st_uid
    hand_over(workspace, [path.parent], warn=_unexpected)
    assert path.stat().st_uid == before
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_missing_trees_and_a_missing_workspace_are_no_error(tmp_path: Path) -> None:
    seen: list[str] = []
    hand_over(tmp_path, [tmp_path / "never-written"], warn=seen.append)
    assert seen == []
    hand_over(tmp_path / "gone", [tmp_path / "gone" / "x"], warn=seen.append)
    assert len(seen) == 1 and "workspace could not be inspected" in seen[0]
