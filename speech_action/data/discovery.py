"""Finding the test and training datasets in the workspace.

Discovery only looks at names and sizes. What it cannot make sense of (no transcript,
two transcripts, an unreadable zip, a link out of the workspace) is recorded as a
problem on the dataset, so validation reports it together with every content problem.
Only a missing data folder, or no training data at all, stops discovery itself.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path, PurePosixPath

from speech_action.data.layout import (
    AUDIO_SUFFIXES,
    DataLayout,
    readable_target,
    resolve_in_workspace,
    workspace_relative,
)
from speech_action.data.model import (
    DataFile,
    DatasetKind,
    DataValidationError,
    Note,
    Problem,
    TestDataSet,
    TrainingDataSet,
)
from speech_action.data.reader import zip_directory_size
from speech_action.data.training import split_for_locale, structured_text_only
from speech_action.errors import shown

_IGNORED_ZIP_PREFIXES = ("__MACOSX/",)
#: `zipfile` holds the whole central directory and a `ZipInfo` per entry in memory: 10,000
#: files (the service's most) need a few MiB; a forged 100 MB zip of empty entries would
#: need gigabytes.
MAX_ZIP_DIRECTORY_BYTES = 8 * 1024**2


def discover_test_data(workspace: Path, layout: DataLayout) -> TestDataSet:
    """The test dataset: a folder of audio + transcript, or a zip holding the same."""
    root = resolve_in_workspace(workspace, layout.testing, "testing")
    display = workspace_relative(workspace, root)
    if root.is_file() and root.suffix.lower() == ".zip":
        return _zip_dataset(workspace, root, layout, root.parent)
    if not root.is_dir():
        raise DataValidationError([Problem(display, None, (
            "the testing data does not exist; add a folder with audio files and a "
            f"transcript ({' or '.join(layout.transcript_files)}), or "
            f"{'fix its path in test-sets' if layout.test_sets else 'set testing-data'}"))])
    entries = _listing(root)
    zips = [p for p in entries if p.suffix.lower() == ".zip"]
    loose = [p for p in entries if _is_audio(p) or p.name in layout.transcript_files]
    if len(zips) == 1 and not loose:
        return _zip_dataset(workspace, zips[0], layout, root)
    files, problems = _files(workspace, root, [p for p in entries if _is_audio(p)])
    transcript, more = _pick_transcript(workspace, root, root, entries, layout, bool(files))
    problems += more
    if zips:
        problems.append(Problem(workspace_relative(workspace, zips[0]), None, (
            f"the testing data folder holds {len(zips)} zip(s) and {len(loose)} loose audio "
            "or transcript files; keep either exactly one zip (audio + transcript) or "
            "only the loose files")))
    return TestDataSet(DatasetKind.ACOUSTIC, display, tuple(files), transcript, tuple(problems))


def discover_training_data(workspace: Path, layout: DataLayout,
                           locale: str | None = None) -> list[TrainingDataSet]:
    """The training datasets, at most one per kind (but see `locale`), in a fixed order.

    In the training folder: `*.txt` are related text (Language), the pronunciation
    file is Pronunciation, `*.md` files that are structured text (`training.py`; not
    README.md, which describes the folder) are LanguageMarkdown, audio with a transcript
    is Acoustic. Other `*.md` files are left out with a notice. For a Japanese or Korean
    `locale` each related text file is a dataset of its own (Learn advises files of at
    most 20,000 lines for them; validation holds each file to that).
    """
    root = resolve_in_workspace(workspace, layout.training, "training")
    display = workspace_relative(workspace, root)
    needs_folder = None in (layout.language_paths, layout.pronunciation_paths,
                            layout.markdown_paths, layout.acoustic_paths)
    if needs_folder and not root.is_dir():
        raise DataValidationError([Problem(display, None, (
            "the training data folder does not exist; add related text (plain_text.txt), "
            "pronunciations or audio with a transcript there, or set training-data"))])
    entries = _listing(root) if root.is_dir() else []
    language = _text_dataset(workspace, display, DatasetKind.LANGUAGE, layout.language_paths,
                             "language_paths",
                             [p for p in entries if _is_related_text(p, layout)])
    markdown = _text_dataset(workspace, display, DatasetKind.LANGUAGE_MARKDOWN,
                             layout.markdown_paths, "markdown_paths",
                             [p for p in entries if _is_markdown(p)])
    notes: tuple[Note, ...] = ()
    if markdown is not None and layout.markdown_paths is None:  # listed files are trusted
        markdown, notes = structured_text_only(markdown)
    datasets = [
        *split_for_locale(language, locale),
        _text_dataset(workspace, display, DatasetKind.PRONUNCIATION,
                      layout.pronunciation_paths, "pronunciation_paths",
                      [p for p in entries if p.name == layout.pronunciation_file]),
        markdown,
        _acoustic_training(workspace, root, entries, layout),
    ]
    found = [d for d in datasets if d is not None]
    if not found:
        left_out = "".join(f"; {n}" for n in notes)
        raise DataValidationError([Problem(display, None, (
            "no training data found; add related text (plain_text.txt or other *.txt), "
            f"{layout.pronunciation_file}, *.md structured text, or audio with a "
            f"transcript{left_out}"))])
    return [replace(found[0], notes=found[0].notes + notes), *found[1:]]


def _listing(folder: Path) -> list[Path]:
    """Visible entries directly in the folder but sub-folders (they are not data), sorted.

    Links, FIFOs and devices are listed too: `_files` refuses them by name, rather than
    leaving them out silently (or opening a FIFO and waiting forever).
    """
    return sorted(p for p in folder.iterdir() if not p.name.startswith(".") and not p.is_dir())


def _is_audio(path: Path) -> bool:
    return path.suffix.lower() in AUDIO_SUFFIXES


def _is_related_text(path: Path, layout: DataLayout) -> bool:
    return (path.suffix.lower() == ".txt" and path.name not in layout.transcript_files
            and path.name != layout.pronunciation_file)


def _is_markdown(path: Path) -> bool:
    return path.suffix.lower() == ".md" and path.name.lower() != "readme.md"


def _files(
    workspace: Path, folder: Path, paths: Sequence[Path]
) -> tuple[list[DataFile], list[Problem]]:
    """DataFiles named by their file name and read from their link's target; what must not
    be read (see `layout.readable_target`: links out of `folder`, into .git, FIFOs) is a
    problem."""
    files: list[DataFile] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    root, folder = workspace.resolve(), folder.resolve()
    for path in paths:
        display = path.relative_to(root).as_posix()
        found = readable_target(root, folder, path)
        if isinstance(found, str):
            problems.append(Problem(display, None, found))
        elif path.name in seen:
            problems.append(Problem(display, None, (
                f"has the same file name as {seen[path.name]}; names must be unique "
                "within a dataset: rename one")))
        else:
            seen[path.name] = display
            target, size = found
            files.append(DataFile(path.name, target, display, size))
    return files, problems


def _pick_transcript(
    workspace: Path, root: Path, folder: Path, entries: Sequence[Path], layout: DataLayout,
    has_audio: bool,
) -> tuple[DataFile | None, list[Problem]]:
    candidates = [p for p in entries if p.name in layout.transcript_files]
    candidates.sort(key=lambda p: layout.transcript_files.index(p.name))
    files, problems = _files(workspace, folder, candidates)
    display = workspace_relative(workspace, root)
    if len(files) > 1:
        problems.append(Problem(files[1].display, None, (
            f"a second transcript next to {files[0].name}; keep one transcript file")))
    if not files and has_audio:
        problems.append(Problem(display, None, (
            f"no transcript file ({' or '.join(layout.transcript_files)}) next to the audio; "
            "add one with a `<audio file name><TAB><transcript>` line per audio file")))
    return (files[0] if files else None), problems


def _zip_dataset(workspace: Path, path: Path, layout: DataLayout,
                 folder: Path) -> TestDataSet:
    display = workspace_relative(workspace, path)
    found = readable_target(workspace.resolve(), folder.resolve(), path)
    if isinstance(found, str):
        problem = Problem(display, None, found)
        return TestDataSet(DatasetKind.ACOUSTIC, display, (), None, (problem,))
    path = found[0]
    try:
        directory = zip_directory_size(path)
        if directory > MAX_ZIP_DIRECTORY_BYTES:
            problem = Problem(display, None, (
                f"the zip's table of contents is {directory:,} bytes, more than the "
                f"{MAX_ZIP_DIRECTORY_BYTES:,} that 10,000 files (the most the service accepts) "
                "need; it was not opened: create the zip again from the audio and transcript"))
            return TestDataSet(DatasetKind.ACOUSTIC, display, (), None, (problem,))
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        problem = Problem(display, None, f"is not a readable zip file ({error}); "
                          "create it again, e.g. with `zip -0 tests.zip *.wav trans.txt`")
        return TestDataSet(DatasetKind.ACOUSTIC, display, (), None, (problem,))
    audio, transcripts, problems = _zip_members(path, display, infos, layout)
    if len(transcripts) > 1:
        problems.append(Problem(display, None, "the zip holds more than one transcript "
                        f"({', '.join(f.name for f in transcripts)}); keep one"))
    if not transcripts:
        problems.append(Problem(display, None, (
            f"the zip has no transcript ({' or '.join(layout.transcript_files)}) at its top "
            "level; add one with a `<audio file name><TAB><transcript>` line per audio file")))
    transcript = transcripts[0] if transcripts else None
    return TestDataSet(DatasetKind.ACOUSTIC, display, tuple(audio), transcript,
                       tuple(problems))


def _zip_members(
    path: Path, display: str, infos: list[zipfile.ZipInfo], layout: DataLayout
) -> tuple[list[DataFile], list[DataFile], list[Problem]]:
    """Audio members, transcript members in the layout's order of preference, and the
    problems of flattening.

    Folders, hidden files and the `__MACOSX/` metadata a Mac adds to zips are skipped. The
    package is flat, like every `audio-and-trans.zip` of Microsoft's Custom Speech sample
    data (trans.txt at the root, audio beside it): an audio member is named by its file
    name, so two members of one name in different folders are a problem naming both. The
    transcript must be at the top level.
    """
    members = [
        DataFile(PurePosixPath(i.filename).name, path, display, i.file_size, i.filename,
                 compressed_size=i.compress_size, compression=i.compress_type)
        for i in infos
        if not i.is_dir() and not i.filename.startswith(_IGNORED_ZIP_PREFIXES)
        and not PurePosixPath(i.filename).name.startswith(".")
    ]
    audio: list[DataFile] = []
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for member in (f for f in members if PurePosixPath(f.name).suffix.lower() in AUDIO_SUFFIXES):
        source = member.member or member.name
        first = seen.setdefault(member.name, source)
        if first == source:
            audio.append(member)
            continue
        problems.append(Problem(display, None, (
            f"{shown(source)} and {shown(first)} (in the zip) both become "
            f"{shown(member.name)} in the upload, "
            "whose zip is flat (no folders, as in Microsoft's sample data); rename one, and "
            "its transcript line")))
    transcripts = [f for f in members if f.member in layout.transcript_files]
    transcripts.sort(key=lambda f: layout.transcript_files.index(f.name))
    return audio, transcripts, problems


def _text_dataset(
    workspace: Path,
    root: str,
    kind: DatasetKind,
    explicit: tuple[str, ...] | None,
    field_name: str,
    discovered: list[Path],
) -> TrainingDataSet | None:
    paths, problems = _explicit(workspace, explicit, field_name, discovered)
    folder = _folder(workspace, workspace.resolve() / root, explicit)
    files, more = _files(workspace, folder, paths)
    if not files and not problems and not more:
        return None
    return TrainingDataSet(kind, root, tuple(files), None, tuple(problems + more))


def _explicit(
    workspace: Path, explicit: tuple[str, ...] | None, field_name: str, discovered: list[Path]
) -> tuple[list[Path], list[Problem]]:
    """The configured files of a kind (when a list is given), else the discovered ones."""
    if explicit is None:
        return discovered, []
    paths: list[Path] = []
    problems: list[Problem] = []
    for relative in explicit:
        resolve_in_workspace(workspace, relative, field_name)  # raises when out or in .git
        # The listed path itself (not its link's target): `_files` checks where it leads.
        path = Path(os.path.normpath(workspace.resolve() / relative))
        if path.is_symlink() or (path.exists() and not path.is_dir()):
            paths.append(path)
        else:
            problems.append(Problem(workspace_relative(workspace, path), None, (
                f"is listed in the data layout's `{field_name}` but does not exist; add the "
                "file or fix the list")))
    return paths, problems


def _folder(workspace: Path, root: Path, explicit: tuple[str, ...] | None) -> Path:
    """Where a kind's files may link to: its data folder, or for a configured list of
    workspace paths, the workspace (never .git: `layout.readable_target`)."""
    return root if explicit is None else workspace.resolve()


def _acoustic_training(
    workspace: Path, root: Path, entries: list[Path], layout: DataLayout
) -> TrainingDataSet | None:
    paths, problems = _explicit(workspace, layout.acoustic_paths, "acoustic_paths", entries)
    folder = _folder(workspace, root, layout.acoustic_paths)
    audio, more = _files(workspace, folder, [p for p in paths if _is_audio(p)])
    transcripts = [p for p in paths if p.name in layout.transcript_files]
    if not audio and not transcripts and not problems:
        return None
    transcript, tmore = _pick_transcript(workspace, root, folder, transcripts, layout,
                                         bool(audio))
    return TrainingDataSet(DatasetKind.ACOUSTIC, workspace_relative(workspace, root),
                           tuple(audio), transcript, tuple(problems + more + tmore))
