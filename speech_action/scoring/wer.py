"""Corpus word error rate with jiwer's `process_words`, in batches of utterances.

Corpus WER is (S + D + I) / N summed over utterances, never a mean of utterance WERs:
a long utterance weighs more than a short one, as in the service's own evaluation.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import NamedTuple

import jiwer

from speech_action.errors import SpeechActionError
from speech_action.scoring.normalize import normalize

__all__ = [
    "Aligned",
    "Chunk",
    "CorpusScore",
    "CountColumns",
    "ScoringInputError",
    "UtteranceCounts",
    "align_chunks",
    "count_columns",
    "count_utterances",
    "score",
]


class _SplitWords(jiwer.AbstractTransform):
    """jiwer's `ReduceToListOfListOfWords` for normalized texts: `str.split` alone.

    jiwer's own transform filters every word in a Python comprehension (a third of a
    `process_words` call on 10,000 utterances); normalized text has single spaces and
    no leading or trailing space, so a plain split gives the same words.
    """

    def process_string(self, s: str) -> list[list[str]]:
        return [s.split()]

    def process_list(self, inp: list[str]) -> list[list[str]]:
        # jiwer's contract: an empty list becomes one empty sentence (`_jiwer_chunks`
        # never passes one).
        return [s.split() for s in inp] or [[]]


_WORDS = _SplitWords()


class ScoringInputError(SpeechActionError, ValueError):
    """References and hypotheses cannot be paired (a programming error upstream)."""


@dataclass(frozen=True)
class UtteranceCounts:
    """Edit counts of one utterance (already normalized)."""

    substitutions: int
    deletions: int
    insertions: int
    hits: int

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def reference_words(self) -> int:
        return self.substitutions + self.deletions + self.hits


@dataclass(frozen=True)
class CorpusScore:
    """Counts over a corpus; `wer` and `sentence_error_rate` are fractions (0.065 = 6.5 %)."""

    substitutions: int
    deletions: int
    insertions: int
    hits: int
    reference_words: int
    sentences: int
    sentence_errors: int

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def wer(self) -> float:
        """(S + D + I) / N. With N = 0 (no reference words at all), the denominator is 1,
        as in jiwer: 0.0 when the hypotheses are empty too, else the number of inserted
        words (so 2 inserted words give 2.0, i.e. 200 %)."""
        return self.errors / max(self.reference_words, 1)

    @property
    def sentence_error_rate(self) -> float:
        """Share of utterances with at least one error; 0.0 for no utterances."""
        return self.sentence_errors / self.sentences if self.sentences else 0.0

    @classmethod
    def from_counts(cls, counts: Sequence[UtteranceCounts]) -> CorpusScore:
        return cls(
            substitutions=sum(c.substitutions for c in counts),
            deletions=sum(c.deletions for c in counts),
            insertions=sum(c.insertions for c in counts),
            hits=sum(c.hits for c in counts),
            reference_words=sum(c.reference_words for c in counts),
            sentences=len(counts),
            sentence_errors=sum(1 for c in counts if c.errors),
        )

    @classmethod
    def from_columns(cls, columns: CountColumns) -> CorpusScore:
        hits, subs = sum(columns.hits), sum(columns.substitutions)
        dels = sum(columns.deletions)
        return cls(
            substitutions=subs,
            deletions=dels,
            insertions=sum(columns.insertions),
            hits=hits,
            reference_words=hits + subs + dels,
            sentences=len(columns.hits),
            sentence_errors=len(columns.errors) - columns.errors.count(0),
        )


@dataclass(frozen=True)
class CountColumns:
    """The counts of many utterances as columns of ints (one entry per utterance, in
    order): scoring 10,000 utterances needs no `UtteranceCounts` object per utterance,
    and the ranking and the bootstrap read the `errors` and `reference_words` columns."""

    substitutions: list[int]
    deletions: list[int]
    insertions: list[int]
    hits: list[int]
    errors: list[int]
    reference_words: list[int]

    def __len__(self) -> int:
        return len(self.hits)

    def at(self, index: int) -> UtteranceCounts:
        return UtteranceCounts(
            substitutions=self.substitutions[index],
            deletions=self.deletions[index],
            insertions=self.insertions[index],
            hits=self.hits[index],
        )


# jiwer's `AlignmentChunk` as a plain tuple: (type, ref start, ref end, hyp start, hyp end).
# The cyclic garbage collector stops tracking a tuple of strings and ints the first time
# it looks at it; a dataclass instance it scans on every full collection for as long as
# it lives, and a test set keeps tens of thousands of chunks alive while it is scored.
Chunk = tuple[str, int, int, int, int]

_CHUNK_FIELDS = attrgetter("type", "ref_start_idx", "ref_end_idx", "hyp_start_idx", "hyp_end_idx")

# Utterances per jiwer call. One call's words, word ids and chunk objects (about 20
# objects per utterance) are freed before the next call, so they stay under the
# collector's first threshold (700 allocations) and die young, instead of piling up
# into the older generations and making each full collection scan all of them.
# A call costs about 15 us on its own: with 32, about 2 % of the pass.
_BATCH = 32


class Aligned(NamedTuple):
    """The alignment of many utterances (in order): each one's chunks, and the counts as
    int columns: after its first look, the garbage collector tracks only the lists."""

    chunks: list[tuple[Chunk, ...]]
    counts: CountColumns


def align_chunks(references: Sequence[str], hypotheses: Sequence[str]) -> Aligned:
    """Align already-normalized texts pairwise with jiwer; count each utterance.

    Utterances recognized exactly (often most of them with a good model) skip jiwer:
    their only optimal alignment is one run of hits, built here at a fraction of the
    cost. The texts are normalized already (single spaces, stripped): splitting is all
    that is left, so jiwer's default regex pass over every text is skipped too.
    """
    if len(references) != len(hypotheses):
        raise ScoringInputError(
            f"cannot score {len(references)} references against {len(hypotheses)} "
            "hypotheses: pair them by audio file first (pair_utterances)"
        )
    exact = [ref == hyp for ref, hyp in zip(references, hypotheses, strict=True)]
    to_align = [i for i, same in enumerate(exact) if not same]
    aligned = _jiwer_chunks([references[i] for i in to_align], [hypotheses[i] for i in to_align])
    chunks_col: list[tuple[Chunk, ...]] = []
    words_col: list[int] = []
    hyp_col: list[int] = []
    for text, same in zip(references, exact, strict=True):
        if same:
            words = hyp_words = len(text.split())
            chunks: tuple[Chunk, ...] = (("equal", 0, words, 0, words),) if words else ()
        else:
            words, hyp_words, chunks = next(aligned)
        chunks_col.append(chunks)
        words_col.append(words)
        hyp_col.append(hyp_words)
    return Aligned(chunks_col, count_columns(words_col, hyp_col, chunks_col))


def _jiwer_chunks(
    references: list[str], hypotheses: list[str]
) -> Iterator[tuple[int, int, tuple[Chunk, ...]]]:
    """(reference words, hypothesis words, chunks) of each pair, `_BATCH` pairs per jiwer
    call. Batches align as one call does: each pair is aligned on its own."""
    # No call for no utterances: jiwer turns an empty list into one empty sentence.
    for start in range(0, len(references), _BATCH):
        stop = start + _BATCH
        output = jiwer.process_words(references[start:stop], hypotheses[start:stop], _WORDS, _WORDS)
        for ref, hyp, chunks in zip(
            output.references, output.hypotheses, output.alignments, strict=True
        ):
            yield len(ref), len(hyp), tuple(map(_CHUNK_FIELDS, chunks))
        del output


def count_utterances(references: Sequence[str], hypotheses: Sequence[str]) -> list[UtteranceCounts]:
    """Per-utterance counts of already-normalized texts."""
    columns = align_chunks(references, hypotheses).counts
    return [columns.at(i) for i in range(len(columns))]


def count_columns(
    reference_words: Sequence[int],
    hypothesis_words: Sequence[int],
    alignments: Sequence[Sequence[Chunk]],
) -> CountColumns:
    """Counts of every utterance from its word counts and chunks, in one tight loop.

    Only hits and substitutions are summed from the chunks; deletions and insertions
    follow from the lengths (N = H + S + D, hypothesis words = H + S + I), which halves
    the work per chunk. This loop runs over every chunk of every utterance, so it stays
    free of function calls and dict look-ups.
    """
    subs_col: list[int] = []
    hits_col: list[int] = []
    for chunks in alignments:
        hits = subs = 0
        for kind, ref_start, ref_end, _, _ in chunks:
            if kind == "equal":
                hits += ref_end - ref_start
            elif kind == "substitute":
                subs += ref_end - ref_start
        hits_col.append(hits)
        subs_col.append(subs)
    words_col = list(reference_words)
    dels = [n - h - s for n, h, s in zip(words_col, hits_col, subs_col, strict=True)]
    ins = [m - h - s for m, h, s in zip(hypothesis_words, hits_col, subs_col, strict=True)]
    errors = [n - h + i for n, h, i in zip(words_col, hits_col, ins, strict=True)]
    return CountColumns(subs_col, dels, ins, hits_col, errors, words_col)


def score(references: Sequence[str], hypotheses: Sequence[str]) -> CorpusScore:
    """Normalize both sides (`normalize`) and score them pairwise, in order."""
    refs = [normalize(text) for text in references]
    hyps = [normalize(text) for text in hypotheses]
    return CorpusScore.from_columns(align_chunks(refs, hyps).counts)
