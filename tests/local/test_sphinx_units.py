"""Pure parts of the pocketsphinx recognizer: lexicon, language model, rescoring, audio."""

from __future__ import annotations

import math
import wave
from array import array
from pathlib import Path

import pytest

from speech_action.errors import SpeechActionError
from speech_action.local.lm import LanguageModelError, arpa_vocabulary, build_arpa
from speech_action.local.recognition import TrainingText
from speech_action.local.sphinx import (
    ModelFolderError,
    check_model_dir,
    dictionary_text,
    model_sentences,
)
from speech_action.local.sphinx_decode import AudioFormatError, read_pcm16
from speech_action.local.sphinx_lexicon import (
    PronunciationError,
    guess_pronunciations,
    letters_to_phones,
    merge_phrases,
    new_words,
    spoken_to_phones,
    tokens,
)
from speech_action.local.sphinx_rescore import (
    LOG_BASE,
    Candidate,
    best_candidate,
    log_add,
    mixture_log_prob,
)

LEXICON = {
    "go": ["G OW"],
    "drive": ["D R AY V"],
    "g.": ["JH IY"],
    "g": ["JH IY"],
    "a": ["AH", "EY"],
    "a.": ["EY"],
    "ba": ["B IY EY", "B AA"],
}


def test_spoken_form_uses_the_dictionary_then_letter_to_sound() -> None:
    assert spoken_to_phones("go drive", LEXICON, where="x") == ["G OW D R AY V"]
    assert spoken_to_phones("kas ba", LEXICON, where="x") == ["K AE S B IY EY"]
    # "jah" is in no dictionary: the final "ah" may be a full vowel or a schwa.
    assert spoken_to_phones("shar jah", {}, where="x") == ["SH AA R JH AA", "SH AA R JH AH"]
    assert letters_to_phones("fakkan") == ["F AE K AE N"]  # doubled consonant: one sound


def test_single_letters_are_spelled_out_by_name() -> None:
    # "a" alone is the article AH; as a letter of "G A" it is said EY.
    assert spoken_to_phones("G A", LEXICON, where="x") == ["JH IY EY"]


def test_a_spoken_form_without_letters_names_the_entry() -> None:
    with pytest.raises(PronunciationError, match=r"entry 2 \('GoDrive'\).*'\?\?'"):
        new_words([("Sharjah", "shar jah"), ("GoDrive", "??")], LEXICON)


def test_pronunciation_errors_are_speech_action_errors() -> None:
    assert issubclass(PronunciationError, SpeechActionError)


def test_later_entries_win_and_display_forms_become_lower_case_words() -> None:
    words = new_words(
        [("GoDrive", "go dry"), ("GoDrive", "go drive"), ("Khor Fakkan", "kor fak kan")], LEXICON
    )
    assert list(words) == ["godrive", "khor_fakkan"]
    assert words["godrive"] == ["G OW D R AY V"]
    assert dictionary_text({"sharjah": ["SH AA R JH AA", "SH AA R JH AH"]}) == (
        "sharjah SH AA R JH AA\nsharjah(2) SH AA R JH AH\n"
    )


def test_guesses_only_for_plain_words() -> None:
    assert guess_pronunciations("qasba") == ["K AE S B AH", "K AE S B AA"]
    assert guess_pronunciations("a320") == []


def test_tokens_and_phrases() -> None:
    assert tokens("GoDrive's office, in Sharjah!") == ["godrive's", "office", "in", "sharjah"]
    assert merge_phrases(["to", "khor", "fakkan", "beach", "khor"], ["khor_fakkan"]) == [
        "to",
        "khor_fakkan",
        "beach",
        "khor",
    ]
    training = TrainingText(["Drive to Khor Fakkan.", "  ", "!"], [("Khor Fakkan", "x")])
    assert model_sentences(training) == [["drive", "to", "khor_fakkan"]]


