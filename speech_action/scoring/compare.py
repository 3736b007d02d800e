"""Both models on the same utterances: scores, alignments, what changed, significance."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from speech_action.scoring.alignment import Alignment, Confusion, align, top_confusions
from speech_action.scoring.normalize import normalize
from speech_action.scoring.significance import (
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    Significance,
    paired_bootstrap,
)
from speech_action.scoring.utterances import Utterance
from speech_action.scoring.wer import CorpusScore

__all__ = ["Comparison", "ModelResult", "UtteranceChange", "compare"]


@dataclass(frozen=True)
class ModelResult:
    """One model's recomputed score and per-utterance alignments (same order as the
    utterances)."""

    score: CorpusScore
    alignments: tuple[Alignment, ...]

    def confusions(self, limit: int = 10) -> list[Confusion]:
        return top_confusions(self.alignments, limit)


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
        return [
            UtteranceChange(
                index=i,
                audio=u.audio,
                benchmark_errors=b.counts.errors,
                candidate_errors=c.counts.errors,
                reference_words=b.counts.reference_words,
            )
            for i, (u, b, c) in enumerate(
                zip(
                    self.utterances,
                    self.benchmark.alignments,
                    self.candidate.alignments,
                    strict=True,
                )
            )
        ]

    def changed_most(self, limit: int) -> list[UtteranceChange]:
        """Utterances whose error count changed, largest change (either way) first."""
        changed = [c for c in self.changes() if c.change]
        changed.sort(key=lambda c: (-abs(c.change), -c.change, c.audio))
        return changed[:limit]

    def most_errors(self, limit: int) -> list[UtteranceChange]:
        """Utterances with the most errors of the candidate (used when nothing changed)."""
        errors = [c for c in self.changes() if c.candidate_errors]
        errors.sort(key=lambda c: (-c.candidate_errors, c.audio))
        return errors[:limit]

    def significance(
        self, *, resamples: int = DEFAULT_RESAMPLES, seed: int = DEFAULT_SEED
    ) -> Significance:
        return paired_bootstrap(
            [a.counts for a in self.benchmark.alignments],
            [a.counts for a in self.candidate.alignments],
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
    alignments = tuple(align(references, hypotheses))
    return ModelResult(CorpusScore.from_counts([a.counts for a in alignments]), alignments)
