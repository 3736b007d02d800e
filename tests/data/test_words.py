"""`has_words` (data) and `normalize` (scoring) agree on what a word is.

Data checks transcripts without importing scoring (both are leaves), so this test pins the
two against each other on every code point and on mixed strings."""

from __future__ import annotations

import unicodedata

import pytest

from speech_action.data.text import has_words
from speech_action.scoring import normalize


def test_every_assigned_code_point_is_a_word_in_both_or_in_neither() -> None:
    # Unassigned, private-use and surrogate code points (Cn, Co, Cs) are left out: neither
    # side treats them specially, and they are most of the range.
    assigned = (chr(code) for code in range(0x110000)
                if unicodedata.category(chr(code)) not in ("Cn", "Co", "Cs"))
    disagree = [hex(ord(char)) for char in assigned if has_words(char) != bool(normalize(char))]
    assert disagree == []


@pytest.mark.parametrize("text", [
    "", " ", "...", "?! -- ' «»", "don't", "'", "\u02bc", "\ufeff", "\u200b", "\uff01",
    "$", "a", "3", "\u0301", "\u00a0", "\u3000", "ŉ", "—", "(…)", "«¿?»",
])
def test_mixed_strings_agree(text: str) -> None:
    assert has_words(text) == bool(normalize(text))
