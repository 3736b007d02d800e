"""The WAV header reader on real and hand-made headers."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest

from speech_action.data.wav import (
    WavHeaderError,
    WavInfo,
    describe_format_problems,
    read_wav_header,
)
from tests.data.wavs import EXTENSIBLE, FLOAT, PCM, wav_header, write_wav


def _read(data: bytes) -> WavInfo:
    return read_wav_header(io.BytesIO(data), len(data))


def test_a_wav_written_by_the_wave_module(tmp_path: Path) -> None:
    path = write_wav(tmp_path / "a.wav", seconds=1.5, rate=8000)

    with path.open("rb") as stream:
        info = read_wav_header(stream, path.stat().st_size)

    assert info == WavInfo(PCM, 1, 8000, 16, 2, 24000)
    assert info.seconds == 1.5
    assert describe_format_problems(info) is None


def test_chunks_before_fmt_and_odd_sizes_are_skipped() -> None:
    extra = b"LIST" + struct.pack("<I", 5) + b"INFOx" + b"\x00"  # odd size, padded
    data = wav_header(data_bytes=32000, extra_chunks=extra) + bytes(32000)

    assert _read(data).seconds == 1.0


def test_duration_uses_the_file_size_when_the_header_overstates_it() -> None:
    data = wav_header(data_bytes=3_200_000) + bytes(16000)  # a cut-off copy

    assert _read(data).seconds == 0.5


@pytest.mark.parametrize("declared", [0, 0xFFFFFFFF])
def test_streaming_sizes_fall_back_to_the_file_size(declared: int) -> None:
    header = wav_header(data_bytes=0)[:-4] + struct.pack("<I", declared)

    assert _read(header + bytes(64000)).seconds == 2.0


def test_extensible_subformat_decides() -> None:
    pcm = _read(wav_header(format_tag=EXTENSIBLE, subformat=PCM) + bytes(10))
    floating = _read(wav_header(format_tag=EXTENSIBLE, subformat=FLOAT, bits=32))

    assert describe_format_problems(pcm) is None
    assert "32-bit floating-point" in (describe_format_problems(floating) or "")


def test_every_wrong_property_is_named_in_one_message() -> None:
    info = _read(wav_header(channels=2, rate=44100, bits=24))

    message = describe_format_problems(info) or ""

    assert "24-bit PCM, not 16-bit" in message
    assert "stereo (2 channels), not mono" in message
    assert "sampled at 44,100 Hz" in message
    assert "ffmpeg" in message


@pytest.mark.parametrize(("data", "phrase"), [
    (b"", "the file is empty"),
    (b"RIF", "truncated WAV header"),
    (b"RIFF\x00\x00\x00\x00WAVE", "ends before its fmt chunk"),
    (wav_header()[:-8], "ends before its data chunk"),
    (b"RIFF" + bytes(4) + b"WAVEdata" + bytes(4), "data before its fmt chunk"),
    (b"RF64" + bytes(40), "RF64 WAV, not a RIFF WAV"),
    (b"ID3\x03" + bytes(40), "not a RIFF WAV file"),
    (b"RIFF" + bytes(4) + b"AVI LIST", "not a RIFF WAV file"),
])
def test_unreadable_headers(data: bytes, phrase: str) -> None:
    with pytest.raises(WavHeaderError, match=phrase):
        _read(data)
