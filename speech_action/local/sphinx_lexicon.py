"""Words and pronunciations for the pocketsphinx recognizer (pure, no decoding).

Custom Speech pronunciation files pair a display form with a spoken form written in
ordinary letters (`Sharjah<TAB>shar jah`). pocketsphinx needs phones, so each token of the
spoken form becomes phones: from the bundled CMU dictionary when it knows the token, as
spelled-out letters when the token is a single letter ("G M C"), and otherwise from a
small set of English letter-to-sound rules. The rules are rough, but spoken forms are
written to be read aloud phonetically ("shar jah", "kas bah"), which is where they work.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from speech_action.errors import SpeechActionError

Lexicon = Mapping[str, Sequence[str]]  # word -> its pronunciations (ARPAbet phones)

_WORD_RE = re.compile(r"[^\W_]+(?:['_][^\W_]+)*")  # letters/digits, inner ' or _
_VOWELS = frozenset("aeiouy")

# Longest match first. Values are ARPAbet phones as used by the en-us acoustic model.
# fmt: off
_RULES: dict[str, str] = {
    "tch": "CH", "sch": "SH", "igh": "AY", "sh": "SH", "ch": "CH", "th": "TH", "ph": "F",
    "ng": "NG", "ck": "K", "kh": "K", "gh": "G", "qu": "K W", "wh": "W", "dh": "D", "ee": "IY",
    "ea": "IY", "ie": "IY", "oo": "UW", "ou": "AW", "ow": "OW", "oa": "OW", "oi": "OY",
    "oy": "OY", "au": "AO", "aw": "AO", "ai": "AY", "ay": "EY", "ei": "EY", "ey": "EY",
    "ue": "UW", "ar": "AA R", "or": "AO R", "er": "ER", "ir": "ER", "ur": "ER", "a": "AE",
    "b": "B", "c": "K", "d": "D", "e": "EH", "f": "F", "g": "G", "h": "HH", "i": "IH", "j": "JH",
    "k": "K", "l": "L", "m": "M", "n": "N", "o": "OW", "p": "P", "q": "K", "r": "R", "s": "S",
    "t": "T", "u": "UW", "v": "V", "w": "W", "x": "K S", "y": "Y", "z": "Z",
}
# fmt: on
_FINAL_RULES: dict[str, list[str]] = {
    "ah": ["AA", "AH"],
    "eh": ["EH", "AH"],
    "a": ["AH", "AA"],
    "y": ["IY"],
    "e": [""],
}
MAX_VARIANTS = 4


class PronunciationError(SpeechActionError):
    """A pronunciation entry cannot be turned into phones."""


def read_dictionary(path: Path) -> dict[str, list[str]]:
    """The pronunciations of each word of a CMU-style dictionary file ("word(2)" lines
    are the second pronunciation of "word"), in file order."""
    lexicon: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, phones = line.partition(" ")
        if phones.strip():
            lexicon.setdefault(word.partition("(")[0], []).append(phones.strip())
    return lexicon


def dictionary_word(display: str) -> str:
    """The recognizer's word for a display form: lower case, words joined by '_'."""
    return "_".join(tokens(display))


def tokens(text: str) -> list[str]:
    """Lower-case lexical tokens of a sentence (punctuation dropped, apostrophes kept)."""
    return _WORD_RE.findall(text.lower().replace("\u2019", "'"))


def letters_to_phones(token: str) -> list[str]:
    """Rough English letter-to-sound for a token the dictionary does not know.

    Returns up to MAX_VARIANTS pronunciations, the most likely first: a written ending
    like "ah" or "a" is sometimes a full vowel, sometimes a schwa ("Sharjah").
    """
    choices: list[list[str]] = []
    i = 0
    while i < len(token):
        rest = token[i:]
        if i > 0 and rest in _FINAL_RULES:
            choices.append(_FINAL_RULES[rest])
            break
        match = next((r for r in (rest[:3], rest[:2], rest[:1]) if r in _RULES), None)
        if match is None:  # a digit or a letter outside a-z: no sound to guess
            i += 1
            continue
        if len(match) == 1 and i > 0 and token[i - 1] == match and match not in _VOWELS:
            i += 1  # a doubled consonant is one sound: "fakkan"
            continue
        choices.append([_RULES[match]])
        i += len(match)
    return _combine(choices)


def _combine(choices: list[list[str]]) -> list[str]:
    """Variants as the product of per-part choices, first choices first, capped."""
    variants = [""]
    for options in choices:
        variants = [f"{v} {o}".strip() for v in variants for o in options][:MAX_VARIANTS]
    return [" ".join(v.split()) for v in variants]


def spoken_to_phones(spoken: str, lexicon: Lexicon, *, where: str) -> list[str]:
    """Pronunciation variants for a spoken form; `where` names the entry in errors."""
    words = tokens(spoken)
    if not words:
        raise PronunciationError(
            f"{where}: the spoken form {spoken!r} has no letters; write how the word "
            "sounds, e.g. 'shar jah'"
        )
    choices = []
    for word in words:
        known = lexicon.get(word)
        if len(word) == 1 and word.isalpha():
            known = lexicon.get(f"{word}.", known)  # a letter said by name: "a." is EY
        # The first, most common pronunciation of a known word: the dictionary's
        # variants of short syllables are often abbreviations ("ba" is also B IY EY).
        choices.append([known[0]] if known else letters_to_phones(word))
    variants = _combine(choices)
    if not variants[0]:
        raise PronunciationError(
            f"{where}: no sounds could be read from the spoken form {spoken!r}; spell it "
            "with the letters a-z as it sounds, e.g. 'shar jah'"
        )
    return variants


def guess_pronunciations(word: str) -> list[str]:
    """Letter-to-sound variants for a word of the related text that no dictionary knows.

    Only plain words get a guess; tokens with digits ("a320") are left out, as the
    decoder leaves out language-model words it has no pronunciation for.
    """
    letters = word.replace("'", "")
    return letters_to_phones(letters) if letters.isalpha() and letters.isascii() else []


def merge_phrases(words: Sequence[str], phrases: Iterable[str]) -> list[str]:
    """Join each run of words that spells a multi-word display form into its word.

    ("khor", "fakkan") becomes "khor_fakkan" when "Khor Fakkan" has a pronunciation,
    so the language model learns the phrase as the single word the dictionary knows.
    """
    by_first: dict[str, list[list[str]]] = {}
    for phrase in sorted(set(phrases), key=lambda p: (-p.count("_"), p)):
        parts = phrase.split("_")
        if len(parts) > 1:
            by_first.setdefault(parts[0], []).append(parts)
    merged: list[str] = []
    i = 0
    while i < len(words):
        run = next(
            (p for p in by_first.get(words[i], []) if list(words[i : i + len(p)]) == p), None
        )
        merged.append("_".join(run) if run else words[i])
        i += len(run) if run else 1
    return merged


def new_words(pronunciations: Iterable[tuple[str, str]], lexicon: Lexicon) -> dict[str, list[str]]:
    """Dictionary entries (word -> pronunciation variants) for the entries, in input order.

    A later entry for the same display form wins, as in the service.
    """
    entries: dict[str, list[str]] = {}
    for number, (display, spoken) in enumerate(pronunciations, start=1):
        word = dictionary_word(display)
        if not word:
            raise PronunciationError(
                f"pronunciation entry {number}: the display form {display!r} has no "
                "letters or digits; give the written word, e.g. 'Sharjah'"
            )
        entries[word] = spoken_to_phones(
            spoken, lexicon, where=f"pronunciation entry {number} ({display!r})"
        )
    return entries
