"""Train a custom model from training_data/ and print base and custom WER on both test sets.

    python examples/sharjah/measure.py [--workers N] [--show]

The same recognizer the local engine uses (`PocketSphinxRecognizer`), the same
normalization and WER as the action's reports (`speech_action.scoring`). `--show`
prints every reference with both hypotheses.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from speech_action.local.recognition import TrainingText, read_transcripts
from speech_action.local.sphinx import PocketSphinxRecognizer
from speech_action.scoring import score

HERE = Path(__file__).resolve().parent
TEST_SETS = {"domain": "testing_data", "general": "general_testing_data"}


def training_text(training_dir: Path) -> TrainingText:
    """Related text from every *.txt but pronunciation.txt; pronunciations from that one."""
    sentences: list[str] = []
    pronunciations: list[tuple[str, str]] = []
    for path in sorted(training_dir.glob("*.txt")):
        lines = [line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines()]
        if path.name == "pronunciation.txt":
            pairs = (line.partition("\t") for line in lines if "\t" in line)
            pronunciations += [(display, spoken) for display, _, spoken in pairs]
        else:
            sentences += [line for line in lines if line]
    return TrainingText(sentences=sentences, pronunciations=pronunciations)


def measure(
    example: Path, recognizer: PocketSphinxRecognizer, model_dir: Path
) -> dict[str, dict[str, tuple[float, list[tuple[str, str]]]]]:
    """{set: {"base"/"custom": (WER in %, [(reference, hypothesis)])}} after training."""
    recognizer.build_model(training_text(example / "training_data"), model_dir)
    results: dict[str, dict[str, tuple[float, list[tuple[str, str]]]]] = {}
    for label, folder in TEST_SETS.items():
        transcripts = read_transcripts(example / folder)
        wavs = [example / folder / name for name in transcripts]
        references = list(transcripts.values())
        results[label] = {}
        for model, directory in (("base", None), ("custom", model_dir)):
            hypotheses = recognizer.recognize(directory, wavs)
            wer = 100 * score(references, hypotheses).wer
            results[label][model] = (wer, list(zip(references, hypotheses, strict=True)))
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=None, help="decoding processes")
    parser.add_argument("--show", action="store_true", help="print every hypothesis")
    args = parser.parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        results = measure(HERE, PocketSphinxRecognizer(workers=args.workers), Path(tmp))
    for label, models in results.items():
        print(
            f"{label:8} base WER {models['base'][0]:6.2f} %   custom WER "
            f"{models['custom'][0]:6.2f} %"
        )
        if args.show:
            pairs = zip(models["base"][1], models["custom"][1], strict=True)
            for (reference, base), (_, custom) in pairs:
                print(f"  REF {reference}\n  BAS {base}\n  CUS {custom}")
    print(f"train + decode: {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
