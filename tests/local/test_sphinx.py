"""The pocketsphinx recognizer decoding the example's real audio (examples/sharjah).

Most tests decode two or three WAVs (a few seconds each). The last one,
`test_SLOW_acceptance_figures_on_the_full_example`, trains on the example and decodes
all 30 WAVs with both models: about a minute on two cores.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import wave
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType

import pytest

from speech_action.local.recognition import TrainingText
from speech_action.local.sphinx import PocketSphinxRecognizer, read_manifest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sharjah"
DOMAIN = EXAMPLE / "testing_data"
GENERAL = EXAMPLE / "general_testing_data"


def _measure_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("sharjah_measure", EXAMPLE / "measure.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def example_training() -> TrainingText:
    training: TrainingText = _measure_script().training_text(EXAMPLE / "training_data")
    return training


def test_base_model_recognizes_example_wavs() -> None:
    recognizer = PocketSphinxRecognizer(workers=1)
    wavs = [GENERAL / "general02.wav", GENERAL / "general03.wav", DOMAIN / "domain11.wav"]
    assert recognizer.recognize(None, wavs) == [
        "please call me when you get home",
        "i left my keys on the kitchen table",
        # The story of the example: the base model does not know "Sharjah" or "souk".
        "charger has many museums and a beautiful old soup",
    ]
    assert recognizer.recognize(None, []) == []


def test_a_pronunciation_adds_a_word(tmp_path: Path) -> None:
    training = TrainingText(sentences=[], pronunciations=[("Sharjah", "shar jah")])
    recognizer = PocketSphinxRecognizer(workers=1)
    recognizer.build_model(training, tmp_path)
    assert (tmp_path / "words.dict").read_text() == (
        "sharjah SH AA R JH AA\nsharjah(2) SH AA R JH AH\n"
    )
    assert not (tmp_path / "domain.arpa").exists()  # no related text: no domain model
    [text] = recognizer.recognize(tmp_path, [DOMAIN / "domain13.wav"])
    assert "sharjah" in text.split()


def test_a_multi_word_display_form_is_recognized_as_its_words(tmp_path: Path) -> None:
    training = TrainingText(
        sentences=["The beach at Khor Fakkan is quiet.", "Khor Fakkan beach in the morning."],
        pronunciations=[("Khor Fakkan", "kor fak kan")],
    )
    recognizer = PocketSphinxRecognizer(workers=1)
    recognizer.build_model(training, tmp_path)
    [text] = recognizer.recognize(tmp_path, [DOMAIN / "domain17.wav"])
    assert text.startswith("khor fakkan ")


def test_build_model_is_deterministic(tmp_path: Path, example_training: TrainingText) -> None:
    recognizer = PocketSphinxRecognizer(workers=1)
    recognizer.build_model(example_training, tmp_path / "one")
    recognizer.build_model(example_training, tmp_path / "two")
    names = sorted(p.name for p in (tmp_path / "one").iterdir())
    assert names == ["domain.arpa", "domain.dict", "manifest.json", "words.dict"]
    for name in names:
        assert (tmp_path / "one" / name).read_bytes() == (tmp_path / "two" / name).read_bytes()
    manifest = json.loads((tmp_path / "one" / "manifest.json").read_text())
    assert manifest == read_manifest(tmp_path / "one")
    assert manifest["sentences"] == len(example_training.sentences)
    assert manifest["pronunciations"] == 11
    words = (tmp_path / "one" / "words.dict").read_text().splitlines()
    assert "godrive G OW D R AY V" in words


def test_results_do_not_depend_on_the_number_of_workers(
    tmp_path: Path, example_training: TrainingText
) -> None:
    PocketSphinxRecognizer().build_model(example_training, tmp_path)
    wavs = [DOMAIN / "domain01.wav", GENERAL / "general01.wav", DOMAIN / "domain11.wav"]
    alone = PocketSphinxRecognizer(workers=1).recognize(tmp_path, wavs)
    # Two processes, files in the other order: one process decodes two of them in turn.
    assert PocketSphinxRecognizer(workers=2).recognize(tmp_path, wavs[::-1]) == alone[::-1]
    assert alone == [
        "i would like to rent a car from godrive in sharjah",
        "the weather is nice today and the sky is clear",
        "sharjah has many museums and a beautiful old souk",
    ]


def test_the_measure_script_trains_and_scores_both_sets(tmp_path: Path) -> None:
    """examples/sharjah/measure.py on two utterances of each set (the full example's figures
    are the end-to-end acceptance run's: tests/e2e/test_local_engine_e2e.py)."""
    small = tmp_path / "example"
    shutil.copytree(EXAMPLE / "training_data", small / "training_data")
    for folder, names in (("testing_data", ["domain01.wav", "domain13.wav"]),
                          ("general_testing_data", ["general01.wav", "general02.wav"])):
        (small / folder).mkdir()
        lines = (EXAMPLE / folder / "trans.txt").read_text(encoding="utf-8").splitlines()
        kept = [line for line in lines if line.split("\t", 1)[0] in names]
        (small / folder / "trans.txt").write_text("\n".join(kept) + "\n", encoding="utf-8")
        for name in names:
            shutil.copy(EXAMPLE / folder / name, small / folder / name)
    results = _measure_script().measure(small, PocketSphinxRecognizer(), tmp_path / "model")
    domain, general = results["domain"], results["general"]
    assert domain["custom"][0] < domain["base"][0]  # the names are learned
    assert general["custom"][0] == general["base"][0] == 0.0
    assert [reference for reference, _ in domain["custom"][1]] == [
        "I would like to rent a car from GoDrive in Sharjah.",
        "Take the coast road from Sharjah to Ajman."]


def test_threads_of_the_service_can_recognize_at_the_same_time(tmp_path: Path) -> None:
    recognizer = PocketSphinxRecognizer(workers=1)
    recognizer.build_model(TrainingText([], [("Sharjah", "shar jah")]), tmp_path)
    jobs = [(tmp_path, DOMAIN / "domain13.wav"), (None, GENERAL / "general02.wav")]
    with ThreadPoolExecutor(2) as pool:
        texts = list(pool.map(lambda job: recognizer.recognize(job[0], [job[1]]), jobs))
    assert texts == [
        ["take the coast road from sharjah to henchmen"],
        ["please call me when you get home"],
    ]


def test_rebuilding_without_related_text_drops_the_domain_model(
    tmp_path: Path, example_training: TrainingText
) -> None:
    recognizer = PocketSphinxRecognizer(workers=1)
    recognizer.build_model(example_training, tmp_path)
    recognizer.build_model(TrainingText([], example_training.pronunciations), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.json", "words.dict"]
    assert read_manifest(tmp_path)["sentences"] == 0


def test_empty_audio_gives_empty_text(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    with wave.open(str(empty), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(16000)
        wav.writeframes(b"")
    assert PocketSphinxRecognizer(workers=1).recognize(None, [empty]) == [""]
