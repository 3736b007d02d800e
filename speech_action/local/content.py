"""Checking dataset content and reading training text out of it (pure: bytes in, data out).

Mirrors what the service does while a dataset is `Running`: open the zip or decode the
text, count accepted and rejected lines, sum the audio duration, and fail the dataset
with a message that says what is wrong when the content cannot be used at all.
"""

from __future__ import annotations

import io
import re
import wave
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from speech_action.local.recognition import TRANSCRIPT_NAMES, TrainingText

__all__ = [
    "DATA_FILE",
    "ContentError",
    "ContentReport",
    "check_content",
    "extract_acoustic",
    "text_line_problem",
    "training_text",
]

# Name and file kind of the uploaded content as the dataset's files list shows it.
DATA_FILE = {
    "Acoustic": ("audio.zip", "AcousticDataArchive"),
    "AudioFiles": ("audio.zip", "AcousticDataArchive"),
    "Language": ("language_data.txt", "LanguageData"),
    "LanguageMarkdown": ("language_data.md", "LanguageData"),
    "Pronunciation": ("pronunciation.txt", "PronunciationData"),
}
_URI = re.compile(r"(https?://|www\.)", re.IGNORECASE)
_MARKDOWN_PREFIX = re.compile(r"^\s*(#+|[-*+]|\d+\.)\s+")
# en-US, the only locale here, is written in Latin letters (Latin-1 accents included).
_LOCALE_LETTER = re.compile(r"[A-Za-z\u00c0-\u00ff]")
# "Avoid repeating characters, words, or groups of words more than three times ... The
# Speech service might drop lines with too many repetitions" (Learn,
# how-to-custom-speech-test-and-train, plain text data): fail-safe, such lines are rejected.
_REPEATED_WORD = re.compile(r"\b(\w+)(?:\W+\1\b){3,}", re.IGNORECASE)
_REPEATED_LETTER = re.compile(r"([A-Za-z])\1{3,}")


def text_line_problem(kind: str, line: str) -> str | None:
    """Why the service would reject one line of a text dataset, or None to accept it.

    Rules (Learn, how-to-custom-speech-test-and-train): plain text and structured text
    lines with URIs are rejected; lines with nothing the locale can say (no letter of
    its alphabet: only digits, symbols, or another script) teach nothing and are
    rejected; repetitions more than three times are rejected. Pronunciation lines are
    "display form<TAB>spoken form", and the spoken form needs letters to be said.
    """
    if kind == "Pronunciation":
        parts = line.split("\t")
        if len(parts) != 2 or not all(part.strip() for part in parts):
            return "expected '<display form><TAB><spoken form>'"
        if not _LOCALE_LETTER.search(parts[1]):
            return "the spoken form has no letters; write how the word sounds"
        return None
    text = _MARKDOWN_PREFIX.sub("", line) if kind == "LanguageMarkdown" else line
    if _URI.search(text):
        return "lines with URIs are not accepted"
    if not _LOCALE_LETTER.search(text):
        return "no characters of the locale en-US (only digits, symbols or another script)"
    if _REPEATED_WORD.search(text) or _REPEATED_LETTER.search(text):
        return "a character or word repeated more than three times"
    return None


class ContentError(ValueError):
    """The dataset content is unusable as a whole (bad zip, not UTF-8, no transcript)."""


@dataclass
class ContentReport:
    accepted: int = 0
    rejected: int = 0
    duration_ms: int = 0
    rejections: list[dict[str, Any]] = field(default_factory=list)

    def reject(self, line: int, reason: str) -> None:
        self.rejected += 1
        self.rejections.append({"line": line, "reason": reason})

    def as_json(self, kind: str) -> dict[str, Any]:
        return {
            "kind": kind,
            "acceptedLineCount": self.accepted,
            "rejectedLineCount": self.rejected,
            "durationMilliseconds": self.duration_ms,
            "rejectedLines": self.rejections,
        }


def _decode(content: bytes, what: str) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ContentError(
            f"the {what} is not UTF-8 text (byte {exc.start}); save it as UTF-8 and upload again"
        ) from exc


