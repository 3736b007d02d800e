"""Normalization vectors: every rule of NORMALIZER_NAME pinned."""

from __future__ import annotations

import pytest

from speech_action.scoring import NORMALIZER_NAME, normalize

_PERSIAN_WITH_ZWNJ = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello, World!", "hello world"),
        ("HELLO", "hello"),
        ("Don't stop", "dont stop"),
        ("Don\u2019t stop", "dont stop"),
        ("rock 'n' roll", "rock n roll"),
        ("well-known", "well known"),
        ('"Sharjah" (UAE).', "sharjah uae"),
        ("AT&T", "at t"),
        ("50% off", "50 off"),
        ("costs $5 + tax", "costs $5 + tax"),
        ("\uff26\uff35\uff2c\uff2c width", "full width"),
        ("Stra\u00dfe", "strasse"),
        ("\u00bfQu\u00e9 tal?", "qu\u00e9 tal"),
        ("e\u0301", "\u00e9"),  # NFKC composes
        ("\u0928\u092e\u0938\u094d\u0924\u0947", "\u0928\u092e\u0938\u094d\u0924\u0947"),
        ("a\tb\n c\u00a0 d", "a b c d"),
        ("  leading and trailing  ", "leading and trailing"),
        ("", ""),
        (" ... ", ""),
        ("\u00abbonjour\u00bb", "bonjour"),
        ("\ufeffHello", "hello"),
        ("\u0e2a\u0e27\u0e31\u0e2a\u200b\u0e14\u0e35", "\u0e2a\u0e27\u0e31\u0e2a \u0e14\u0e35"),
        (
            "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
            "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645",
        ),
    ],
)
def test_vectors(text: str, expected: str) -> None:
    assert normalize(text) == expected


def test_idempotent() -> None:
    text = "It's a well-known FACT: \u00abshar-jah\u00bb!"
    assert normalize(normalize(text)) == normalize(text)


def test_name_is_versioned() -> None:
    assert NORMALIZER_NAME == "nfkc-casefold-nopunct-v1"