def test_arpa_model_of_a_tiny_corpus() -> None:
    arpa = build_arpa([["rent", "a", "car"], ["rent", "a", "bike"]])
    assert "\\data\\\nngram 1=6\nngram 2=6\nngram 3=5\n" in arpa
    assert arpa_vocabulary(arpa) == ["</s>", "<s>", "a", "bike", "car", "rent"]
    assert build_arpa([["rent", "a", "car"], ["rent", "a", "bike"]]) == arpa
    with pytest.raises(LanguageModelError, match="no words"):
        build_arpa([[], []])


def test_log_add_in_pocketsphinx_units() -> None:
    half = math.log(0.5) / math.log(LOG_BASE)
    assert log_add(half, half) == pytest.approx(0.0, abs=1e-6)
    assert log_add(0.0, -1e9) == pytest.approx(0.0, abs=1e-6)


def test_mixture_gives_domain_words_the_domain_probability() -> None:
    ln = math.log(LOG_BASE)
    candidate = Candidate(("sharjah",), 0.0, (math.log(1e-9) / ln,), (math.log(0.2) / ln,))
    # 0.5 * 1e-9 + 0.5 * 0.2 ~ 0.1
    assert mixture_log_prob(candidate) * ln == pytest.approx(math.log(0.1), abs=1e-6)


def test_best_candidate_weighs_acoustics_against_the_mixture() -> None:
    ln = math.log(LOG_BASE)
    general = Candidate(("the", "weather"), -1_000_000.0, (-50_000.0,) * 3, (-900_000.0,) * 3)
    garbage = Candidate(("the", "souk"), -3_000_000.0, (-90_000.0,) * 3, (-10_000.0,) * 3)
    assert best_candidate([general, garbage], lw=6.5, log_wip=math.log(0.65) / ln) is general
    fits = Candidate(("the", "souk"), -1_100_000.0, (-90_000.0,) * 3, (-10_000.0,) * 3)
    assert best_candidate([general, fits], lw=6.5, log_wip=0.0) is fits
    assert best_candidate([general, general], lw=6.5, log_wip=0.0) is general
    with pytest.raises(ValueError):
        best_candidate([], lw=6.5, log_wip=0.0)


def _write_wav(
    path: Path, *, rate: int, channels: int = 1, width: int = 2, samples: list[int] | None = None
) -> Path:
    data = array("h", samples or [0, 100, 200, 300]).tobytes()
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(width)
        wav.setframerate(rate)
        wav.writeframes(data if width == 2 else bytes(len(data) // 2))
    return path


def test_wav_reading(tmp_path: Path) -> None:
    assert (
        read_pcm16(_write_wav(tmp_path / "a.wav", rate=16000))
        == array("h", [0, 100, 200, 300]).tobytes()
    )
    assert array("h", read_pcm16(_write_wav(tmp_path / "b.wav", rate=8000))).tolist() == [
        0,
        50,
        100,
        150,
        200,
        250,
        300,
        300,
    ]
    with pytest.raises(AudioFormatError, match=r"c\.wav: 2 channel\(s\), 16-bit, 16000 Hz"):
        read_pcm16(_write_wav(tmp_path / "c.wav", rate=16000, channels=2))
    with pytest.raises(AudioFormatError, match=r"d\.wav: 1 channel\(s\), 8-bit"):
        read_pcm16(_write_wav(tmp_path / "d.wav", rate=16000, width=1))
    (tmp_path / "e.wav").write_bytes(b"not a wav")
    with pytest.raises(AudioFormatError, match=r"e\.wav: cannot read it as a WAV file"):
        read_pcm16(tmp_path / "e.wav")


def test_incomplete_model_folder_is_reported(tmp_path: Path) -> None:
    (tmp_path / "manifest.json").write_text("{}")
    with pytest.raises(ModelFolderError, match=r"words\.dict missing.*train the model again"):
        check_model_dir(tmp_path)
