"""The domain language model: an ARPA trigram model built from related text.

pocketsphinx ships a simple ARPA builder (`pocketsphinx.lm.ArpaBoLM`: fixed discount
mass, back-off weights, sorted output), which is all a few hundred domain sentences
need. This module feeds it normalized sentences and returns the ARPA text, so the
model is a pure function of the training text: same sentences, same bytes.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from pocketsphinx.lm import ArpaBoLM

from speech_action.errors import SpeechActionError

# Share of probability mass given to unseen continuations. A small domain corpus sees
# few of the word sequences people actually say, so back off generously.
DISCOUNT_MASS = 0.5


class LanguageModelError(SpeechActionError):
    """The domain language model could not be built."""


def build_arpa(sentences: Iterable[Sequence[str]], *, discount_mass: float = DISCOUNT_MASS) -> str:
    """ARPA text of a trigram model of the tokenized sentences (with <s> and </s>)."""
    lines = [" ".join(words) for words in sentences if words]
    if not lines:
        raise LanguageModelError(
            "the related text has no words, so there is nothing to build a language model "
            "from; add sentences to the training data's plain text files"
        )
    builder = ArpaBoLM(text="\n".join(lines), add_start=True, discount_mass=discount_mass)
    builder.compute()
    out = io.StringIO()
    builder.write(out)
    return out.getvalue()


def arpa_vocabulary(arpa: str) -> list[str]:
    """The words of an ARPA model's unigram section, in file order."""
    words: list[str] = []
    in_unigrams = False
    for line in arpa.splitlines():
        if line.startswith("\\"):
            in_unigrams = line.strip() == "\\1-grams:"
            continue
        fields = line.split()
        if in_unigrams and len(fields) >= 2:
            words.append(fields[1])
    return words
