"""Where the data lives in the workspace, and keeping every path inside it."""

from __future__ import annotations

import stat
from dataclasses import dataclass, replace
from pathlib import Path

from speech_action.errors import ConfigError
from speech_action.scoring.guard import MaxRegression

AUDIO_SUFFIXES = frozenset({".wav", ".mp3", ".ogg", ".opus", ".flac", ".m4a", ".aac", ".wma"})
"""Files with these suffixes are treated as audio (and then must be valid WAVs), so an
MP3 dropped into the data folder is reported instead of silently ignored."""


@dataclass(frozen=True)
class TestSetSpec:
    """One test set of `speech.yml`'s `test-sets`: its name, its folder or zip, and (for a
    guard set, every set but the first) how much worse it may get. The first set gates."""

    __test__ = False  # not a pytest test class, despite the name

    name: str
    path: str | Path
    max_regression: MaxRegression | None = None
    """None for the gating set; a guard set without `max-regression` gets `MaxRegression()`
    (0: it must not get worse)."""

    @property
    def gating(self) -> bool:
        return self.max_regression is None


@dataclass(frozen=True)
class DataLayout:
    """Where the data is: `Config.data`, from the inputs and `speech.yml`'s `data` section.

    Paths are workspace-relative (or absolute, inside the workspace; config resolves
    them). `testing` is a folder of audio and a transcript, or a `.zip` holding the same.
    An explicit file list for a kind (workspace-relative paths) replaces discovery of that
    kind in the training folder; an empty tuple disables it.
    `acoustic_paths` lists the audio files and the transcript of the Acoustic dataset.
    """

    testing: str | Path = "testing_data"
    training: str | Path = "training_data"
    transcript_files: tuple[str, ...] = ("trans.txt", "transcript.txt")
    pronunciation_file: str = "pronunciation.txt"
    language_paths: tuple[str, ...] | None = None
    pronunciation_paths: tuple[str, ...] | None = None
    markdown_paths: tuple[str, ...] | None = None
    acoustic_paths: tuple[str, ...] | None = None
    test_sets: tuple[TestSetSpec, ...] = ()
    """`speech.yml`'s `test-sets`, the gating set first; `testing` is then the gating set's
    path. Empty: the one set in `testing` (see `test_set_specs`)."""

    def test_set_specs(self) -> tuple[TestSetSpec, ...]:
        """The test sets to evaluate, the gating set first: the configured `test-sets`, or
        the one set in `testing`, named after its folder (or zip)."""
        if self.test_sets:
            return self.test_sets
        return (TestSetSpec(name=Path(self.testing).name, path=self.testing),)

    def for_test_set(self, spec: TestSetSpec) -> DataLayout:
        """This layout with `testing` pointing at `spec`'s folder (for `discover_test_data`)."""
        return replace(self, testing=spec.path)


#: The repository's own folder: never data (a checkout persists its token in .git/config).
GIT_FOLDER = ".git"


class DataPathError(ConfigError):
    """A layout path is empty or leads out of the workspace. `field` is the `DataLayout`
    field and `path` the value; data names no input (`config` checks the paths it sets
    and names those)."""

    def __init__(self, message: str, *, field: str, path: str) -> None:
        super().__init__(message)
        self.field = field
        self.path = path


def resolve_in_workspace(workspace: Path, relative: str | Path, field: str) -> Path:
    """Resolve the layout path `relative` of `field`; one that leaves the workspace is a
    `DataPathError`.

    Symbolic links are followed before the check, so a link pointing out of the
    repository cannot smuggle other files into an upload.
    """
    root = workspace.resolve()
    path = str(relative)
    if not path.strip():
        raise DataPathError(f"the data layout's `{field}` path is empty; give a path inside "
                            "the workspace", field=field, path=path)
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root):
        raise DataPathError(
            f"the data layout's `{field}` path {path!r} points outside the workspace; "
            "give a path inside the repository",
            field=field, path=path,
        )
    if in_git(root, root / relative) or in_git(root, candidate):
        raise DataPathError(
            f"the data layout's `{field}` path {path!r} points into a .git folder, which "
            "holds the checkout's credentials and is never read as data; give a path to "
            "the data in the repository",
            field=field, path=path,
        )
    return candidate


def in_git(root: Path, path: Path) -> bool:
    """Whether `path` (under `root`, links followed or not) names `.git` or something in it."""
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        return False
    return any(part.casefold() == GIT_FOLDER for part in parts)


def readable_target(root: Path, folder: Path, path: Path) -> tuple[Path, int] | str:
    """The file to read for the data file `path` found in (or listed for) `folder`, and its
    size; or, as a str, why it must not be read. `root` (the workspace) and `folder` are
    resolved already: this runs once per file of a 30,000-file folder.

    Links are followed: the target must stay inside `folder` (and so inside the
    workspace), outside any `.git` folder, and be a regular file, never a FIFO or device
    whose reading could block or never end.
    """
    try:
        status = path.lstat()
        target = path
        if stat.S_ISLNK(status.st_mode) or path.parent != folder:
            target = path.resolve()
            status = target.stat()
    except (OSError, RuntimeError) as error:  # RuntimeError: a link loop
        return (f"cannot be read ({type(error).__name__}: a broken link or a link loop?); "
                "replace it with the file itself")
    # A plain file directly in `folder` (inside the workspace, outside .git: see
    # `resolve_in_workspace`) needs no path checks; links and listed paths do.
    plain = target is path and path.name.casefold() != GIT_FOLDER
    if not plain and not target.is_relative_to(root):
        return ("is a link to a file outside the workspace; the action only reads files "
                "inside the repository: copy the file in instead")
    if not plain and in_git(root, target):
        return ("is a link into the .git folder, which holds the checkout's credentials "
                "and is never read as data; remove the link")
    if not plain and not target.is_relative_to(folder):
        return (f"is a link to {target.relative_to(root).as_posix()}, outside the data "
                f"folder {folder.relative_to(root).as_posix() or '.'}; links may only "
                "point within it: copy the file in instead")
    if not stat.S_ISREG(status.st_mode):
        return (f"is not a regular file (it is a {_kind(status.st_mode)}); data files must "
                "be ordinary files: replace it with the file itself")
    return target, status.st_size


def _kind(mode: int) -> str:
    kinds = ((stat.S_ISDIR, "folder"), (stat.S_ISFIFO, "named pipe (FIFO)"),
             (stat.S_ISCHR, "character device"), (stat.S_ISBLK, "block device"),
             (stat.S_ISSOCK, "socket"))
    return next((name for test, name in kinds if test(mode)), "special file")


def workspace_relative(workspace: Path, path: Path) -> str:
    """The posix path of `path` relative to the workspace (for problems and names)."""
    return path.relative_to(workspace.resolve()).as_posix()

