"""Pairing of reference transcripts with both models' hypotheses, by audio file name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

__all__ = ["Utterance", "pair_utterances", "unmatched_hypotheses", "unmatched_references"]


@dataclass(frozen=True)
class Utterance:
    """One test audio file: its human transcript and the text of each model (raw, not
    normalized). `benchmark` is model1 of the evaluation, `candidate` model2; in
    benchmark-test both are the same model's text."""

    audio: str
    reference: str
    benchmark: str
    candidate: str


def pair_utterances(
    references: Mapping[str, str],
    hyps1: Mapping[str, str],
    hyps2: Mapping[str, str],
) -> list[Utterance]:
    """One `Utterance` per reference, sorted by audio file name.

    A reference without a hypothesis gets an empty one: the service produced no text
    for it, so every reference word is a deletion (it is never silently dropped, which
    would flatter the WER). Hypotheses are matched by exact name first, then by the
    last path segment of a URL or path (`.../test/a.wav?sv=...` -> `a.wav`).
    """
    lookup1, lookup2 = _Lookup(hyps1), _Lookup(hyps2)
    return [
        Utterance(
            audio=name,
            reference=references[name],
            benchmark=lookup1.get(name),
            candidate=lookup2.get(name),
        )
        for name in sorted(references)
    ]


def unmatched_hypotheses(references: Mapping[str, str], hyps: Mapping[str, str]) -> list[str]:
    """Hypothesis keys that match no reference (worth a warning: wrong test data?)."""
    names = {file_key(name) for name in references} | set(references)
    return sorted(key for key in hyps if key not in names and file_key(key) not in names)


def unmatched_references(references: Mapping[str, str], hyps: Mapping[str, str]) -> list[str]:
    """Reference names no hypothesis matches (by exact name or file name)."""
    lookup = _Lookup(hyps)
    return sorted(name for name in references if not lookup.has(name))


def file_key(name: str) -> str:
    """The file name of a plain name, a path or a URL, without query string."""
    path = urlsplit(name).path if "://" in name else name
    return unquote(path.replace("\\", "/").rsplit("/", 1)[-1])


class _Lookup:
    def __init__(self, hyps: Mapping[str, str]) -> None:
        self._exact = hyps
        self._by_file = {file_key(key): text for key, text in hyps.items()}

    def has(self, name: str) -> bool:
        return name in self._exact or file_key(name) in self._by_file

    def get(self, name: str) -> str:
        if name in self._exact:
            return self._exact[name]
        return self._by_file.get(file_key(name), "")
