"""Both models on the same utterances: scores, ranking of changes, and speed."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

import jiwer
import pytest

from speech_action.scoring import Utterance, compare, score
from tests.support.corpus import synthetic_corpus


def _utts() -> list[Utterance]:
    return [
        Utterance("a.wav", "We flew to Sharjah.", "we flew to shar jah", "we flew to sharjah"),
        Utterance("b.wav", "The cat sat", "the cat sat", "the cat sat down"),
        Utterance("c.wav", "one two three four", "one", "one two three four"),
        Utterance("d.wav", "same", "same", "same"),
    ]


def test_scores_match_score_of_each_model() -> None:
    utts = _utts()
    result = compare(utts)
    refs = [u.reference for u in utts]
    assert result.benchmark.score == score(refs, [u.benchmark for u in utts])
    assert result.candidate.score == score(refs, [u.candidate for u in utts])
    assert not result.same_hypotheses


def test_changed_most_orders_by_size_of_change() -> None:
    changed = compare(_utts()).changed_most(10)
    assert [(c.audio, c.change) for c in changed] == [("c.wav", 3), ("a.wav", 2), ("b.wav", -1)]
    assert compare(_utts()).changed_most(1)[0].audio == "c.wav"


def test_same_texts_are_aligned_once() -> None:
    utts = [Utterance("a.wav", "a b", "a c", "a c"), Utterance("b.wav", "x", "", "")]
    result = compare(utts)
    assert result.same_hypotheses
    assert result.changed_most(5) == []
    assert [(c.audio, c.candidate_errors) for c in result.most_errors(5)] == [
        ("a.wav", 1),
        ("b.wav", 1),
    ]
    sig = result.significance()
    assert sig.delta_points == 0.0 and not sig.significant


def test_confusions_per_model() -> None:
    result = compare(_utts())
    assert [(c.reference, c.hypothesis) for c in result.benchmark.confusions(1)] == [
        ("sharjah", "shar jah")
    ]
    assert [(c.reference, c.hypothesis) for c in result.candidate.confusions()] == [("", "down")]


def test_no_utterances() -> None:
    result = compare([])
    assert result.benchmark.score.sentences == 0
    assert result.changed_most(3) == []


def _best_of(runs: int, action: Callable[[], object]) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.timeout(120)
def test_full_scoring_costs_a_few_bare_jiwer_calls() -> None:
    utts = synthetic_corpus(10_000)
    refs = [u.reference for u in utts]
    hyps = [u.candidate for u in utts]
    bare = _best_of(2, lambda: jiwer.wer(refs, hyps))

    def full() -> None:
        result = compare(utts)
        result.significance()
        result.candidate.confusions()
        result.changed_most(25)

    ours = _best_of(2, full)
    # Two models aligned, 1,000 bootstrap resamples, confusions and ranking: measured
    # at about 2.7x one bare jiwer.wer (the two jiwer passes alone are about 2x);
    # 6x leaves room for a busy machine.
    assert ours < 6 * bare, f"scoring took {ours:.2f}s, bare jiwer.wer {bare:.2f}s"


def test_compare_restores_the_garbage_collector() -> None:
    utterances = [Utterance("a.wav", "the cat sat", "the cat sat", "a cat sat")]
    assert gc.isenabled()
    compare(utterances)
    assert gc.isenabled()
    gc.disable()
    try:
        compare(utterances)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_compare_leaves_the_garbage_collector_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    # Other threads of the process (the local service) share the collector's switches.
    def refuse() -> None:
        raise AssertionError("scoring must not switch the process-wide garbage collector")

    for name in ("disable", "enable", "freeze", "set_threshold"):
        monkeypatch.setattr(gc, name, refuse)
    compare(_utts())