def _open_zip(content: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile as exc:
        raise ContentError(
            "the uploaded audio archive is not a valid zip file; zip the WAV files and "
            "trans.txt and upload again"
        ) from exc


def _transcript_lines(archive: zipfile.ZipFile) -> list[str]:
    names = {PurePosixPath(n).name: n for n in archive.namelist() if not n.endswith("/")}
    for candidate in TRANSCRIPT_NAMES:
        if candidate in names:
            return _decode(archive.read(names[candidate]), candidate).splitlines()
    raise ContentError(
        "the audio archive has no transcript file (trans.txt): add one with "
        "'<wav name><TAB><text>' lines"
    )


def _wav_ms(data: bytes) -> int | None:
    try:
        with wave.open(io.BytesIO(data)) as audio:
            return int(audio.getnframes() * 1000 / audio.getframerate())
    except (wave.Error, EOFError, ZeroDivisionError):
        return None


def _check_acoustic(content: bytes) -> ContentReport:
    report = ContentReport()
    with _open_zip(content) as archive:
        lines = _transcript_lines(archive)
        members = {PurePosixPath(n).name: n for n in archive.namelist() if n.endswith(".wav")}
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            wav, _, text = line.partition("\t")
            if wav.strip() not in members or not text.strip():
                report.reject(number, f"no WAV file named {wav.strip()!r} or empty transcript")
                continue
            duration = _wav_ms(archive.read(members[wav.strip()]))
            if duration is None:
                report.reject(number, f"{wav.strip()!r} is not a readable RIFF WAV file")
                continue
            report.accepted += 1
            report.duration_ms += duration
    return report


def _check_text(content: bytes, kind: str) -> ContentReport:
    report = ContentReport()
    for number, line in enumerate(_decode(content, f"{kind} text").splitlines(), start=1):
        if not line.strip():
            continue
        problem = text_line_problem(kind, line)
        if problem is not None:
            report.reject(number, problem)
            continue
        report.accepted += 1
    return report


def check_content(kind: str, content: bytes) -> ContentReport:
    """Counts of a dataset's content; raises ContentError when it is unusable.

    Nothing accepted fails the dataset: the docs do not say whether the service fails it
    or succeeds with acceptedLineCount 0; failing is the fail-safe choice (a model
    trained on it would silently learn nothing)."""
    report = _check_acoustic(content) if kind in ("Acoustic", "AudioFiles") else _check_text(
        content, kind
    )
    if report.accepted == 0:
        raise ContentError(f"the {kind} dataset has no usable line ({report.rejected} rejected)")
    return report


def extract_acoustic(content: bytes, folder: Path) -> list[str]:
    """Write the WAVs and the transcript of an audio zip flat into `folder`;
    return the WAV names in transcript order (only lines naming a WAV in the zip)."""
    with _open_zip(content) as archive:
        lines = _transcript_lines(archive)
        members = {PurePosixPath(n).name: n for n in archive.namelist() if n.endswith(".wav")}
        for name, member in members.items():
            (folder / name).write_bytes(archive.read(member))
    (folder / "trans.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ordered = [line.partition("\t")[0].strip() for line in lines if "\t" in line]
    return [name for name in ordered if name in members]


def training_text(kinds_and_contents: list[tuple[str, bytes]]) -> TrainingText:
    """What a model learns from its datasets: sentences and pronunciation pairs."""
    sentences: list[str] = []
    pronunciations: list[tuple[str, str]] = []
    for kind, content in kinds_and_contents:
        if kind in ("AudioFiles", "OutputFormatting"):
            continue  # audio without transcripts teaches the language model nothing
        if kind == "Acoustic":
            with _open_zip(content) as archive:
                lines = _transcript_lines(archive)
            sentences += [line.partition("\t")[2].strip() for line in lines if "\t" in line]
        elif kind == "Pronunciation":
            for line in _decode(content, "Pronunciation text").splitlines():
                if line.strip() and text_line_problem(kind, line) is None:
                    display, _, spoken = line.partition("\t")
                    pronunciations.append((display.strip(), spoken.strip()))
        else:  # rejected lines (the dataset report lists them) teach the model nothing
            for line in _decode(content, f"{kind} text").splitlines():
                markdown = kind == "LanguageMarkdown"
                text = _MARKDOWN_PREFIX.sub("", line) if markdown else line
                if text.strip() and text_line_problem(kind, line) is None:
                    sentences.append(text.strip())
    return TrainingText(sentences=[s for s in sentences if s], pronunciations=pronunciations)
