"""The pocketsphinx decoders of one model, loaded once per worker, transcribing WAV files.

Base model: the stock US English model of the pocketsphinx wheel. Custom model: the
model's words added to the dictionary (and so, with a small unigram probability, to the
base language model), plus a search with the domain language model; each utterance is
decoded with both and the better hypothesis under the mixture of both models wins (see
`sphinx_rescore`).
"""

from __future__ import annotations

import wave
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pocketsphinx import Decoder, get_model_path

from speech_action.errors import SpeechActionError
from speech_action.local.sphinx_rescore import Candidate, best_candidate

SAMPLE_RATE = 16000
# pocketsphinx keeps search scores in log units shifted right by SENSCR_SHIFT (10 bits).
_SCORE_SHIFT = 10
_MIN_AUDIO_BYTES = 2 * 410  # one 25.625 ms analysis window of 16-bit samples at 16 kHz


class AudioFormatError(SpeechActionError):
    """A WAV file is not audio the recognizer can decode."""


def decoder_options() -> dict[str, Any]:
    """The stock US English model and decoder settings shared by every decoder."""
    return {
        "hmm": get_model_path("en-us/en-us"),
        "lm": get_model_path("en-us/en-us.lm.bin"),
        "dict": get_model_path("en-us/cmudict-en-us.dict"),
        "loglevel": "FATAL",
        # Normalize each file by its own cepstral mean: the result of a file must not
        # depend on which files the same process decoded before it.
        "cmn": "batch",
        # The flat-lexicon second pass costs a third of the decoding time and moved the
        # WER of examples/sharjah by one word; the tree pass + lattice best path stay.
        "fwdflat": False,
    }


def read_pcm16(path: Path) -> bytes:
    """16 kHz mono 16-bit little-endian samples of a WAV file (8 kHz is upsampled)."""
    try:
        with wave.open(str(path), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (OSError, EOFError, wave.Error) as exc:
        raise AudioFormatError(
            f"{path.name}: cannot read it as a WAV file ({exc}); provide RIFF WAV audio, "
            "PCM 16-bit mono at 16 or 8 kHz"
        ) from exc
    if channels != 1 or width != 2 or rate not in (8000, SAMPLE_RATE):
        raise AudioFormatError(
            f"{path.name}: {channels} channel(s), {8 * width}-bit, {rate} Hz; the recognizer "
            "needs PCM 16-bit mono at 16 or 8 kHz (convert it, e.g. with sox)"
        )
    return frames if rate == SAMPLE_RATE else _upsample_twice(frames)


def _upsample_twice(frames: bytes) -> bytes:
    """8 kHz -> 16 kHz by linear interpolation (the acoustic model is a 16 kHz model)."""
    samples = array("h", frames)
    out = array("h", bytes(4 * len(samples)))
    for i, sample in enumerate(samples):
        following = samples[i + 1] if i + 1 < len(samples) else sample
        out[2 * i] = sample
        out[2 * i + 1] = (sample + following) // 2
    return out.tobytes()


def read_words(path: Path) -> list[tuple[str, str]]:
    """(word, phones) lines of a model's dictionary file; alternates are 'word(2)'."""
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, phones = line.partition(" ")
        if phones.strip():
            entries.append((word, phones.strip()))
    return entries


@dataclass(frozen=True)
class ModelFiles:
    """The files of a custom model folder the decoders read."""

    words: Path  # added words, CMU dictionary format
    domain_lm: Path  # ARPA domain model (absent without related text)
    domain_dict: Path  # pronunciations of the domain model's words only


class SphinxEngine:
    """Loaded decoders for one model; `files` None is the base model.

    A custom model uses three decoders: the base search (stock dictionary and language
    model plus the added words), the domain search (the domain model over a dictionary
    of its own words: pocketsphinx builds an n-gram search over the 135,000-word stock
    dictionary and a small model slowly, 5 to 20 s), and a forced aligner that scores
    every senone in every frame, so that acoustic scores of different hypotheses of one
    utterance share one normalization and can be compared (the searches skip that: it
    costs them a quarter of their time).
    """

    def __init__(self, files: ModelFiles | None) -> None:
        self._base = Decoder(**decoder_options())
        self._domain: Decoder | None = None
        self._aligner: Decoder | None = None
        if files is None:
            return
        entries = read_words(files.words)
        _add_words(self._base, entries)
        if files.domain_lm.exists():
            domain_options = {"lm": str(files.domain_lm), "dict": str(files.domain_dict)}
            self._domain = Decoder(**{**decoder_options(), **domain_options})
            self._aligner = Decoder(**{**decoder_options(), "compallsen": True})
            _add_words(self._aligner, entries)

    def transcribe(self, wav: Path) -> str:
        """Lower-case words of the best hypothesis ('' for silence)."""
        audio = read_pcm16(wav)
        if len(audio) < _MIN_AUDIO_BYTES:
            return ""  # shorter than one analysis window: nothing was said
        base = _decode(self._base, audio)
        if self._domain is None:
            return base
        texts = list(dict.fromkeys(t for t in (base, _decode(self._domain, audio)) if t))
        if len(texts) <= 1:
            return texts[0] if texts else ""
        candidates = [self._candidate(text, audio) for text in texts]
        config = self._base.config
        lw, log_wip = float(config["lw"]), float(self._base.logmath.log(config["wip"]))
        return " ".join(best_candidate(candidates, lw=lw, log_wip=log_wip).words)

    def _candidate(self, text: str, audio: bytes) -> Candidate:
        words = tuple(text.split())
        return Candidate(
            words=words,
            acoustic=self._acoustic_score(text, audio),
            base_lm=_lm_scores(self._base, words),
            domain_lm=_lm_scores(self._domain, words),
        )

    def _acoustic_score(self, text: str, audio: bytes) -> float:
        """Score of the forced alignment of `text` to the audio, in log units."""
        assert self._aligner is not None
        try:
            self._aligner.set_align_text(text)
            _run(self._aligner, audio)
        except RuntimeError:  # e.g. more phones than the audio has frames
            return float("-inf")
        hyp = self._aligner.hyp()
        if hyp is None or hyp.score <= 0.0:
            return float("-inf")  # the text cannot be aligned: never the best
        score: int = self._aligner.logmath.log(hyp.score)
        return float(score << _SCORE_SHIFT)


def _lm_scores(decoder: Decoder | None, words: tuple[str, ...]) -> tuple[float, ...]:
    """Unweighted trigram log probability of each word and of </s> (in log units)."""
    assert decoder is not None
    model = decoder.get_lm()
    sequence = ["<s>", *words, "</s>"]
    # NGramModel.prob takes the word first, then its history, most recent first.
    return tuple(
        float(model.prob(list(reversed(sequence[max(0, i - 2) : i + 1]))))
        for i in range(1, len(sequence))
    )


def _add_words(decoder: Decoder, entries: list[tuple[str, str]]) -> None:
    for index, (word, phones) in enumerate(entries):
        # Rebuilding the search after every word is slow; once after the last is enough.
        decoder.add_word(word, phones, update=index == len(entries) - 1)


def _decode(decoder: Decoder, audio: bytes) -> str:
    _run(decoder, audio)
    hyp = decoder.hyp()
    return " ".join(hyp.hypstr.split()) if hyp is not None else ""


def _run(decoder: Decoder, audio: bytes) -> None:
    decoder.start_utt()
    decoder.process_raw(audio, full_utt=True)
    decoder.end_utt()
