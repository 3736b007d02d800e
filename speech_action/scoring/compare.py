"""Both models on the same utterances: scores, alignments, what changed, significance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from speech_action.scoring.alignment import (
    Alignment,
    AlignmentList,
    Confusion,
    align_all,
    top_confusions,
)
from speech_action.scoring.normalize import normalize
from speech_action.scoring.significance import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    Significance,
    bootstrap_columns,
)
from speech_action.scoring.utterances import Utterance
from speech_action.scoring.wer import CorpusScore

__all__ = ["Comparison", "ModelResult", "UtteranceChange", "compare"]


@dataclass(frozen=True)
class ModelResult:
    """One model's recomputed score and per-utterance alignments (same order as the
    utterances)."""

    score: CorpusScore
    alignments: Sequence[Alignment]

    def confusions(self, limit: int = 10) -> list[Confusion]:
        return top_confusions(self.alignments, limit)

    @cached_property
    def errors(self) -> Sequence[int]:
        """Errors (S + D + I) of each utterance."""
        if isinstance(self.alignments, AlignmentList):
            return self.alignments.counts.errors
        return [a.counts.errors for a in self.alignments]

    @cached_property
    def reference_words(self) -> Sequence[int]:
        """Reference words (N) of each utterance."""
        if isinstance(self.alignments, AlignmentList):
            return self.alignments.counts.reference_words
        return [a.counts.reference_words for a in self.alignments]


@dataclass(frozen=True)
class UtteranceChange:
    """How one utterance fared: errors of each model (`change` > 0: fewer errors now)."""

    index: int
    audio: str
    benchmark_errors: int
    candidate_errors: int
    reference_words: int

    @property
    def change(self) -> int:
        return self.benchmark_errors - self.candidate_errors


@dataclass(frozen=True)
class Comparison:
    utterances: tuple[Utterance, ...]
    benchmark: ModelResult
    candidate: ModelResult

    @property
    def same_hypotheses(self) -> bool:
        """True when both models produced the same texts (benchmark-test)."""
        return self.benchmark is self.candidate

    def changes(self) -> list[UtteranceChange]:
        return [self._change(i) for i in range(len(self.utterances))]

    def changed_most(self, limit: int) -> list[UtteranceChange]:
        """Utterances whose error count changed, largest change (either way) first."""
        old, new = self.benchmark.errors, self.candidate.errors
        changed = [i for i, (b, c) in enumerate(zip(old, new, strict=True)) if b != c]
        # Ranked on plain ints; only the utterances shown become `UtteranceChange`s.
        changed.sort(key=lambda i: (-abs(old[i] - new[i]), new[i] - old[i], self._audio(i)))
        return [self._change(i) for i in changed[:limit]]

    def most_errors(self, limit: int) -> list[UtteranceChange]:
        """Utterances with the most errors of the candidate (used when nothing changed)."""
        new = self.candidate.errors
        errors = [i for i, count in enumerate(new) if count]
        errors.sort(key=lambda i: (-new[i], self._audio(i)))
        return [self._change(i) for i in errors[:limit]]

    def _audio(self, index: int) -> str:
        return self.utterances[index].audio

    def _change(self, index: int) -> UtteranceChange:
        return UtteranceChange(
            index=index,
            audio=self.utterances[index].audio,
            benchmark_errors=self.benchmark.errors[index],
            candidate_errors=self.candidate.errors[index],
            reference_words=self.benchmark.reference_words[index],
        )

    def significance(
        self, *, resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED
    ) -> Significance:
        return bootstrap_columns(
            self.benchmark.errors,
            self.candidate.errors,
            self.benchmark.reference_words,
            resamples=resamples,
            seed=seed,
        )


def compare(utterances: Sequence[Utterance]) -> Comparison:
    """Normalize and align both models' texts against the references: one jiwer pass
    per model (one in all when both models produced the same texts)."""
    references = [normalize(u.reference) for u in utterances]
    benchmark = _result(references, [normalize(u.benchmark) for u in utterances])
    if all(u.benchmark == u.candidate for u in utterances):
        candidate = benchmark
    else:
        candidate = _result(references, [normalize(u.candidate) for u in utterances])
    return Comparison(tuple(utterances), benchmark, candidate)


def _result(references: Sequence[str], hypotheses: Sequence[str]) -> ModelResult:
    alignments = align_all(references, hypotheses)
    return ModelResult(CorpusScore.from_columns(alignments.counts), alignments)
