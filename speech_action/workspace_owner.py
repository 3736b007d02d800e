"""Hand what a run wrote in the workspace over to the workspace's owner.

A docker action runs as root, while the hosted runner's user (uid 1001) owns the
workspace and runs every later step: `actions/cache` (tar), `git add`, upload-artifact and
the next checkout's clean-up all fail on a root-owned 0600 file or a root-owned folder
with content. The writers already use 0644 files in 0755 folders (`records/folder.py`);
this module is the one place that makes ownership match the workspace's owner, and widens
the modes of whatever a writer left narrower (the local engine's temporary files), so the
rule holds for every tree the run writes, whichever code wrote it.

The trees may be committed to the repository, so a pull request controls what is in
them: symbolic links are never followed (nor changed), and every change goes through a
descriptor opened with `O_NOFOLLOW`, so a link swapped in mid-walk cannot redirect it.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

FILE_MODE_BITS = 0o644  # at least: owner read/write, everyone read
DIR_MODE_BITS = 0o755  # at least: owner all, everyone list and enter


@dataclass(frozen=True)
class Owner:
    uid: int
    gid: int


def owner_of(path: Path) -> Owner:
    info = path.stat()
    return Owner(info.st_uid, info.st_gid)


def hand_over(workspace: Path, trees: Iterable[Path], *,
              warn: Callable[[str], None]) -> None:
    """Give every folder and regular file of `trees` (and the folders between them and
    the workspace) to the workspace's owner when running as root, with modes of at least
    0644 / 0755. Trees outside the workspace or missing are skipped; a failure is a
    warning, never a failed run (the mode's work is done by now)."""
    if os.name != "posix":
        return  # the container action runs on Linux; Windows has no such modes or owners
    try:
        root = workspace.resolve(strict=True)
        owner = owner_of(root)
    except OSError as error:
        warn(f"the workspace could not be inspected ({error.strerror}); files this run "
             "wrote may not be readable by later steps")
        return
    change_owner = os.geteuid() == 0 and owner.uid != 0
    for tree in trees:
        top = _inside(root, tree)
        if top is None:
            continue
        try:
            for path in (*_folders_between(root, top), *_walk(top)):
                _adjust(path, owner if change_owner else None)
        except OSError as error:
            warn(f"{tree}: could not be handed over to the workspace's owner "
                 f"({error.strerror}); later steps may not be able to read or remove it")


def _inside(root: Path, tree: Path) -> Path | None:
    """`tree` as a path below `root` whose folders are real (not links), or None."""
    path = tree if tree.is_absolute() else root / tree
    try:
        parent = path.parent.resolve(strict=True)
    except OSError:
        return None  # nothing was written there
    path = parent / path.name
    if path == root or not path.is_relative_to(root) or not os.path.lexists(path):
        return None
    return path


def _folders_between(root: Path, top: Path) -> list[Path]:
    """The folders from just below the workspace down to `top`'s parent: a nested
    `records-dir` may have created them."""
    return [root.joinpath(*top.relative_to(root).parts[:depth])
            for depth in range(1, len(top.relative_to(root).parts))]


def _walk(top: Path) -> Iterable[Path]:
    yield top
    if top.is_symlink() or not top.is_dir():
        return
    for folder, dirs, files in os.walk(top, followlinks=False):
        for name in (*dirs, *files):
            yield Path(folder, name)


def _adjust(path: Path, owner: Owner | None) -> None:
    """Widen the mode and change the owner through one `O_NOFOLLOW` descriptor; links,
    sockets, pipes and devices are left alone (nothing of ours is one)."""
    try:
        # O_NONBLOCK: opening a FIFO someone planted must not hang the run.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOENT):
            return  # a link (not ours to change) or gone meanwhile
        raise
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            wanted = DIR_MODE_BITS
        elif stat.S_ISREG(info.st_mode):
            wanted = FILE_MODE_BITS
        else:
            return
        mode = stat.S_IMODE(info.st_mode)
        if mode | wanted != mode:
            os.fchmod(fd, mode | wanted)
        if owner is not None and (info.st_uid, info.st_gid) != (owner.uid, owner.gid):
            os.fchown(fd, owner.uid, owner.gid)
    finally:
        os.close(fd)
