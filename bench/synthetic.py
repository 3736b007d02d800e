"""The synthetic test set (WAV files plus trans.txt) and the plain read it is compared with."""

from __future__ import annotations

import os
import struct
import time
from pathlib import Path

SAMPLE_RATE = 16_000
READ_CHUNK = 1 << 20  # what a careful plain reader would use; packaging streams too


def wav_header(data_bytes: int, sample_rate: int = SAMPLE_RATE) -> bytes:
    """A canonical 44-byte RIFF header: 16-bit PCM, mono."""
    return (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE"
            + b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, sample_rate, sample_rate * 2, 2, 16)
            + b"data" + struct.pack("<I", data_bytes))


def make_test_set(folder: Path, files: int, total_bytes: int) -> int:
    """Write `files` WAVs of equal size (about `total_bytes` in all) and their transcript.

    The samples are random bytes: incompressible, like real speech audio, and the packager
    stores audio without compression anyway. Returns the bytes written.
    """
    folder.mkdir(parents=True, exist_ok=True)
    samples = max(2, (total_bytes // files - 44) // 2 * 2)
    # One random block reused with a per-file prefix: every file differs (distinct content
    # hashes), and generating 1 GB does not dominate the run.
    block = os.urandom(samples)
    written = 0
    lines = []
    for index in range(files):
        name = f"utt{index:05d}.wav"
        payload = struct.pack("<I", index) + block[4:]
        (folder / name).write_bytes(wav_header(len(payload)) + payload)
        written += 44 + len(payload)
        lines.append(f"{name}\tsynthetic utterance number {index}\n")
    (folder / "trans.txt").write_text("".join(lines), encoding="utf-8")
    return written


def raw_read_seconds(folder: Path) -> tuple[float, int]:
    """Read every file of the folder once, in chunks, doing nothing with the bytes."""
    started = time.perf_counter()
    total = 0
    for path in sorted(folder.iterdir()):
        with path.open("rb") as stream:
            while chunk := stream.read(READ_CHUNK):
                total += len(chunk)
    return time.perf_counter() - started, total


def plain_copy_seconds(folder: Path, target: Path) -> float:
    """Read every file and append it to one output file: the least work any packager that
    writes its result to disk must do (a floor, measured on the same files)."""
    started = time.perf_counter()
    with target.open("wb") as out:
        for path in sorted(folder.iterdir()):
            with path.open("rb") as stream:
                while chunk := stream.read(READ_CHUNK):
                    out.write(chunk)
    seconds = time.perf_counter() - started
    target.unlink()
    return seconds
