"""Issue #14, item 11, with the real recognizer: every valid pronunciation file is
accepted, including entries for words the stock dictionary already has (that is how
teams correct a pronunciation; Learn, how-to-custom-speech-test-and-train). pocketsphinx
refuses to add a word twice, so such entries become alternates ('charger(2)')."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import requests

from speech_action.local.recognition import TrainingText
from speech_action.local.server import start_local_service
from speech_action.local.sphinx import PocketSphinxRecognizer, stock_dictionary
from tests.local.helpers import Api

DOMAIN = Path(__file__).resolve().parents[2] / "examples" / "sharjah" / "testing_data"
# Words of the stock dictionary: "souk" (S UW K; "shook" gives SH UH K), "museums", "read"
# (two pronunciations, "red" being one of them: nothing new to add), next to a new word.
STOCK_WORD_ENTRIES = [("souk", "shook"), ("museums", "mew zee ums"), ("read", "red"),
                      ("road", "rode"), ("Sharjah", "shar jah")]


def test_pronunciations_of_stock_words_become_alternates(tmp_path: Path) -> None:
    lexicon = stock_dictionary()
    assert {"souk", "charger", "read"} <= set(lexicon) and "sharjah" not in lexicon
    recognizer = PocketSphinxRecognizer(workers=1)
    entries = [*STOCK_WORD_ENTRIES, ("charger", "shar jah")]
    recognizer.build_model(TrainingText(sentences=[], pronunciations=entries), tmp_path)
    lines = (tmp_path / "words.dict").read_text().splitlines()
    assert "charger(2) SH AA R JH AA" in lines and "charger(3) SH AA R JH AH" in lines
    assert "souk(2) SH UH K" in lines
    assert not any(line.startswith(("charger ", "souk ", "read")) for line in lines)
    assert "sharjah SH AA R JH AA" in lines
    [text] = recognizer.recognize(tmp_path, [DOMAIN / "domain13.wav"])  # used to crash
    assert "sharjah" in text.split()


def _test_zip(names: list[str]) -> bytes:
    references = dict(line.split("\t", 1) for line in
                      (DOMAIN / "trans.txt").read_text(encoding="utf-8-sig").splitlines()
                      if "\t" in line)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.write(DOMAIN / name, name)
        archive.writestr("trans.txt", "".join(f"{n}\t{references[n]}\n" for n in names))
    return buffer.getvalue()


def test_evaluation_of_a_model_correcting_stock_words_succeeds(tmp_path: Path) -> None:
    with start_local_service(tmp_path, recognizer=PocketSphinxRecognizer(workers=1)) as service:
        api = Api(service.base_url, "2025-10-15")
        text = "".join(f"{display}\t{spoken}\n" for display, spoken in STOCK_WORD_ENTRIES)
        pronunciation = api.upload_dataset("Pronunciation", text.encode(), name="pron")
        test = api.upload_dataset("Acoustic", _test_zip(["domain13.wav"]), name="test")
        base = api.base_model()
        model = api.ok("POST", "models", json={
            "displayName": "m", "locale": "en-US", "baseModel": api.ref(base),
            "datasets": [api.ref(pronunciation)]})
        evaluation = api.ok("POST", "evaluations", json={
            "displayName": "e", "locale": "en-US", "model1": api.ref(base),
            "model2": api.ref(model), "dataset": api.ref(test),
            "customProperties": {"testingKind": "Evaluation"}})
        done = wait_long(api, evaluation)
        assert done["status"] == "Succeeded", done.get("properties")
        assert api.get_url(model["self"])["status"] == "Succeeded"
        files = api.get_url(done["links"]["files"])["values"]
        score = next(f for f in files if f["name"] == "domain13.wav.model2_score.json")
        content = requests.get(score["links"]["contentUrl"], timeout=10).json()
        best = content["recognizedPhrases"][0]["nBest"][0]
        assert "sharjah" in best["lexical"].split()
        assert ",sharjah," in best["scoringResult"]  # recognized right: untagged


def wait_long(api: Api, entity: dict[str, object]) -> dict[str, object]:
    """Real training and decoding take seconds, beyond the helper's 10 s limit."""
    import time

    deadline = time.monotonic() + 120
    while True:
        current: dict[str, object] = api.get_url(str(entity["self"]))
        if current["status"] in ("Succeeded", "Failed") or time.monotonic() > deadline:
            return current
        time.sleep(0.1)
