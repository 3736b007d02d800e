"""The one text normalization applied to references and hypotheses before scoring.

`NORMALIZER_NAME` identifies it in every report and record, so WERs computed with a
different normalization are never compared silently. Change the rules only together
with the name (bump the version suffix).

Rules of `nfkc-casefold-nopunct-v1`, in order:

1. Unicode NFKC (full-width forms, ligatures and compatibility characters fold to
   their plain form: full-width "FULL" (U+FF26...) -> "full").
2. Case folding (`str.casefold`: "Straße" -> "strasse", "HELLO" -> "hello").
3. Apostrophes (U+0027, U+2018, U+2019, U+02BC) are dropped, so "don't" and "dont"
   are the same word.
4. Every other Unicode punctuation character (general category `P*`: . , ; : ! ? " -
   ( ) [ ] « » & % @ # ...) becomes a space, so "well-known" is two words and "AT&T"
   is "at t". Symbols (categories `S*`: $ + = © ...) and combining marks (the vowel
   signs of Indic scripts) are kept: they are part of words.
5. Byte order marks (U+FEFF) are dropped; zero-width spaces (U+200B) separate words.
6. Whitespace of any kind collapses to one space; leading/trailing space is removed.
"""

from __future__ import annotations

import unicodedata

__all__ = ["NORMALIZER_NAME", "normalize"]

NORMALIZER_NAME = "nfkc-casefold-nopunct-v1"

_DROPPED = frozenset("'\u2019\u2018\u02bc\ufeff")  # apostrophes, byte order mark
_SEPARATORS = frozenset("\u200b")


class _PunctuationTable(dict[int, str | None]):
    """A `str.translate` table filled on demand.

    Building a table over all of Unicode up front costs about a second; looking each
    new code point up once and remembering it keeps `normalize` fast from the first call.
    """

    def __missing__(self, codepoint: int) -> str | None:
        char = chr(codepoint)
        value: str | None
        if char in _DROPPED:
            value = None
        elif char in _SEPARATORS or unicodedata.category(char).startswith("P"):
            value = " "
        else:
            value = char
        self[codepoint] = value
        return value


_TABLE = _PunctuationTable()


def normalize(text: str) -> str:
    """Normalize `text` with the rules of `NORMALIZER_NAME` (see the module docstring)."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(folded.translate(_TABLE).split())
