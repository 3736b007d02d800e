"""Pure parts of the local service: the echo recognizer, filters, content checks, rendering."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

import pytest

from speech_action.local.api import ApiError, parse_ref
from speech_action.local.content import ContentError, check_content, training_text
from speech_action.local.filtering import FilterError, page, parse_filter
from speech_action.local.recognition import EchoRecognizer, TrainingText
from speech_action.local.render import Urls, iso_duration, render
from tests.local.helpers import acoustic_zip

ID = "9d5f4100-5f8e-4dd6-bd83-9bbbf50d57f1"


def test_echo_recognizer_splits_unknown_capitalized_words(tmp_path: Path) -> None:
    (tmp_path / "trans.txt").write_text("a.wav\tSharjah is near Dubai, I think\nb.wav\tok\n")
    wavs = [tmp_path / "a.wav", tmp_path / "b.wav", tmp_path / "missing.wav"]
    recognizer = EchoRecognizer()
    assert recognizer.recognize(None, wavs) == ["Sharjah is near dub ai I think", "ok", ""]
    model = tmp_path / "model"
    recognizer.build_model(TrainingText(["flights to Dubai."], [("Sharjah", "shar jah")]), model)
    assert recognizer.recognize(model, wavs[:1]) == ["Sharjah is near Dubai, I think"]


def test_filter_expressions() -> None:
    entity = {"displayName": "It's mine", "status": "Running", "createdDateTime":
              "2024-05-01T00:00:00Z"}
    assert parse_filter("displayName eq 'It''s mine'")(entity)
    assert parse_filter("status eq 'Succeeded' or (status ne 'Failed' and not locale eq 'x')")(
        entity)
    assert parse_filter("createdDateTime gt 2024-01-01T00:00:00Z")(entity)
    assert not parse_filter("createdDateTime lt 2024-01-01T00:00:00Z")(entity)
    assert parse_filter(None)(entity)
    for bad in ("status gt 'x'", "displayName eq", "(status eq 'x'", "owner eq 'me'"):
        with pytest.raises(FilterError):
            parse_filter(bad)


def test_page_bounds() -> None:
    assert page([1, 2, 3], 0, 2) == ([1, 2], 2)
    assert page([1, 2, 3], 2, 2) == ([3], None)
    assert page([1, 2, 3], 5, None) == ([], None)


def test_content_checks_count_and_fail_clearly() -> None:
    report = check_content("Acoustic", acoustic_zip({"a.wav": "hi", "b.wav": "yo"}, 1.0))
    assert (report.accepted, report.rejected, report.duration_ms) == (2, 0, 2000)
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("trans.txt", "gone.wav\thello\n")
    with pytest.raises(ContentError, match="no usable line"):
        check_content("Acoustic", buffer.getvalue())
    with pytest.raises(ContentError, match="not UTF-8"):
        check_content("Language", b"caf\xe9\n")
    language = check_content("Language", "\ufeffone\nsee https://x.org\n\ntwo\n".encode())
    assert (language.accepted, language.rejected) == (2, 1)


def test_training_text_from_every_kind() -> None:
    text = training_text([
        ("Language", "\ufeffWe fly\n".encode()),
        ("LanguageMarkdown", b"# Heading\n- item one\n"),
        ("Pronunciation", b"Sharjah\tshar jah\n"),
        ("Acoustic", acoustic_zip({"a.wav": "Dubai now"})),
    ])
    assert text.sentences == ["We fly", "Heading", "item one", "Dubai now"]
    assert text.pronunciations == [("Sharjah", "shar jah")]


def test_render_per_version_and_refs() -> None:
    dataset = {"collection": "datasets", "id": ID, "displayName": "d", "locale": "en-US",
               "createdDateTime": "2024-01-01T00:00:00Z", "status": "Succeeded",
               "kind": "Language", "project": f"projects/{ID}",
               "properties": {"durationMilliseconds": 252000}}
    new = render(dataset, Urls("http://127.0.0.1:1", "2025-10-15"))
    assert new["self"] == f"http://127.0.0.1:1/speechtotext/datasets/{ID}?api-version=2025-10-15"
    assert new["project"]["self"].endswith(f"projects/{ID}?api-version=2025-10-15")
    old = render(dataset, Urls("http://127.0.0.1:1", "v3.2"))
    assert old["self"] == f"http://127.0.0.1:1/speechtotext/v3.2/datasets/{ID}"
    assert old["properties"] == {"duration": "PT252S"}
    assert "project" not in render(dataset, Urls("http://h", "2024-11-15"))
    assert iso_duration(1500) == "PT1.5S"
    assert parse_ref({"self": old["self"]}, "dataset") == f"datasets/{ID}"
    assert parse_ref({"self": f"https://x/speechtotext/models/base/{ID}?a=1"}, "m") == (
        f"models/base/{ID}")
    with pytest.raises(ApiError):
        parse_ref({"self": "https://x/other"}, "model")


def test_default_recognizer_missing_engine_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import importlib

    from speech_action.local import server
    from speech_action.local.api import LocalServiceError

    def refuse(name: str) -> object:
        raise ImportError(f"No module named {name!r}")

    monkeypatch.setattr(importlib, "import_module", refuse)
    with pytest.raises(LocalServiceError, match="EchoRecognizer"):
        server.default_recognizer()
