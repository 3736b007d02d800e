"""The YAML config file: precedence, data layout, and errors with file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from speech_action.config import Config, ConfigError, ConfigFileError, Mode, load_config

KEY = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def write(workspace: Path, text: str, name: str = "speech.yml") -> Path:
    path = workspace / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load(workspace: Path, **inputs: str) -> Config:
    given = {"speech-key": KEY, **{name.replace("_", "-"): v for name, v in inputs.items()}}
    return load_config(given, workspace=workspace)


def test_default_file_is_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
# settings of the Sharjah project
mode: train-and-gate
speech-region: westeurope
api-version: 2024-11-15      # unquoted: stays text, not a date
min-improvement: 5%
require-significance: true
timeout-minutes: 120
data:
  testing: data/test
  training: data/train
  transcript-files: [transcript.tsv]
  pronunciation-file: lexicon.txt
""",
    )
    config = load(tmp_path)
    ws = tmp_path.resolve()
    assert config.config_file == path.resolve()
    assert config.mode is Mode.TRAIN_AND_GATE and config.speech_region == "westeurope"
    assert config.api_version == "2024-11-15"
    assert config.min_improvement.relative and config.require_significance
    assert config.timeout_minutes == 120
    assert config.data.testing == ws / "data/test" and config.data.training == ws / "data/train"
    assert config.data.transcript_files == ("transcript.tsv",)
    assert config.data.pronunciation_file == "lexicon.txt"


def test_precedence_input_over_yaml_over_default(tmp_path: Path) -> None:
    write(tmp_path, "mode: deploy\nspeech-region: eastus\nlocale: de-DE\nproject: from-yaml\n")
    config = load(tmp_path, project="from-input")
    assert config.project == "from-input"  # input wins
    assert config.locale == "de-DE"  # YAML wins over the default
    assert config.base_model == "latest"  # default
    assert config.mode is Mode.DEPLOY


def test_top_level_testing_data_key(tmp_path: Path) -> None:
    write(tmp_path, "mode: deploy\nspeech-endpoint: local\ntesting-data: t\n")
    assert load(tmp_path).testing_data == tmp_path.resolve() / "t"


def test_single_transcript_file_name(tmp_path: Path) -> None:
    write(tmp_path, "mode: deploy\nspeech-endpoint: local\ndata:\n  transcript-files: t.txt\n")
    assert load(tmp_path).data.transcript_files == ("t.txt",)


def test_explicit_config_file(tmp_path: Path) -> None:
    write(tmp_path, "mode: deploy\nspeech-endpoint: local\n", name="ci/speech-ci.yaml")
    config = load(tmp_path, config="ci/speech-ci.yaml")
    assert config.config_file == (tmp_path / "ci/speech-ci.yaml").resolve()


def test_missing_default_file_is_fine(tmp_path: Path) -> None:
    assert load(tmp_path, mode="deploy", speech_endpoint="local").config_file is None


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"the config file `ci/nope.yml` does not exist") as e:
        load(tmp_path, mode="deploy", speech_endpoint="local", config="ci/nope.yml")
    assert e.value.input_name == "config"


def test_config_file_outside_workspace(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"input `config`: `../speech.yml` resolves outside"):
        load(tmp_path / "ws", mode="deploy", speech_endpoint="local", config="../speech.yml")


def test_empty_file_and_comments_only(tmp_path: Path) -> None:
    write(tmp_path, "# nothing yet\n")
    assert load(tmp_path, mode="deploy", speech_endpoint="local").locale == "en-US"


def test_null_value_means_unset(tmp_path: Path) -> None:
    write(tmp_path, "mode: deploy\nspeech-endpoint: local\nlocale:\nproject: ''\n")
    config = load(tmp_path)
    assert (config.locale, config.project) == ("en-US", None)


def test_unknown_key_names_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, "mode: deploy\nspeech-endpoint: local\n\nspeech-keys: x\n")
    with pytest.raises(ConfigError) as caught:
        load(tmp_path)
    assert str(caught.value).startswith("speech.yml line 4: unknown setting `speech-keys`")
    assert caught.value.input_name == "config"


def test_unknown_data_key_names_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, "mode: deploy\ndata:\n  testing: t\n  tesitng: x\n")
    with pytest.raises(ConfigError, match=r"speech.yml line 4: unknown `data` key `tesitng`"):
        load(tmp_path, speech_endpoint="local")


def test_several_file_problems_reported_together(tmp_path: Path) -> None:
    write(tmp_path, "foo: 1\nmode: deploy\nbar: 2\nconfig: other.yml\n")
    with pytest.raises(ConfigError) as caught:
        load(tmp_path)
    lines = str(caught.value).splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "speech.yml line 1",
        "speech.yml line 3",
        "speech.yml line 4",
    ]


def test_invalid_yaml_names_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, "mode: deploy\nspeech-region: eastus\ndata:\n  testing: [unclosed\n")
    with pytest.raises(ConfigError, match=r"^speech.yml line 5: invalid YAML") as caught:
        load(tmp_path)
    assert caught.value.input_name == "config"


def test_tab_indentation_is_invalid_yaml_with_line(tmp_path: Path) -> None:
    write(tmp_path, "mode: deploy\ndata:\n\ttesting: t\n")
    with pytest.raises(ConfigError, match=r"^speech.yml line 3: invalid YAML"):
        load(tmp_path)


