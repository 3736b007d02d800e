"""A synthetic scoring corpus: deterministic utterances with two models' errors."""

from __future__ import annotations

import random

from speech_action.scoring import Utterance


def synthetic_corpus(n: int) -> list[Utterance]:
    """`n` utterances of 3-25 words; the two models miss about 15 % and 10 % of words."""
    rng = random.Random(2024)
    vocab = [f"w{i}" for i in range(3000)]

    def noisy(words: list[str], rate: float) -> str:
        out = []
        for word in words:
            roll = rng.random()
            if roll < rate / 3:
                continue
            out.append(rng.choice(vocab) if roll < rate else word)
            if roll > 1 - rate / 3:
                out.append(rng.choice(vocab))
        return " ".join(out)

    utts = []
    for i in range(n):
        words = rng.choices(vocab, k=rng.randint(3, 25))
        utts.append(Utterance(f"{i}.wav", " ".join(words), noisy(words, 0.15), noisy(words, 0.1)))
    return utts
