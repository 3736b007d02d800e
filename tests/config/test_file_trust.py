"""What a pull request's `speech.yml` may not decide: where credentials go (issue 12).

Connection settings come from the workflow, or from the file only for an Azure Speech host
(Learn, "Speech service in sovereign clouds", for the `.us` and `.cn` hosts) or `local`.
An input given in the workflow wins even when it equals the default.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from speech_action.config import (
    ConfigErrors,
    ConfigFileError,
    inputs_from_env,
    load_config,
)
from speech_action.config.values import is_azure_speech_endpoint

KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
AZURE = [
    "https://eastus.api.cognitive.microsoft.com",
    "https://my-speech.cognitiveservices.azure.com/",
    "https://usgovvirginia.api.cognitive.microsoft.us",
    "https://my-speech.cognitiveservices.azure.us",
    "https://chinaeast2.api.cognitive.azure.cn",
    "https://my-speech.cognitiveservices.azure.cn:443/speechtotext",
    "HTTPS://My-Speech.CognitiveServices.Azure.com",
]
ELSEWHERE = [
    "http://127.0.0.1:8765",
    "http://localhost:8765",
    "https://speech.example.com",
    "http://eastus.api.cognitive.microsoft.com",           # not https
    "https://my-speech.cognitiveservices.azure.com:8443",  # not the default port
    "https://cognitiveservices.azure.com",                 # the suffix alone is no resource
    "https://my-speech.cognitiveservices.azure.com.evil.example",
    "https://evilcognitiveservices.azure.com",
    "https://my-speech.cognitiveservices.azure.com@evil.example",
]


def _write(workspace: Path, text: str) -> None:
    (workspace / "speech.yml").write_text(text, encoding="utf-8")


@pytest.mark.parametrize("url", [*AZURE, "local", "LOCAL"])
def test_azure_speech_hosts_and_local_are_trusted(url: str) -> None:
    assert is_azure_speech_endpoint(url)


@pytest.mark.parametrize("url", ELSEWHERE)
def test_other_endpoints_are_not(url: str) -> None:
    assert not is_azure_speech_endpoint(url)


@pytest.mark.parametrize("url", [url for url in AZURE if "HTTPS" not in url])
def test_the_file_may_name_an_azure_speech_endpoint(tmp_path: Path, url: str) -> None:
    _write(tmp_path, f"mode: deploy\nspeech-endpoint: {url}\napi-version: 2024-11-15\n"
                     "storage-container: records\n")
    config = load_config({"speech-key": KEY}, workspace=tmp_path)
    assert config.service_url == url.rstrip("/")
    assert (config.api_version, config.storage_container) == ("2024-11-15", "records")


def test_the_file_may_name_a_region_and_local(tmp_path: Path) -> None:
    _write(tmp_path, "mode: deploy\nspeech-region: westeurope\napi-version: v3.2\n")
    config = load_config({"speech-key": KEY}, workspace=tmp_path)
    assert config.service_url == "https://westeurope.api.cognitive.microsoft.com"
    _write(tmp_path, "mode: deploy\nspeech-endpoint: local\napi-version: v3.2\n")
    assert load_config({}, workspace=tmp_path).is_local


@pytest.mark.parametrize("url", [url for url in ELSEWHERE if "@" not in url])
def test_the_file_may_not_name_another_endpoint(tmp_path: Path, url: str) -> None:
    _write(tmp_path, f"mode: deploy\n\nspeech-endpoint: {url}\n")
    with pytest.raises(ConfigFileError) as caught:
        load_config({"speech-key": KEY}, workspace=tmp_path)
    error = caught.value
    assert (error.file, error.line, error.input_name) == ("speech.yml", 3, "speech-endpoint")
    message = str(error)
    assert message.startswith("`speech-endpoint` in speech.yml line 3: the file may set "
                              "connection settings only for an Azure Speech endpoint")
    assert "move it into the workflow as the input `speech-endpoint`" in message
    assert "`*.cognitiveservices.azure.us`" in message and KEY not in message


def test_a_url_with_user_info_in_the_file_is_refused_without_echoing_it(tmp_path: Path) -> None:
    _write(tmp_path, "speech-endpoint: https://x.cognitiveservices.azure.com@evil.example\n")
    with pytest.raises(ConfigFileError) as caught:
        load_config({"speech-key": KEY, "mode": "deploy"}, workspace=tmp_path)
    assert "evil.example" not in str(caught.value)


def test_with_a_workflow_endpoint_elsewhere_the_file_sets_no_connection_setting(
        tmp_path: Path) -> None:
    # The workflow chose a compatible service; the file may not change the API version or
    # the storage container it talks to, but it may still set everything else.
    _write(tmp_path, "mode: deploy\nlocale: de-DE\napi-version: v3.2\nstorage-container: x1\n")
    inputs = {"speech-key": KEY, "speech-endpoint": "https://speech.example.com"}
    with pytest.raises(ConfigErrors) as caught:
        load_config(inputs, workspace=tmp_path)
    refused = caught.value.errors
    assert [(e.input_name, getattr(e, "line", None)) for e in refused] == [
        ("api-version", 3), ("storage-container", 4)]
    _write(tmp_path, "mode: deploy\nlocale: de-DE\n")
    assert load_config(inputs, workspace=tmp_path).locale == "de-DE"


def test_a_workflow_endpoint_wins_over_the_files_and_is_not_refused(tmp_path: Path) -> None:
    _write(tmp_path, "mode: deploy\nspeech-endpoint: https://evil.example\n")
    given = {"speech-key": KEY, "speech-endpoint": "http://127.0.0.1:9999"}
    assert load_config(given, workspace=tmp_path).service_url == "http://127.0.0.1:9999"


def test_a_refused_setting_is_reported_before_any_other_problem(tmp_path: Path) -> None:
    # The refusal says what to do; it is not buried under the errors it would cause.
    _write(tmp_path, "speech-endpoint: http://10.0.0.1\nlocale: not a locale\n")
    with pytest.raises(ConfigFileError, match=r"speech\.yml line 1"):
        load_config({}, workspace=tmp_path)


def test_a_workflow_input_equal_to_the_default_beats_the_file(tmp_path: Path) -> None:
    # The runner passed `logging-enabled: false` from the workflow (equal to the default);
    # the pull request's file says true: the workflow wins.
    _write(tmp_path, "mode: deploy\nspeech-endpoint: local\nlogging-enabled: true\n"
                     "comment: false\n")
    env = {"INPUT_LOGGING-ENABLED": "false", "INPUT_COMMENT": "", "INPUT_MODE": "deploy"}
    config = load_config(inputs_from_env(env), workspace=tmp_path)
    assert config.logging_enabled is False
    assert config.comment is False  # not given (""): the file's value counts
