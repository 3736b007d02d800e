"""One pocketsphinx decoder, loaded once per worker process, that transcribes WAV files.

Base model: the stock US English model of the pocketsphinx wheel. Custom model: the
same decoder with the model's words added to the dictionary (and so, with a small
unigram probability, to the base language model) and a second search over the domain
language model; each utterance is decoded with both and the better hypothesis under the
mixture of both models wins (see `sphinx_rescore`).
"""

from __future__ import annotations

import wave
from array import array
from pathlib import Path
from typing import Any

from pocketsphinx import Decoder, NGramModel, get_model_path

from speech_action.errors import SpeechActionError
from speech_action.local.sphinx_rescore import Candidate, best_candidate

BASE_SEARCH = "_default"  # pocketsphinx's name for the search built from the config
DOMAIN_SEARCH = "domain"
SAMPLE_RATE = 16000
# pocketsphinx keeps search scores in log units shifted right by SENSCR_SHIFT (10 bits).
_SCORE_SHIFT = 10


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
        # The flat-lexicon second pass costs a third of the time and changed nothing on
        # examples/sharjah; the tree pass + lattice best path are kept.
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


class SphinxEngine:
    """A loaded decoder; `model_dir` None is the base model."""

    def __init__(self, model_dir: Path | None, *, words_file: str, domain_lm_file: str) -> None:
        self._decoder = Decoder(**decoder_options())
        self._aligner: Decoder | None = None
        if model_dir is None:
            return
        entries = read_words(model_dir / words_file)
        _add_words(self._decoder, entries)
        domain = model_dir / domain_lm_file
        if domain.exists():
            config, logmath = self._decoder.config, self._decoder.logmath
            self._decoder.add_lm(DOMAIN_SEARCH, NGramModel(config, logmath, str(domain)))
            # A second decoder for forced alignment scores every senone in every frame,
            # so acoustic scores of different hypotheses share one normalization and can
            # be compared (the searches skip that: it costs a quarter of their time).
            self._aligner = Decoder(**{**decoder_options(), "lm": str(domain), "compallsen": True})
            _add_words(self._aligner, entries)

    def transcribe(self, wav: Path) -> str:
        """Lower-case words of the best hypothesis ('' for silence)."""
        audio = read_pcm16(wav)
        base = self._decode(BASE_SEARCH, audio)
        if self._aligner is None:
            return base
        domain = self._decode(DOMAIN_SEARCH, audio)
        texts = list(dict.fromkeys(t for t in (base, domain) if t))
        if len(texts) <= 1:
            return texts[0] if texts else ""
        candidates = [self._candidate(text, audio) for text in texts]
        config = self._decoder.config
        lw, log_wip = float(config["lw"]), float(self._decoder.logmath.log(config["wip"]))
        return " ".join(best_candidate(candidates, lw=lw, log_wip=log_wip).words)

    def _decode(self, search: str, audio: bytes) -> str:
        self._decoder.activate_search(search)
        _run(self._decoder, audio)
        hyp = self._decoder.hyp()
        return " ".join(hyp.hypstr.split()) if hyp is not None else ""

    def _candidate(self, text: str, audio: bytes) -> Candidate:
        words = tuple(text.split())
        return Candidate(
            words=words,
            acoustic=self._acoustic_score(text, audio),
            base_lm=self._lm_scores(BASE_SEARCH, words),
            domain_lm=self._lm_scores(DOMAIN_SEARCH, words),
        )

    def _acoustic_score(self, text: str, audio: bytes) -> float:
        """Score of the forced alignment of `text` to the audio, in log units."""
        assert self._aligner is not None
        self._aligner.set_align_text(text)
        _run(self._aligner, audio)
        hyp = self._aligner.hyp()
        if hyp is None or hyp.score <= 0.0:
            return float("-inf")  # the text cannot be aligned: never the best
        score: int = self._aligner.logmath.log(hyp.score)
        return float(score << _SCORE_SHIFT)

    def _lm_scores(self, search: str, words: tuple[str, ...]) -> tuple[float, ...]:
        """Unweighted trigram log probability of each word and of </s>."""
        model = self._decoder.get_lm(search)
        sequence = ["<s>", *words, "</s>"]
        return tuple(
            float(model.prob(list(reversed(sequence[max(0, i - 2) : i + 1]))))
            for i in range(1, len(sequence))
        )


def _add_words(decoder: Decoder, entries: list[tuple[str, str]]) -> None:
    for index, (word, phones) in enumerate(entries):
        # Rebuilding the search after every word is slow; once after the last is enough.
        decoder.add_word(word, phones, update=index == len(entries) - 1)


def _run(decoder: Decoder, audio: bytes) -> None:
    decoder.start_utt()
    decoder.process_raw(audio, full_utt=True)
    decoder.end_utt()
