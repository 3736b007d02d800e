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
    """The data layout, from the config (`speech.yml` and inputs).

    Paths are workspace-relative. `testing` is a folder of audio and a transcript, or a
    `.zip` holding the same. An explicit file list for a kind (workspace-relative paths)
    replaces discovery of that kind in the training folder; an empty tuple disables it.
    `acoustic_files` lists the audio files and the transcript of the Acoustic dataset.
    """

    testing: str = "testing_data"
    training: str = "training_data"
    transcript_names: tuple[str, ...] = ("trans.txt", "transcript.txt")
    pronunciation_name: str = "pronunciation.txt"
    language_files: tuple[str, ...] | None = None
    pronunciation_files: tuple[str, ...] | None = None
    markdown_files: tuple[str, ...] | None = None
    acoustic_files: tuple[str, ...] | None = None


#: The input/config key of each layout field, used to name it in errors.
LAYOUT_KEYS = {
    "testing": "testing-data",
    "training": "training-data",
    "language_files": "language-files",
    "pronunciation_files": "pronunciation-files",
    "markdown_files": "markdown-files",
    "acoustic_files": "acoustic-files",
}


def resolve_in_workspace(workspace: Path, relative: str, key: str) -> Path:
    """Resolve a configured path; a path that leaves the workspace is a `ConfigError`.

    Symbolic links are followed before the check, so a link pointing out of the
    repository cannot smuggle other files into an upload.
    """
    root = workspace.resolve()
    if not relative.strip():
        raise ConfigError(f"{key} is empty; give a path inside the workspace", input_name=key)
    candidate = (root / relative).resolve()
    if not candidate.is_relative_to(root):
        raise ConfigError(
            f"{key} is {relative!r}, which points outside the workspace; "
            "give a path inside the repository",
            input_name=key,
        )
    return candidate


def workspace_relative(workspace: Path, path: Path) -> str:
    """The posix path of `path` relative to the workspace (for problems and names)."""
    return path.relative_to(workspace.resolve()).as_posix()


def is_inside(workspace: Path, path: Path) -> bool:
    """Whether `path`, with links followed, is inside the workspace."""
    return path.resolve().is_relative_to(workspace.resolve())
