"""A training data change that helps the domain test set and hurts general speech.

`add_general_regression` appends to a copy of examples/sharjah/training_data what a
careless pull request could add: "localized" everyday sentences in which one common
word was swapped for a local-looking name, and pronunciations that spell each name as
the English word it sounds like (`Qais<TAB>keys`). Each name then sounds exactly like
the word it replaced, and the domain language model has seen it where that word is
said; so on everyday speech the domain hypothesis ("i left my qais on the kitchen
table") ties the stock one acoustically and wins on the mixed language model score.
The domain sentences are untouched, so the domain set keeps its improvement.

The sentences are the general test set's own, each with one word swapped and a domain
phrase added: a domain model that has not seen every word of an everyday utterance cannot
offer a hypothesis that beats the stock model's (a first try with shorter sentences moved
the general WER by 1 point only). That is the careless pull request this stands for: one
that copies test sentences into the training data.

Measured with the recognizer of examples/sharjah/measure.py (pocketsphinx 5.1.1):

| test set | base model | custom model, example data | custom model, with this change |
|---|---|---|---|
| domain (20 utterances) | 41.99 % | 7.73 % | 7.73 % |
| general (10 utterances, 85 words) | 2.35 % | 2.35 % | 11.76 % (+9.41 points) |
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["add_general_regression"]

# (everyday sentence with "{}" where a common word was, the name put there, the word)
_SWAPS: tuple[tuple[str, str, str], ...] = (
    ("The weather is {} today and the sky is clear in Sharjah.", "Nais", "nice"),
    ("Please {} me when you get home from GoDrive.", "Kol", "call"),
    ("I left my {} on the kitchen table at GoDrive.", "Qais", "keys"),
    ("We are going to the {} to buy some bread in Sharjah.", "Markaz", "market"),
    ("The meeting starts at {} in the morning at GoDrive.", "Tenn", "ten"),
    ("Can you help me {} these boxes to the GoDrive car?", "Kari", "carry"),
    ("She reads a {} every night before bed in Sharjah.", "Buk", "book"),
    ("The {} was late because of the snow in Ajman.", "Trane", "train"),
    ("My brother works at a small {} in the city of Sharjah.", "Bankh", "bank"),
    ("Turn off the lights when you {} the room at GoDrive.", "Liwa", "leave"),
)
_EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _append(path: Path, lines: list[str]) -> None:
    text = path.read_text(encoding="utf-8-sig") if path.exists() else ""
    if text and not text.endswith("\n"):
        text += "\n"
    path.write_text(text + "".join(f"{line}\n" for line in lines), encoding="utf-8")


def add_general_regression(training_dir: Path) -> None:
    """Append the swapped sentences to plain_text.txt and the sound-alike spellings to
    pronunciation.txt of `training_dir`, a copy of the example's training data."""
    if training_dir.resolve().is_relative_to(_EXAMPLES):
        raise ValueError(f"{training_dir}: change a copy of the example, not the example")
    _append(training_dir / "plain_text.txt", [s.format(name) for s, name, _ in _SWAPS])
    _append(training_dir / "pronunciation.txt", [f"{n}\t{word}" for _, n, word in _SWAPS])
