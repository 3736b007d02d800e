"""Records in a folder of the workspace (`records-dir`, default `.speech-records`).

Every write goes to a temporary file in the target's own directory, is flushed to disk,
then moved over the target with `os.replace`, which is atomic on one file system: a
reader sees the old record or the new one, never a partial file. The ETag of a file is
the SHA-256 of its content. A conditional write (only `benchmark.json` has them) checks
the ETag and replaces the file while holding an exclusive `flock` on a lock file in the
folder, so the check and the replace are one step for every process on this machine.

The action runs as root in its container while the runner's user must read and remove
what it leaves in the workspace: files are made 0644 and created directories 0755,
whatever the umask.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from speech_action.errors import RecordsError
from speech_action.records.models import MAX_RECORD_BYTES, too_large
from speech_action.records.store import BackedRecordStore, Listed, PreconditionFailed, Stored

try:
    import fcntl
except ImportError:
    # Windows has no fcntl. There (only the command-line tool can run there; the
    # container action runs on Linux) the conditional write still checks the ETag, but
    # the check and the replace are not one step between processes.
    HAS_FLOCK = False
else:
    HAS_FLOCK = True

FILE_MODE = 0o644
DIR_MODE = 0o755
# Hidden, so listings skip it; held around every conditional write.
LOCK_NAME = ".benchmark.lock"


class FolderBackend:
    def __init__(self, root: Path) -> None:
        self._root = Path(root)

    @property
    def location(self) -> str:
        return f"records folder {self._root}"

    def where(self, name: str) -> str:
        return str(self._path(name))

    def read(self, name: str) -> Stored | None:
        path = self._path(name)
        try:
            with path.open("rb") as stream:
                data = stream.read(MAX_RECORD_BYTES + 1)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise RecordsError(f"{path}: cannot read the record ({exc.strerror})") from exc
        if len(data) > MAX_RECORD_BYTES:
            raise too_large(str(path))
        return Stored(data=data, etag=_etag(data))

    def write(self, name: str, data: bytes, *, if_match: str | None = None,
              if_absent: bool = False) -> str:
        path = self._path(name)
        try:
            if if_match is not None or if_absent:
                _make_dirs(path.parent)
                with self._locked():
                    self._check_precondition(name, if_match)
                    _replace_atomically(path, data)
            else:
                write_atomically(path, data)
        except OSError as exc:
            raise RecordsError(
                f"{path}: cannot write the record ({exc.strerror or exc}); check that "
                "`records-dir` is a writable folder of the workspace"
            ) from exc
        return _etag(data)

    def list_entries(self, prefix: str) -> list[Listed]:
        base = self._path(prefix.rstrip("/"))
        if not base.is_dir():
            return []
        entries = []
        for path in base.rglob("*"):
            if path.name.startswith("."):
                continue  # temp files of writes in progress, the lock file
            try:
                info = path.stat()
            except FileNotFoundError:
                continue  # removed while listing
            if stat.S_ISREG(info.st_mode):
                name = path.relative_to(self._root).as_posix()
                entries.append(Listed(name, datetime.fromtimestamp(info.st_mtime, UTC)))
        return sorted(entries, key=lambda entry: entry.name)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Hold an exclusive lock on the folder's lock file (created 0644 if missing)."""
        fd = _open_lock_file(self._root / LOCK_NAME)
        try:
            if HAS_FLOCK:
                # Blocks while another process holds it: only for one read and one
                # rename. Released when the descriptor closes, even if we crash.
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _check_precondition(self, name: str, if_match: str | None) -> None:
        current = self.read(name)
        if current is None and if_match is not None:
            raise PreconditionFailed(name)
        if current is not None and current.etag != if_match:
            raise PreconditionFailed(name)

    def _path(self, name: str) -> Path:
        # Names are built by the store from validated parts; this guards the invariant.
        parts = name.split("/")
        if any(part in ("", ".", "..") for part in parts):
            raise RecordsError(f"{self.location}: refusing unsafe record name {name!r}")
        path = self._root.joinpath(*parts)
        # The folder may be committed to the repository, so a pull request controls it: a
        # symlinked subfolder or file must not make the action (root, in its container)
        # read or write outside the records folder.
        if not path.resolve().is_relative_to(self._root.resolve()):
            raise RecordsError(f"{path}: leads outside {self.location} (a symbolic link?); "
                               "remove the link so records stay in the folder")
        return path


def _open_lock_file(path: Path) -> int:
    """A read-only descriptor of the lock file (flock needs no more, and another user's
    0644 file allows no more); the file is created 0644 when missing."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        return os.open(path, os.O_RDONLY)
    try:
        os.chmod(path, FILE_MODE)  # ours: widen what the umask narrowed
    except BaseException:
        os.close(fd)
        raise
    return fd


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` atomically, 0644, creating missing folders 0755."""
    _make_dirs(path.parent)
    _replace_atomically(path, data)


def _make_dirs(directory: Path) -> None:
    """Create `directory` and its missing parents, each 0755 (`mkdir(parents=True)`
    would leave the parents to the umask)."""
    missing: list[Path] = []
    while not directory.exists():
        missing.append(directory)
        directory = directory.parent
    for path in reversed(missing):
        try:
            path.mkdir()
        except FileExistsError:
            continue  # another process created it meanwhile
        os.chmod(path, DIR_MODE)


def _replace_atomically(path: Path, data: bytes) -> None:
    """Write `data` to a hidden temp file beside `path`, then rename it over `path`."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as tmp:
            os.chmod(tmp_name, FILE_MODE)  # mkstemp makes it 0600
            tmp.write(data)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        # Never leave a temp file behind, whatever interrupted the write.
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest() + '"'


class FolderStore(BackedRecordStore):
    """Records in a local folder; the folder is created on the first write."""

    def __init__(self, path: Path | str) -> None:
        super().__init__(FolderBackend(Path(path)))
