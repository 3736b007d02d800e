"""Where the data lives in the workspace, and keeping every path inside it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from speech_action.errors import ConfigError

AUDIO_SUFFIXES = frozenset({".wav", ".mp3", ".ogg", ".opus", ".flac", ".m4a", ".aac", ".wma"})
"""Files with these suffixes are treated as audio (and then must be valid WAVs), so an
MP3 dropped into the data folder is reported instead of silently ignored."""


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
    return candidate


def workspace_relative(workspace: Path, path: Path) -> str:
    """The posix path of `path` relative to the workspace (for problems and names)."""
    return path.relative_to(workspace.resolve()).as_posix()


def is_inside(workspace: Path, path: Path) -> bool:
    """Whether `path`, with links followed, is inside the workspace."""
    return path.resolve().is_relative_to(workspace.resolve())
