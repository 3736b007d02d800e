"""The recognition interface of the local service, and a deterministic stand-in for tests.

The local service trains and evaluates through `Recognizer` only, so the real engine
(`speech_action.local.sphinx.PocketSphinxRecognizer`) and the test-only `EchoRecognizer`
are interchangeable.
"""

from __future__ import annotations

import string
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

__all__ = [
    "VOCABULARY_FILE",
    "EchoRecognizer",
    "Recognizer",
    "TrainingText",
    "read_transcripts",
]

VOCABULARY_FILE = "vocabulary.txt"
TRANSCRIPT_NAMES = ("trans.txt", "transcript.txt")


@dataclass(frozen=True)
class TrainingText:
    """What a custom model learns from: related text, and new words with their spoken form."""

    sentences: list[str]  # related text + transcripts of acoustic data
    pronunciations: list[tuple[str, str]]  # (display form, spoken form)


class Recognizer(Protocol):
    name: str

    def build_model(self, training: TrainingText, model_dir: Path) -> None:
        """Write a custom model built from `training` into the (existing) folder `model_dir`."""
        ...

    def recognize(self, model_dir: Path | None, wavs: Sequence[Path]) -> list[str]:
        """One text per WAV, same order, deterministic; `model_dir` None = the base model."""
        ...


def read_transcripts(folder: Path) -> dict[str, str]:
    """`<wav name><TAB><text>` lines of the folder's transcript file, keyed by WAV name."""
    for name in TRANSCRIPT_NAMES:
        path = folder / name
        if path.is_file():
            lines = path.read_text(encoding="utf-8-sig").splitlines()
            pairs = (line.split("\t", 1) for line in lines if "\t" in line)
            return {wav.strip(): text.strip() for wav, text in pairs}
    return {}


def _core(word: str) -> str:
    return word.strip(string.punctuation)


class EchoRecognizer:
    """TEST-ONLY stand-in recognizer: it never listens to the audio.

    It "recognizes" each WAV as the reference transcript found in `trans.txt` next to it
    (the evaluation extracts the test zip there). The base model (`model_dir` None) gets
    every capitalized word after the first one wrong by splitting it into two lower-case
    halves ("Sharjah" -> "shar jah"); a custom model gets such a word right when it was in
    its training sentences or pronunciations. That gives tests exact, known WER counts.
    """

    name = "echo"

    def build_model(self, training: TrainingText, model_dir: Path) -> None:
        words: set[str] = set()
        texts = [*training.sentences, *(display for display, _ in training.pronunciations)]
        for text in texts:
            words.update(_core(word).casefold() for word in text.split())
        words.discard("")
        model_dir.mkdir(parents=True, exist_ok=True)
        (model_dir / VOCABULARY_FILE).write_text("\n".join(sorted(words)) + "\n", "utf-8")

    def recognize(self, model_dir: Path | None, wavs: Sequence[Path]) -> list[str]:
        vocabulary = self._vocabulary(model_dir)
        cache: dict[Path, dict[str, str]] = {}
        texts = []
        for wav in wavs:
            if wav.parent not in cache:
                cache[wav.parent] = read_transcripts(wav.parent)
            reference = cache[wav.parent].get(wav.name, "")
            texts.append(self._mishear(reference, vocabulary))
        return texts

    @staticmethod
    def _vocabulary(model_dir: Path | None) -> frozenset[str]:
        if model_dir is None:
            return frozenset()
        path = model_dir / VOCABULARY_FILE
        return frozenset(path.read_text("utf-8").split()) if path.is_file() else frozenset()

    @staticmethod
    def _mishear(reference: str, vocabulary: frozenset[str]) -> str:
        out = []
        for index, word in enumerate(reference.split()):
            core = _core(word)
            keep = index == 0 or len(core) < 2 or not core[0].isupper()
            if keep or core.casefold() in vocabulary:
                out.append(word)
            else:
                half = (len(core) + 1) // 2
                out.append(f"{core[:half].lower()} {core[half:].lower()}")
        return " ".join(out)