def test_yaml_values_checked_like_inputs_with_file_and_line(tmp_path: Path) -> None:
    write(tmp_path, "mode: deploy\nspeech-endpoint: local\ncomment: yes\n")
    with pytest.raises(ConfigError) as caught:
        load(tmp_path)
    assert str(caught.value) == (
        "`comment` in speech.yml line 3: `yes` is not a boolean; use `true` or `false`"
    )
    assert caught.value.input_name == "comment"


def test_yaml_path_outside_workspace(tmp_path: Path) -> None:
    write(tmp_path, "mode: deploy\nspeech-endpoint: local\ndata:\n  training: ../../x\n")
    with pytest.raises(ConfigError, match=r"`data.training` in speech.yml line 4: `../../x` re"):
        load(tmp_path)


def test_duplicate_key(tmp_path: Path) -> None:
    write(tmp_path, "mode: deploy\nmode: benchmark-test\n")
    with pytest.raises(ConfigError, match=r"speech.yml line 2: `mode` is set twice"):
        load(tmp_path)


def test_data_testing_and_testing_data_conflict(tmp_path: Path) -> None:
    write(tmp_path, "testing-data: a\ndata:\n  testing: b\n")
    with pytest.raises(ConfigError, match=r"line 3: `data.testing` repeats the top-level"):
        load(tmp_path)


def test_list_where_a_value_belongs(tmp_path: Path) -> None:
    write(tmp_path, "locale: [en-US, de-DE]\n")
    with pytest.raises(ConfigError, match="line 1: `locale` must be a single value"):
        load(tmp_path)


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    write(tmp_path, "- mode: deploy\n")
    with pytest.raises(ConfigError, match=r"speech.yml line 1: expected a mapping"):
        load(tmp_path)


def test_read_text_is_injectable(tmp_path: Path) -> None:
    seen: list[Path] = []

    def read(path: Path) -> str:
        seen.append(path)
        return "mode: deploy\nspeech-endpoint: local\n"

    config = load_config({}, workspace=tmp_path, read_text=read)
    assert config.is_local and seen == [tmp_path.resolve() / "speech.yml"]


def test_utf8_bom_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "speech.yml").write_bytes("\ufeffmode: deploy\nspeech-endpoint: local\n".encode())
    assert load(tmp_path).mode is Mode.DEPLOY


@pytest.mark.parametrize("name", ["speech-key", "storage-connection-string", "github-token"])
def test_a_secret_in_the_file_is_refused_on_its_line_without_the_value(tmp_path: Path,
                                                                       name: str) -> None:
    secret = "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=c2VjcmV0a2V5PT0="
    write(tmp_path, f"mode: deploy\nspeech-region: eastus\n{name}: {secret}\n")
    with pytest.raises(ConfigFileError) as caught:
        load_config({}, workspace=tmp_path)
    error = caught.value
    assert str(error) == (
        f"`{name}` in speech.yml line 3: a secret never belongs in a file a pull request can "
        f"change; store it as a repository secret and pass it as the input `{name}` (`with:`)")
    assert (error.file, error.line, error.input_name) == ("speech.yml", 3, name)
    assert "c2VjcmV0a2V5PT0" not in str(error)


def test_a_secret_given_as_input_wins_over_the_files(tmp_path: Path) -> None:
    write(tmp_path, "mode: deploy\nspeech-region: eastus\nspeech-key: abcdef0123456789\n")
    assert load(tmp_path).speech_key is not None  # the input wins: the file's key is unused


def test_blob_upload_threshold_defaults_to_100_mb(tmp_path: Path) -> None:
    assert load(tmp_path, mode="deploy", speech_endpoint="local").blob_upload_from_mb == 100.0


@pytest.mark.parametrize(("value", "expected"), [("0", 0.0), ("2.5", 2.5), ("500", 500.0)])
def test_blob_upload_threshold_from_the_file(tmp_path: Path, value: str,
                                             expected: float) -> None:
    write(tmp_path, f"mode: deploy\nupload:\n  blob-from-mb: {value}\n")

    assert load(tmp_path, speech_endpoint="local").blob_upload_from_mb == expected


@pytest.mark.parametrize(("text", "message"), [
    ("upload:\n  blob-from-mb: -1\n", r"line 3: `upload.blob-from-mb` is '-1'; give a number"),
    ("upload:\n  blob-from-mb: lots\n", r"line 3: `upload.blob-from-mb` is 'lots'"),
    ("upload:\n  blob-from-mb: nan\n", r"line 3: `upload.blob-from-mb` is 'nan'"),
    ("upload:\n  blob_from_mb: 5\n", r"line 3: unknown `upload` key `blob_from_mb`"),
    ("upload: 5\n", r"line 2: expected a mapping"),
])
def test_bad_blob_upload_threshold_names_file_and_line(tmp_path: Path, text: str,
                                                       message: str) -> None:
    write(tmp_path, "mode: deploy\n" + text)

    with pytest.raises(ConfigError, match=message) as caught:
        load(tmp_path, speech_endpoint="local")
    assert caught.value.input_name == "config"


def test_a_huge_config_file_is_not_read(tmp_path: Path) -> None:
    # A pull request controls speech.yml: it must not make the action parse megabytes.
    (tmp_path / "speech.yml").write_text("locale: en-US\n" + "#" * 300_000 + "\n")
    with pytest.raises(ConfigError, match="larger than 256 KiB"):
        load_config({"mode": "benchmark-test", "speech-endpoint": "local"}, workspace=tmp_path)
