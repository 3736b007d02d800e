"""Scale: a 1,000-file test set and a 100,000-line related text go through discovery,
validation, hashing and packaging with flat memory (files are streamed, never held whole).

Peak memory is measured with tracemalloc around the data pipeline only; the bound is
generous on purpose (about 3 MiB is typical) but below half the ~22 MB of input, so holding
the data whole would fail it; there are no timing asserts.
"""

from __future__ import annotations

import tracemalloc
import zipfile
from pathlib import Path

from speech_action.data import (
    DataLayout,
    DatasetKind,
    content_hash,
    discover_test_data,
    discover_training_data,
    package_dataset,
    validate,
)
from tests.data.wavs import write_wav

AUDIO_FILES = 1_000
TEXT_LINES = 100_000
PEAK_LIMIT_BYTES = 50 * 1024 * 1024
WAV_SECONDS = 0.5  # 16 kB each: 16 MB of audio in all


def _build_workspace(root: Path) -> None:
    testing = root / "testing_data"
    template = write_wav(root / "template.wav", seconds=WAV_SECONDS).read_bytes()
    testing.mkdir(parents=True)
    lines = []
    for number in range(AUDIO_FILES):
        name = f"utt{number:04d}.wav"
        (testing / name).write_bytes(template)
        lines.append(f"{name}\tutterance number {number} about cars in sharjah\n")
    (testing / "trans.txt").write_text("".join(lines), encoding="utf-8")
    training = root / "training_data"
    training.mkdir()
    with (training / "plain_text.txt").open("w", encoding="utf-8") as text:
        for number in range(TEXT_LINES):
            text.write(f"sentence {number} rent a car from godrive near the corniche\n")
    (root / "template.wav").unlink()


def test_large_data_goes_through_with_flat_memory(tmp_path: Path) -> None:
    workspace = tmp_path / "repo"
    _build_workspace(workspace)
    input_bytes = sum(p.stat().st_size for p in workspace.rglob("*") if p.is_file())
    assert input_bytes > 20 * 1024 * 1024  # so that holding it whole would show

    tracemalloc.start()
    try:
        layout = DataLayout()
        test_set = discover_test_data(workspace, layout)
        training = discover_training_data(workspace, layout)
        validate([test_set, *training])
        hashes = [content_hash(d) for d in (test_set, *training)]
        packages = [package_dataset(d, tmp_path) for d in (test_set, *training)]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    # Flat: well under the absolute bound, and under half of the data it went through.
    assert peak < min(PEAK_LIMIT_BYTES, input_bytes // 2), f"peak {peak / 2**20:.1f} MiB"
    assert len(test_set.files) == AUDIO_FILES
    assert [d.kind for d in training] == [DatasetKind.LANGUAGE]
    assert [p.content_hash for p in packages] == hashes
    audio, text = packages
    with zipfile.ZipFile(audio.path) as archive:
        assert len(archive.namelist()) == AUDIO_FILES + 1  # the audio and one transcript
    assert text.path.read_bytes().count(b"\n") == TEXT_LINES
    for package in packages:
        package.path.unlink()
