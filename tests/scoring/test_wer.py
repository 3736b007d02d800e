"""Corpus WER: counts, the summed (not averaged) definition and the edge cases."""

from __future__ import annotations

import dataclasses

import jiwer
import pytest

from speech_action.scoring import CorpusScore, ScoringInputError, score


def test_counts_of_a_small_corpus() -> None:
    result = score(["the cat sat on the mat", "hello world"], ["the cat sat on a mat", "hello"])
    assert result == CorpusScore(
        substitutions=1,
        deletions=1,
        insertions=0,
        hits=6,
        reference_words=8,
        sentences=2,
        sentence_errors=2,
    )
    assert result.wer == pytest.approx(2 / 8)
    assert result.sentence_error_rate == 1.0


def test_corpus_wer_is_summed_not_averaged() -> None:
    # utterance WERs 1/1 and 0/9: a mean would say 50 %, the corpus WER is 1/10
    result = score(["one", "a b c d e f g h i"], ["two", "a b c d e f g h i"])
    assert result.wer == pytest.approx(0.1)
    assert result.sentence_error_rate == 0.5


def test_agrees_with_bare_jiwer_on_normalized_text() -> None:
    refs = ["so it goes", "we are here now", "sharjah is a city"]
    hyps = ["so it goes on", "we here now", "shar jah is a city"]
    assert score(refs, hyps).wer == pytest.approx(jiwer.wer(refs, hyps))
    assert score(refs, hyps).insertions == 2  # "on", and "jah" after the "shar" substitution


def test_scoring_normalizes_both_sides() -> None:
    assert score(["Hello, World!"], ["hello world"]).wer == 0.0


def test_empty_reference_counts_insertions_against_a_denominator_of_one() -> None:
    result = score([""], ["two words"])
    assert (result.insertions, result.reference_words) == (2, 0)
    assert result.wer == 2.0
    assert result.sentence_error_rate == 1.0


def test_empty_hypothesis_is_all_deletions() -> None:
    result = score(["three little words"], [""])
    assert (result.deletions, result.hits, result.wer) == (3, 0, 1.0)


def test_both_empty_is_no_error() -> None:
    result = score([""], [""])
    assert result.wer == 0.0
    assert (result.sentences, result.sentence_errors) == (1, 0)


def test_punctuation_only_reference_is_empty_after_normalization() -> None:
    assert score(["..."], ["uh"]).insertions == 1


def test_no_utterances() -> None:
    result = score([], [])
    assert result.sentences == 0
    assert result.wer == 0.0
    assert result.sentence_error_rate == 0.0


def test_empty_utterances_count_as_sentences() -> None:
    result = score(["", "a"], ["", "a"])
    assert result.sentences == 2


def test_length_mismatch_is_a_clear_error() -> None:
    with pytest.raises(ScoringInputError, match="pair_utterances"):
        score(["a", "b"], ["a"])


def test_score_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        score(["a"], ["a"]).hits = 3  # type: ignore[misc]
