"""Pairing references with both models' hypotheses by audio file name."""

from __future__ import annotations

from speech_action.scoring import Utterance, compare, pair_utterances, unmatched_hypotheses


def test_pairs_by_file_name_sorted() -> None:
    refs = {"b.wav": "two", "a.wav": "one"}
    hyps1 = {"a.wav": "won", "b.wav": "too"}
    hyps2 = {"b.wav": "two", "a.wav": "one"}
    assert pair_utterances(refs, hyps1, hyps2) == [
        Utterance("a.wav", "one", "won", "one"),
        Utterance("b.wav", "two", "too", "two"),
    ]


def test_missing_hypothesis_is_empty_so_all_deletions() -> None:
    utterances = pair_utterances({"a.wav": "three words here"}, {}, {"a.wav": "three words"})
    assert utterances == [Utterance("a.wav", "three words here", "", "three words")]
    result = compare(utterances)
    assert result.benchmark.score.deletions == 3
    assert result.candidate.score.deletions == 1


def test_hypotheses_keyed_by_url_or_path_match_by_file_name() -> None:
    hyps = {
        "https://acct.blob.core.windows.net/test/a%20b.wav?sv=2024&sig=x": "hello",
        "folder/c.wav": "see",
    }
    utterances = pair_utterances({"a b.wav": "hello", "c.wav": "see"}, hyps, hyps)
    assert [u.benchmark for u in utterances] == ["hello", "see"]


def test_exact_key_wins_over_file_name() -> None:
    hyps = {"x/a.wav": "path", "a.wav": "exact"}
    assert pair_utterances({"a.wav": "r"}, hyps, hyps)[0].benchmark == "exact"


def test_unmatched_hypotheses_are_reported() -> None:
    refs = {"a.wav": "x"}
    assert unmatched_hypotheses(refs, {"a.wav": "x", "z.wav": "y", "d/a.wav": "x"}) == ["z.wav"]


def test_no_references_no_utterances() -> None:
    assert pair_utterances({}, {"a.wav": "x"}, {}) == []
