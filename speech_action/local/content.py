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
        if kind == "Pronunciation":
            parts = line.split("\t")
            if len(parts) != 2 or not all(part.strip() for part in parts):
                report.reject(number, "expected '<display form><TAB><spoken form>'")
                continue
        elif _URI.search(line):
            report.reject(number, "lines with URIs are not accepted")
            continue
        report.accepted += 1
    return report


def check_content(kind: str, content: bytes) -> ContentReport:
    """Counts of a dataset's content; raises ContentError when it is unusable."""
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
                display, _, spoken = line.partition("\t")
                if display.strip() and spoken.strip():
                    pronunciations.append((display.strip(), spoken.strip()))
        else:
            for line in _decode(content, f"{kind} text").splitlines():
                markdown = kind == "LanguageMarkdown"
                text = _MARKDOWN_PREFIX.sub("", line) if markdown else line
                if text.strip() and not _URI.search(text):
                    sentences.append(text.strip())
    return TrainingText(sentences=[s for s in sentences if s], pronunciations=pronunciations)
