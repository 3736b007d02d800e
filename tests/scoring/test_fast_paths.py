"""The fast paths of large test sets give what the plain per-utterance code gives:
column counts, alignments built on demand, exact matches without jiwer, confusions
from jiwer's chunks, ranking and the bootstrap on int columns."""

from __future__ import annotations

import gc
import random
from collections.abc import Sequence
from typing import NamedTuple

import jiwer
import pytest

from speech_action.scoring import (
    Alignment,
    CorpusScore,
    Utterance,
    UtteranceCounts,
    compare,
    paired_bootstrap,
)
from speech_action.scoring.alignment import AlignmentList, align, align_all, confusion_counts
from speech_action.scoring.compare import Comparison, ModelResult
from speech_action.scoring.significance import bootstrap_columns
from speech_action.scoring.wer import align_chunks, count_utterances

REFS = ["the cat sat", "a b c d", "", "", "same words here", "x y"]
HYPS = ["the cat sit down", "a c d", "", "uh huh", "same words here", "z"]


class Processed(NamedTuple):
    """Words and jiwer alignment chunks of each utterance (jiwer's `WordOutput` without
    the corpus measures)."""

    references: list[list[str]]
    hypotheses: list[list[str]]
    alignments: list[list[jiwer.AlignmentChunk]]


def process(references: Sequence[str], hypotheses: Sequence[str]) -> Processed:
    """`align_chunks` in jiwer's own shapes: lists of words and of `AlignmentChunk`s."""
    aligned = align_chunks(references, hypotheses)
    return Processed(
        [text.split() for text in references],
        [text.split() for text in hypotheses],
        [[jiwer.AlignmentChunk(*chunk) for chunk in chunks] for chunks in aligned.chunks],
    )


def _jiwer_counts(ref: str, hyp: str) -> UtteranceCounts:
    if not ref and not hyp:
        return UtteranceCounts(0, 0, 0, 0)
    out = jiwer.process_words(ref, hyp)
    return UtteranceCounts(out.substitutions, out.deletions, out.insertions, out.hits)


def test_counts_agree_with_jiwer_per_utterance() -> None:
    expected = [_jiwer_counts(r, h) for r, h in zip(REFS, HYPS, strict=True)]
    assert count_utterances(REFS, HYPS) == expected
    assert [a.counts for a in align_all(REFS, HYPS)] == expected


def test_exact_matches_get_the_alignment_jiwer_gives() -> None:
    refs, hyps = ["a b c", "", "d e"], ["a b c", "", "d x"]
    ours = process(refs, hyps)
    theirs = jiwer.process_words(refs, hyps, jiwer.ReduceToListOfListOfWords())
    assert ours.references == theirs.references
    assert ours.hypotheses == theirs.hypotheses
    # jiwer aligns the empty pair to no chunks, as the exact-match path does
    assert ours.alignments == theirs.alignments


def test_all_exact_needs_no_jiwer_call() -> None:
    ours = process(["a b", "c"], ["a b", "c"])
    assert ours.alignments == [
        [jiwer.AlignmentChunk("equal", 0, 2, 0, 2)],
        [jiwer.AlignmentChunk("equal", 0, 1, 0, 1)],
    ]


def test_batches_align_as_one_jiwer_call() -> None:
    # jiwer is called on a few dozen utterances at a time; each pair is aligned on its
    # own, so the chunks are those of one call over the whole set.
    utts = _corpus(300)
    refs, hyps = [u.reference for u in utts], [u.benchmark for u in utts]
    theirs = jiwer.process_words(refs, hyps, jiwer.ReduceToListOfListOfWords())
    assert process(refs, hyps) == (theirs.references, theirs.hypotheses, theirs.alignments)


