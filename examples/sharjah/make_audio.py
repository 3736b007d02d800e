"""Synthesize the example's test audio from its transcripts with flite.

Run from anywhere: `python examples/sharjah/make_audio.py [--voice rms]`.
Needs the `flite` and `sox` commands (Debian packages `flite` and `sox`).

Every `<wav name><TAB><transcript>` line of `testing_data/trans.txt` and
`general_testing_data/trans.txt` becomes a 16 kHz mono 16-bit PCM WAV with half a second
of silence at each end. The transcripts stay in natural written form ("GoDrive"); what
flite is asked to say goes through SAY_AS first, because flite's letter-to-sound rules
read some names the way no speaker would (it drops the "k" of "Fakkan", it reads
"GoDrive" as "godriv"). The spoken forms mimic how a local speaker says the names.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEST_SETS = ("testing_data", "general_testing_data")

SAY_AS = {
    "GoDrive": "go drive",
    "Fakkan": "fack kan",
    "Ajman": "adge man",
    "Muwaileh": "moo way leh",
}


def spoken_text(transcript: str) -> str:
    """What flite is told to say for one transcript."""
    words = [SAY_AS.get(re.sub(r"\W", "", w), w) for w in transcript.split()]
    return " ".join(words)


def synthesize(text: str, out_wav: Path, voice: str) -> None:
    """flite -> temporary WAV -> sox: 16 kHz, mono, 16-bit, 0.5 s of silence each end."""
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "flite.wav"
        subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(raw)], check=True)
        subprocess.run(
            [
                "sox",
                str(raw),
                "-r",
                "16000",
                "-c",
                "1",
                "-b",
                "16",
                "-e",
                "signed-integer",
                str(out_wav),
                "pad",
                "0.5",
                "0.5",
            ],
            check=True,
        )


def read_transcripts(trans_file: Path) -> list[tuple[str, str]]:
    pairs = []
    for line in trans_file.read_text(encoding="utf-8-sig").splitlines():
        if line.strip():
            name, text = line.split("\t", 1)
            pairs.append((name, text))
    return pairs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voice", default="rms", help="flite voice (rms or kal16 work well)")
    args = parser.parse_args(argv)
    for folder in TEST_SETS:
        for name, text in read_transcripts(HERE / folder / "trans.txt"):
            synthesize(spoken_text(text), HERE / folder / name, args.voice)
            print(f"{folder}/{name}: {spoken_text(text)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
