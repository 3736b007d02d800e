"""Alignment: exact renderings, layout of error regions, wrapping, and confusions."""

from __future__ import annotations

from speech_action.scoring import (
    Column,
    Confusion,
    Edit,
    align,
    render_alignment,
    top_confusions,
)
from speech_action.scoring.alignment import confusion_counts, display_width


def _one(reference: str, hypothesis: str) -> str:
    return render_alignment(align([reference], [hypothesis])[0])


def test_substitution_insertion_and_substitution() -> None:
    assert _one("the cat sat on the mat", "the cat sit down on a mat") == (
        "REF: the cat sat **** on the mat\n"
        "HYP: the cat sit down on a   mat\n"
        "             S   I       S"
    )


def test_split_word_reads_as_substitution_then_insertion() -> None:
    assert _one("we flew to sharjah today", "we flew to shar jah today") == (
        "REF: we flew to sharjah *** today\n"
        "HYP: we flew to shar    jah today\n"
        "                S       I"
    )


def test_deletions_in_the_middle() -> None:
    assert _one("x y z w", "x w") == "REF: x y z w\nHYP: x * * w\n       D D"


def test_empty_hypothesis_is_all_deletions() -> None:
    assert _one("a b", "") == "REF: a b\nHYP: * *\n     D D"


def test_empty_reference_is_all_insertions() -> None:
    assert _one("", "uh huh") == "REF: ** ***\nHYP: uh huh\n     I  I"


def test_both_empty() -> None:
    assert _one("", "") == "REF:\nHYP:"


def test_no_error_has_no_marker_line() -> None:
    assert _one("all good", "all good") == "REF: all good\nHYP: all good"


def test_joined_words_pair_with_the_most_similar_word() -> None:
    # "newyork" looks more like "york" (7 of 11 letters shared) than like "new" (6 of 10)
    assert _one("new york city", "newyork city") == (
        "REF: new york    city\nHYP: *** newyork city\n     D   S"
    )


def test_long_utterances_wrap_into_blocks() -> None:
    words = " ".join(f"word{i:02d}" for i in range(30))
    rendered = _one(words, words.replace("word15", "bird15"))
    blocks = rendered.split("\n\n")
    assert len(blocks) == 3
    assert all(len(line) <= 100 for line in rendered.splitlines())
    assert "S" in blocks[1].splitlines()[2]
    assert blocks[0].startswith("REF: word00 word01")


def test_wide_characters_keep_columns_aligned() -> None:
    assert display_width("\u6771\u4eac") == 4
    assert display_width("e\u0301") == 1
    rendered = _one("\u6771\u4eac x", "\u4eac\u90fd x")
    ref, hyp, marks = rendered.splitlines()
    assert ref == "REF: \u6771\u4eac x"
    assert hyp == "HYP: \u4eac\u90fd x"
    assert marks == "     S"


def test_columns_and_edits() -> None:
    alignment = align(["a b c"], ["a x c d"])[0]
    assert list(alignment.columns()) == [
        Column("equal", "a", "a"),
        Column("substitute", "b", "x"),
        Column("equal", "c", "c"),
        Column("insert", "", "d"),
    ]
    assert alignment.edits == (
        Edit("equal", 0, 1, 0, 1),
        Edit("substitute", 1, 2, 1, 2),
        Edit("equal", 2, 3, 2, 3),
        Edit("insert", 3, 3, 3, 4),
    )
    assert (alignment.counts.substitutions, alignment.counts.insertions) == (1, 1)


def test_align_nothing() -> None:
    assert align([], []) == []


def test_confusions_count_error_regions() -> None:
    refs = [
        "we flew to sharjah",
        "sharjah is hot",
        "the sharjah airport",
        "the cat",
        "a b",
    ]
    hyps = ["we flew to shar jah", "shar jah is hot", "the sharjah airport", "a cat", "a b c"]
    top = top_confusions(align(refs, hyps), limit=3)
    assert top == [
        Confusion("sharjah", "shar jah", 2),
        Confusion("", "c", 1),
        Confusion("the", "a", 1),
    ]
    counts = confusion_counts(align(refs, hyps))
    assert counts["sharjah", "shar jah"] == 2
    assert sum(counts.values()) == 4


def test_confusions_of_deletions_have_empty_hypothesis() -> None:
    assert top_confusions(align(["one two three"], ["one"])) == [Confusion("two three", "", 1)]


def test_context_collapses_long_correct_stretches() -> None:
    ref = " ".join(f"w{i}" for i in range(60))
    hyp = ref.replace("w30 ", "x30 ").replace(" w59", "")
    alignment = align([ref], [hyp])[0]
    assert render_alignment(alignment, context=3) == (
        "REF: \u2026 w27 w28 w29 w30 w31 w32 w33 \u2026 w56 w57 w58 w59\n"
        "HYP: \u2026 w27 w28 w29 x30 w31 w32 w33 \u2026 w56 w57 w58 ***\n"
        "                   S                             D"
    )


def test_context_keeps_short_stretches_and_shows_the_start_of_a_correct_text() -> None:
    assert render_alignment(align(["a b c d"], ["a x c d"])[0], context=1) == (
        "REF: a b c d\nHYP: a x c d\n       S"
    )
    correct = align(["a b c d e f g h i"], ["a b c d e f g h i"])[0]
    assert render_alignment(correct, context=2) == "REF: a b c d e \u2026\nHYP: a b c d e \u2026"


def test_remaining_word_goes_under_the_most_similar_word() -> None:
    assert _one("one two three", "tree") == (
        "REF: one two three\nHYP: *** *** tree\n     D   D   S"
    )
    assert _one("x", "a b x2 c") == "REF: * * x  *\nHYP: a b x2 c\n     I I S  I"


def test_dissimilar_words_fill_from_the_start() -> None:
    assert _one("a b c d e", "z") == "REF: a b c d e\nHYP: z * * * *\n     S D D D D"
