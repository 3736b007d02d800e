"""WAV makers for the data tests: real files via `wave`, odd headers via `struct`."""

from __future__ import annotations

import struct
import wave
from pathlib import Path

PCM = 1
FLOAT = 3
EXTENSIBLE = 0xFFFE


def write_wav(
    path: Path, seconds: float = 0.25, rate: int = 16000, channels: int = 1, width: int = 2
) -> Path:
    """A real PCM WAV written by the standard library (a quiet ramp, not silence)."""
    frames = int(seconds * rate)
    sample = bytes(range(width))  # any bytes will do; the content is never decoded
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(sample * channels * frames)
    return path


def wav_header(
    *,
    format_tag: int = PCM,
    channels: int = 1,
    rate: int = 16000,
    bits: int = 16,
    data_bytes: int = 0,
    extra_chunks: bytes = b"",
    subformat: int | None = None,
) -> bytes:
    """A RIFF header up to and including the data chunk header, built by hand."""
    block_align = channels * bits // 8
    fmt = struct.pack("<HHIIHH", format_tag, channels, rate, rate * block_align,
                      block_align, bits)
    if subformat is not None:  # WAVE_FORMAT_EXTENSIBLE: cbSize, valid bits, mask, GUID
        guid_tail = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"
        fmt += struct.pack("<HHI", 22, bits, 0x4) + struct.pack("<H", subformat) + guid_tail
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + extra_chunks
    body += b"data" + struct.pack("<I", data_bytes)
    return b"RIFF" + struct.pack("<I", len(body) + data_bytes) + body


def write_raw_wav(
    path: Path,
    data_bytes: int = 3200,
    *,
    format_tag: int = PCM,
    channels: int = 1,
    rate: int = 16000,
    bits: int = 16,
    subformat: int | None = None,
    extra_chunks: bytes = b"",
) -> Path:
    """A hand-made WAV: header plus `data_bytes` of zero samples."""
    header = wav_header(format_tag=format_tag, channels=channels, rate=rate, bits=bits,
                        data_bytes=data_bytes, subformat=subformat, extra_chunks=extra_chunks)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + bytes(data_bytes))
    return path


def write_sparse_wav(path: Path, seconds: float, rate: int = 16000) -> Path:
    """A long 16-bit mono WAV whose samples are a hole in the file: no disk, no time."""
    data_bytes = int(seconds * rate) * 2
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as out:
        out.write(wav_header(rate=rate, data_bytes=data_bytes))
        out.truncate(out.tell() + data_bytes)
    return path


def write_truncated_wav(path: Path) -> Path:
    """A WAV cut off inside its fmt chunk, as an interrupted copy leaves it."""
    path.write_bytes(wav_header(data_bytes=0)[:30])
    return path


def write_not_riff(path: Path) -> Path:
    """Something with a .wav name that is not a WAV (an MP3 frame header, here)."""
    path.write_bytes(b"\xff\xfb\x90\x64" + bytes(400))
    return path