def test_kept_chunks_are_not_tracked_by_the_garbage_collector() -> None:
    lazy = align_all(REFS, HYPS)
    # One collection stops tracking the inner tuples of ints, the next one the outer
    # tuple; none is left in the oldest generation for every full collection to scan.
    gc.collect()
    gc.collect()
    assert not [i for i in range(len(lazy)) if gc.is_tracked(lazy[i].chunks)]


def test_alignment_list_is_a_sequence_of_alignments() -> None:
    lazy = align_all(REFS, HYPS)
    eager = align(REFS, HYPS)
    assert len(lazy) == len(REFS)
    assert list(lazy) == eager
    assert lazy[-1] == eager[-1]
    assert lazy[1:3] == eager[1:3]
    assert lazy == align_all(REFS, HYPS)
    assert isinstance(lazy[0], Alignment)
    with pytest.raises(IndexError, match="alignment 6 of 6 utterances"):
        lazy[6]
    assert len(align_all([], [])) == 0


def test_confusions_from_chunks_equal_those_from_alignments() -> None:
    utts = _corpus(300)
    refs = [u.reference for u in utts]
    hyps = [u.benchmark for u in utts]
    lazy = align_all(refs, hyps)
    assert isinstance(lazy, AlignmentList)
    assert confusion_counts(lazy) == confusion_counts(list(lazy))


def test_columns_give_the_same_corpus_score() -> None:
    lazy = align_all(REFS, HYPS)
    assert CorpusScore.from_columns(lazy.counts) == CorpusScore.from_counts(
        [a.counts for a in lazy]
    )


def test_ranking_and_bootstrap_match_plain_alignment_lists() -> None:
    # The same comparison built on plain lists of `Alignment` (the slow, generic path).
    fast = compare(_corpus(400))
    plain = Comparison(
        fast.utterances,
        ModelResult(fast.benchmark.score, list(fast.benchmark.alignments)),
        ModelResult(fast.candidate.score, list(fast.candidate.alignments)),
    )
    assert plain.changed_most(30) == fast.changed_most(30)
    assert plain.most_errors(30) == fast.most_errors(30)
    assert plain.changes() == fast.changes()
    assert plain.significance() == fast.significance()
    assert plain.candidate.confusions(20) == fast.candidate.confusions(20)


def test_bootstrap_columns_is_paired_bootstrap() -> None:
    rng = random.Random(5)
    old = [UtteranceCounts(rng.randint(0, 3), 0, 0, 8) for _ in range(250)]
    new = [UtteranceCounts(max(0, c.substitutions - rng.randint(0, 1)), 0, 0, 8) for c in old]
    assert bootstrap_columns(
        [c.errors for c in old], [c.errors for c in new], [c.reference_words for c in old]
    ) == paired_bootstrap(old, new)


def test_pinned_interval_of_a_fixed_corpus() -> None:
    # The figures of the per-group bootstrap loop this replaced (same seed, same order
    # of draws): the faster one must draw the same resamples.
    result = compare(_corpus(500)).significance()
    assert result.resamples == 1000
    assert result.delta_points == pytest.approx(13.50438892640108, abs=1e-9)
    assert result.lower_points == pytest.approx(11.6505009582884, abs=1e-9)
    assert result.upper_points == pytest.approx(15.400817245709822, abs=1e-9)


def _corpus(n: int) -> list[Utterance]:
    rng = random.Random(99)
    vocab = [f"w{i}" for i in range(60)]

    def noisy(words: list[str], rate: float) -> str:
        out = [rng.choice(vocab) if rng.random() < rate else w for w in words]
        if rng.random() < rate:
            out.insert(rng.randint(0, len(out)), rng.choice(vocab))
        if out and rng.random() < rate:
            out.pop(rng.randrange(len(out)))
        return " ".join(out)

    utts = []
    for i in range(n):
        words = rng.choices(vocab, k=rng.randint(0, 12))
        utts.append(Utterance(f"{i}.wav", " ".join(words), noisy(words, 0.2), noisy(words, 0.1)))
    return utts
