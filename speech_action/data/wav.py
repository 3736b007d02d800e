"""WAV header reading and the service's audio format rules.

Only the RIFF header chunks are read (and the file size used for the duration), never
the samples, so checking a thousand files costs a thousand small reads.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import IO

FORMAT_PCM = 0x0001
FORMAT_FLOAT = 0x0003
FORMAT_EXTENSIBLE = 0xFFFE
_FORMAT_NAMES = {
    FORMAT_FLOAT: "floating-point",
    0x0002: "ADPCM",
    0x0006: "A-law",
    0x0007: "mu-law",
    0x0011: "IMA ADPCM",
    0x0055: "MP3",
}
ACCEPTED_RATES = (8000, 16000)
CONVERT_HINT = (
    "convert it to 16 kHz, 16-bit PCM, mono WAV "
    "(e.g. `ffmpeg -i in.wav -ac 1 -ar 16000 -c:a pcm_s16le out.wav`)"
)
#: A `fmt ` chunk is 16, 18 or 40 bytes; anything near this is not a WAV format chunk.
MAX_FMT_BYTES = 1024
#: Real WAVs have a handful of chunks (fmt, fact, LIST, bext, JUNK) before the data.
MAX_CHUNKS = 1000
# Streaming writers leave the RIFF/data sizes at 0 or 0xFFFFFFFF until the end.
_UNKNOWN_SIZES = (0, 0xFFFFFFFF)


class WavHeaderError(ValueError):
    """The file is not a readable RIFF WAV; the message says why (for the user)."""


@dataclass(frozen=True)
class WavInfo:
    """What the header says about the audio."""

    format_tag: int
    channels: int
    sample_rate: int
    bits_per_sample: int
    block_align: int
    data_bytes: int

    @property
    def seconds(self) -> float:
        """Duration from the data size; 0 when the header gives no usable byte rate."""
        byte_rate = self.sample_rate * self.block_align
        return self.data_bytes / byte_rate if byte_rate else 0.0


def read_wav_header(stream: IO[bytes], file_size: int) -> WavInfo:
    """Walk the RIFF chunks up to the `data` chunk header; raise `WavHeaderError`.

    Reads are bounded whatever the header claims: a chunk must fit in the file, the
    `fmt ` chunk in `MAX_FMT_BYTES`, and the `data` chunk must come within `MAX_CHUNKS`.
    """
    riff = stream.read(12)
    _check_riff(riff)
    position = 12
    fmt: tuple[int, int, int, int, int] | None = None
    for _ in range(MAX_CHUNKS):
        header = stream.read(8)
        if len(header) < 8:
            raise WavHeaderError(_truncated(fmt is None))
        chunk_id, size = header[:4], struct.unpack("<I", header[4:])[0]
        position += 8
        if chunk_id == b"data":
            if fmt is None:
                raise WavHeaderError(
                    "the WAV header has its data before its fmt chunk; "
                    "re-export the file with a standard audio tool"
                )
            return _info(fmt, size, file_size - position)
        _check_chunk_size(chunk_id, size, file_size - position)
        if chunk_id == b"fmt ":
            fmt = _parse_fmt(stream.read(size))
        else:
            stream.seek(size, 1)
        position += size
        if size % 2:  # RIFF chunks are padded to an even size
            stream.seek(1, 1)
            position += 1
    raise WavHeaderError(
        f"the WAV header has more than {MAX_CHUNKS:,} chunks before its data chunk; "
        f"the file is damaged or not audio: {CONVERT_HINT}"
    )


def _check_chunk_size(chunk_id: bytes, size: int, left: int) -> None:
    """A chunk claiming more than the file holds, or a huge `fmt `, is a damaged header."""
    name = _chunk_name(chunk_id)
    if size > left:
        raise WavHeaderError(
            f"truncated WAV header: its {name} chunk claims {size:,} bytes, but only "
            f"{max(left, 0):,} follow in the file; the file is damaged or incompletely "
            "copied: export or copy it again"
        )
    if chunk_id == b"fmt " and size > MAX_FMT_BYTES:
        raise WavHeaderError(
            f"the WAV header's fmt chunk claims {size:,} bytes, and a format chunk holds at "
            f"most {MAX_FMT_BYTES:,}; the header is damaged: {CONVERT_HINT}"
        )


def _chunk_name(chunk_id: bytes) -> str:
    """The chunk id for a message: quoted when printable ASCII, else its hex bytes."""
    if all(0x20 <= byte < 0x7F for byte in chunk_id):
        return f"'{chunk_id.decode('ascii')}'"
    return f"0x{chunk_id.hex()}"


def _check_riff(riff: bytes) -> None:
    if not riff:
        raise WavHeaderError("the file is empty; add the audio or remove the file")
    if riff[:4] in (b"RF64", b"RIFX"):
        raise WavHeaderError(
            f"the file is a {riff[:4].decode()} WAV, not a RIFF WAV; {CONVERT_HINT}"
        )
    if len(riff) < 12 and b"RIFF".startswith(riff[:4]):
        raise WavHeaderError(_truncated(True))
    if riff[:4] != b"RIFF" or riff[8:12] != b"WAVE":
        raise WavHeaderError(f"not a RIFF WAV file (it does not start with RIFF....WAVE); "
                             f"{CONVERT_HINT}")


def _truncated(before_fmt: bool) -> str:
    missing = "fmt chunk" if before_fmt else "data chunk"
    return (
        f"truncated WAV header: the file ends before its {missing}; "
        "the file is damaged or incompletely copied: export or copy it again"
    )


def _parse_fmt(body: bytes) -> tuple[int, int, int, int, int]:
    if len(body) < 16:
        raise WavHeaderError(_truncated(True))
    tag, channels, rate, _byte_rate, block_align, bits = struct.unpack("<HHIIHH", body[:16])
    if tag == FORMAT_EXTENSIBLE and len(body) >= 26:
        # WAVE_FORMAT_EXTENSIBLE keeps the real format in the first two bytes of its
        # sub-format GUID.
        tag = struct.unpack("<H", body[24:26])[0]
    return tag, channels, rate, block_align, bits


def _info(fmt: tuple[int, int, int, int, int], declared: int, available: int) -> WavInfo:
    tag, channels, rate, block_align, bits = fmt
    available = max(available, 0)
    data_bytes = available if declared in _UNKNOWN_SIZES else min(declared, available)
    return WavInfo(tag, channels, rate, bits, block_align, data_bytes)


def format_problems(info: WavInfo) -> list[str]:
    """What about the format the service does not accept, naming the actual values."""
    wrong: list[str] = []
    if info.format_tag != FORMAT_PCM:
        name = _FORMAT_NAMES.get(info.format_tag, f"format tag {info.format_tag:#06x}")
        wrong.append(f"{info.bits_per_sample}-bit {name} audio, not PCM")
    elif info.bits_per_sample != 16:
        wrong.append(f"{info.bits_per_sample}-bit PCM, not 16-bit")
    if info.channels != 1:
        layout = "stereo" if info.channels == 2 else "multichannel"
        wrong.append(f"{layout} ({info.channels} channels), not mono")
    if info.sample_rate not in ACCEPTED_RATES:
        wrong.append(f"sampled at {info.sample_rate:,} Hz, not 8,000 or 16,000 Hz")
    return wrong


def describe_format_problems(info: WavInfo) -> str | None:
    """One user message for a wrong format, or None when the format is accepted."""
    wrong = format_problems(info)
    if not wrong:
        return None
    return f"unsupported audio format: {'; '.join(wrong)}; {CONVERT_HINT}"
