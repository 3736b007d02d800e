"""`load_config`: every input's happy path, every invalid value, precedence, secrets."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pydantic import ValidationError

from speech_action.config import (
    Config,
    ConfigError,
    ConfigErrors,
    Mode,
    load_config,
)

KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"
BASE = {"mode": "benchmark-test", "speech-region": "eastus", "speech-key": KEY}


def no_file(path: Path) -> str:
    raise FileNotFoundError(path)


def files(contents: dict[str, str], workspace: Path) -> Callable[[Path], str]:
    def read(path: Path) -> str:
        relative = path.relative_to(workspace).as_posix()
        if relative not in contents:
            raise FileNotFoundError(path)
        return contents[relative]

    return read


def load(tmp_path: Path, **inputs: str) -> Config:
    merged = {**BASE, **{name.replace("_", "-"): v for name, v in inputs.items()}}
    return load_config(merged, workspace=tmp_path, read_text=no_file)


def test_defaults(tmp_path: Path) -> None:
    config = load(tmp_path)
    ws = tmp_path.resolve()
    assert config.mode is Mode.BENCHMARK_TEST
    assert config.speech_key is not None and config.speech_key.get_secret_value() == KEY
    assert config.service_url == "https://eastus.api.cognitive.microsoft.com"
    assert (config.api_version, config.locale, config.project) == ("2025-10-15", "en-US", None)
    assert config.testing_data == ws / "testing_data"
    assert config.training_data == ws / "training_data"
    assert config.data.transcript_files == ("trans.txt", "transcript.txt")
    assert config.data.pronunciation_file == "pronunciation.txt"
    assert config.base_model == "latest" and config.benchmark_model is None
    assert (config.min_improvement.value, config.min_improvement.relative) == (0.0, False)
    assert config.require_significance is False
    assert config.storage_connection_string is None
    assert config.storage_container == "speech-benchmarks"
    assert config.records_dir == ws / ".speech-records"
    assert config.model is None and config.endpoint_id is None
    assert config.endpoint_name == "custom speech endpoint"
    assert config.logging_enabled is False
    assert (config.timeout_minutes, config.timeout_seconds, config.poll_seconds) == (300, 18000, 30)
    assert config.github_token is None
    assert (config.comment, config.fail_on_no_improvement) == (True, False)
    assert config.config_file is None and config.workspace == ws


def test_every_input_set(tmp_path: Path) -> None:
    connection = "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0a2V5PT0=;"
    config = load_config(
        {
            "mode": "deploy",
            "speech-key": KEY,
            "speech-endpoint": "https://my-speech.cognitiveservices.azure.com/",
            "api-version": "v3.2",
            "locale": "de-DE",
            "project": "Sharjah calls",
            "testing-data": "data/test",
            "training-data": "data/train",
            "base-model": "https://eastus.api.cognitive.microsoft.com/speechtotext/models/base/1",
            "benchmark-model": "0b5e2c9a-1111-2222-3333-444455556666",
            "min-improvement": "5%",
            "require-significance": "TRUE",
            "storage-connection-string": connection,
            "storage-container": "wer-records-2",
            "records-dir": "out/records",
            "model": "7a1c0e2f-aaaa-bbbb-cccc-ddddeeeeffff",
            "endpoint-name": "Call center",
            "endpoint-id": "e-1",
            "logging-enabled": "True",
            "timeout-minutes": "90",
            "poll-seconds": "0.5",
            "github-token": "ghs_token",
            "comment": "FALSE",
            "fail-on-no-improvement": "true",
        },
        workspace=tmp_path,
        repository="octo/speech",
        read_text=no_file,
    )
    ws = tmp_path.resolve()
    assert config.mode is Mode.DEPLOY
    assert config.speech_endpoint == "https://my-speech.cognitiveservices.azure.com"
    assert config.service_url == config.speech_endpoint and config.speech_region is None
    assert (config.api_version, config.locale, config.project) == ("v3.2", "de-DE", "Sharjah calls")
    assert (config.testing_data, config.training_data) == (ws / "data/test", ws / "data/train")
    assert config.base_model.endswith("/models/base/1")
    assert config.benchmark_model == "0b5e2c9a-1111-2222-3333-444455556666"
    assert str(config.min_improvement) == "5%" and config.min_improvement.relative
    assert config.min_improvement.points(10.0) == pytest.approx(0.5)
    assert config.require_significance and config.logging_enabled and config.fail_on_no_improvement
    assert not config.comment
    assert config.storage_container == "wer-records-2" and config.records_dir == ws / "out/records"
    assert (config.model, config.endpoint_name, config.endpoint_id) == (
        "7a1c0e2f-aaaa-bbbb-cccc-ddddeeeeffff",
        "Call center",
        "e-1",
    )
    assert (config.timeout_minutes, config.poll_seconds) == (90, 0.5)
    assert config.github_token is not None and config.github_token.get_secret_value() == "ghs_token"
    assert config.repository == "octo/speech"
    assert config.secret_values() == [KEY, connection, "ghs_token", "c2VjcmV0a2V5PT0="]


def test_min_improvement_large_points_allowed(tmp_path: Path) -> None:
    # WER can exceed 100 % (insertions), so a large gain in points is not impossible.
    assert load(tmp_path, min_improvement="120").min_improvement.value == 120


def test_min_improvement_points(tmp_path: Path) -> None:
    threshold = load(tmp_path, min_improvement="0.5").min_improvement
    assert (str(threshold), threshold.value, threshold.relative) == ("0.5", 0.5, False)
    assert threshold.points(20.0) == 0.5


def test_local_engine_needs_no_key_or_region(tmp_path: Path) -> None:
    config = load_config({"mode": "train-and-gate", "speech-endpoint": "local"}, workspace=tmp_path)
    assert config.is_local and config.service_url is None and config.speech_key is None


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080", "http://localhost:5000/", "http://[::1]"])
def test_http_allowed_for_loopback(tmp_path: Path, url: str) -> None:
    config = load_config(
        {**BASE, "speech-region": "", "speech-endpoint": url}, workspace=tmp_path, read_text=no_file
    )
    assert config.speech_endpoint == url.rstrip("/")


def test_endpoint_name_default_uses_repository(tmp_path: Path) -> None:
    config = load_config(BASE, workspace=tmp_path, repository="octo/speech", read_text=no_file)
    assert config.endpoint_name == "octo/speech custom speech"


def test_region_is_lowercased(tmp_path: Path) -> None:
    assert load(tmp_path, speech_region="WestEurope").speech_region == "westeurope"


def test_absolute_path_inside_workspace(tmp_path: Path) -> None:
    inside = tmp_path.resolve() / "sub" / "tests"
    assert load(tmp_path, testing_data=str(inside)).testing_data == inside


INVALID = [
    ("mode", "benchmark", "unknown mode `benchmark`; valid modes: `benchmark-test`, "
     "`train-and-gate`, `deploy`"),
    ("comment", "yes", "input `comment`: `yes` is not a boolean; use `true` or `false`"),
    ("require-significance", "1", "`1` is not a boolean"),
    ("logging-enabled", "tRUE", "`tRUE` is not a boolean"),
    ("fail-on-no-improvement", "on", "`on` is not a boolean"),
    ("api-version", "2024-05-15-preview", "unsupported API version `2024-05-15-preview`"),
    ("api-version", "3.2", "use one of `2025-10-15`, `2024-11-15`, `v3.2`"),
    ("min-improvement", "-1", "'-1' is not a valid minimum improvement"),
    ("min-improvement", "abc", "'abc' is not a valid minimum improvement"),
    ("min-improvement", "5 points", "is not a valid minimum improvement"),
    ("min-improvement", "nan", "is not a valid minimum improvement"),
    ("min-improvement", "-5%", "is not a valid minimum improvement"),
    ("min-improvement", "150%", "a relative improvement above 100% cannot be reached"),
    ("timeout-minutes", "0", "`0` is not a positive number"),
    ("timeout-minutes", "-3", "`-3` is not a positive number"),
    ("poll-seconds", "inf", "`inf` is not a positive number"),
    ("poll-seconds", "ten", "`ten` is not a positive number"),
    ("speech-region", "East US", "is not a region name"),
    ("speech-region", "https://eastus.api.cognitive.microsoft.com", "use `speech-endpoint`"),
    ("locale", "english", "`english` is not a locale"),
    ("storage-container", "Speech_Records", "is not a valid blob container name"),
    ("storage-container", "a--b", "is not a valid blob container name"),
    ("testing-data", "../outside", "input `testing-data`: `../outside` resolves outside the "
     "workspace"),
    ("training-data", "/etc", "resolves outside the workspace"),
    ("records-dir", "a/../../b", "resolves outside the workspace"),
    ("records-dir", ".git/records", "is inside `.git`"),
    ("base-model", "my model", "contains spaces"),
    ("model", "ftp://x/models/1", "is not an https:// URL"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "value", "message"), INVALID)
def test_invalid_value_names_its_input(tmp_path: Path, name: str, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config({**BASE, name: value}, workspace=tmp_path, read_text=no_file)
    assert caught.value.input_name == name
    assert message in str(caught.value)
    assert str(caught.value).startswith(f"input `{name}`")


@pytest.mark.parametrize(("name", "key"), [("testing-data", "testing"),
                                           ("training-data", "training")])
def test_a_data_path_linked_out_of_the_workspace_names_its_input(
    tmp_path: Path, name: str, key: str
) -> None:
    # Data names only the layout field; config checks the data paths first and names the
    # input, also when the path is set in the file's `data` section.
    workspace, outside = tmp_path / "ws", tmp_path / "outside"
    outside.mkdir()
    workspace.mkdir()
    (workspace / "linked").symlink_to(outside)
    for inputs, read_text in (({name: "linked"}, no_file),
                              ({}, files({"speech.yml": f"data:\n  {key}: linked\n"},
                                         workspace.resolve()))):
        with pytest.raises(ConfigError) as caught:
            load_config({**BASE, **inputs}, workspace=workspace, read_text=read_text)
        assert caught.value.input_name == name
        assert "`linked` resolves outside the workspace" in str(caught.value)


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ("http://my-speech.example.com", "uses http://, allowed only for 127.0.0.1/localhost"),
        ("my-speech.cognitiveservices.azure.com", "neither `local` nor an https:// URL"),
        ("https://", "neither `local` nor an https:// URL"),
    ],
)
def test_invalid_endpoint(tmp_path: Path, endpoint: str, message: str) -> None:
    inputs = {"mode": "deploy", "speech-key": KEY, "speech-endpoint": endpoint}
    with pytest.raises(ConfigError, match=message) as caught:
        load_config(inputs, workspace=tmp_path, read_text=no_file)
    assert caught.value.input_name == "speech-endpoint"


def test_endpoint_with_credentials_is_refused_without_echoing_it(tmp_path: Path) -> None:
    url = "https://user:pa55word@host.example.com/?subscription-key=topsecret"
    with pytest.raises(ConfigError) as caught:
        load_config({**BASE, "speech-region": "", "speech-endpoint": url}, workspace=tmp_path)
    assert "must not carry user info, a query or a fragment" in str(caught.value)
    assert "pa55word" not in str(caught.value) and "topsecret" not in str(caught.value)


def test_both_region_and_endpoint(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="give only one of `speech-region` and `speech-endpoint`"):
        load(tmp_path, speech_endpoint="https://my-speech.cognitiveservices.azure.com")


def test_neither_region_nor_endpoint(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="neither `speech-region` nor `speech-endpoint`") as e:
        load_config({"mode": "deploy", "speech-key": KEY}, workspace=tmp_path, read_text=no_file)
    assert e.value.input_name == "speech-region"


def test_key_required_unless_local(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="input `speech-key` is required") as caught:
        load_config({"mode": "deploy", "speech-region": "eastus"}, workspace=tmp_path)
    assert caught.value.input_name == "speech-key"


def test_mode_required(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="input `mode` is required: one of `benchmark-test`"):
        load_config({"speech-endpoint": "local"}, workspace=tmp_path, read_text=no_file)


def test_empty_input_means_unset(tmp_path: Path) -> None:
    config = load(tmp_path, locale="", project="  ")
    assert (config.locale, config.project) == ("en-US", None)


def test_unknown_input_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unknown input `speech_key`"):
        load_config({**BASE, "speech_key": "x"}, workspace=tmp_path, read_text=no_file)


def test_all_problems_reported_at_once(tmp_path: Path) -> None:
    inputs = {
        "mode": "ship-it",
        "speech-region": "eastus",
        "speech-endpoint": "local",
        "comment": "yes",
        "poll-seconds": "0",
    }
    with pytest.raises(ConfigErrors) as caught:
        load_config(inputs, workspace=tmp_path, read_text=no_file)
    names = [error.input_name for error in caught.value.errors]
    assert names == ["mode", "poll-seconds", "comment", "speech-endpoint"]
    assert str(caught.value).startswith("4 configuration problems:\n- input `mode`")


def test_secrets_never_in_repr_str_or_json(tmp_path: Path) -> None:
    connection = "AccountName=a;AccountKey=QUNDT1VOVEtFWQ==;EndpointSuffix=core.windows.net"
    config = load(tmp_path, storage_connection_string=connection, github_token="ghp_abcdef123")
    for text in (repr(config), str(config), config.model_dump_json(), f"{config!r:}"):
        assert KEY not in text
        assert "QUNDT1VOVEtFWQ" not in text and "ghp_abcdef123" not in text


def test_config_is_frozen_and_strict(tmp_path: Path) -> None:
    config = load(tmp_path)
    with pytest.raises(ValidationError):
        config.locale = "de-DE"
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Config.model_validate({**config.model_dump(), "surprise": 1})


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("https://a.blob.core.windows.net/c?sv=1&sig=SECRETSIG", "names no account"),
        ("AccountKey=SECRETSIG", "names no account"),
        ("AccountName=SECRETACCT;EndpointSuffix=core.windows.net",
         "neither an AccountKey nor a SharedAccessSignature"),
        ("AccountName=SECRETACCT;AccountKey=SECRETSIG!!", "AccountKey is not valid base64"),
        ("SECRETSIG", "not of the form `Name=value;Name=value`"),
    ],
)
def test_bad_connection_string_names_its_input_and_is_not_echoed(
    tmp_path: Path, value: str, why: str
) -> None:
    # The records store's rules, checked here so the error names the input before any
    # request is made.
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, storage_connection_string=value)
    assert caught.value.input_name == "storage-connection-string"
    message = str(caught.value)
    assert message.startswith("input `storage-connection-string`: this is not a usable Azure "
                              "Storage connection string")
    assert why in message and "`records-dir`" in message
    assert "SECRET" not in message


def test_development_storage_connection_string(tmp_path: Path) -> None:
    config = load(tmp_path, storage_connection_string="UseDevelopmentStorage=true")
    assert config.storage_connection_string is not None
