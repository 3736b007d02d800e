"""Inputs from the runner's `INPUT_*` variables and the CLI's `SPEECH_*` variables."""

from __future__ import annotations

import re
from pathlib import Path

from speech_action.config import (
    INPUTS,
    Config,
    inputs_from_cli_env,
    inputs_from_env,
    secret_inputs,
)
from speech_action.run_mode import Mode


def test_hyphens_kept_as_the_runner_passes_them() -> None:
    env = {"INPUT_SPEECH-KEY": "k1", "INPUT_MODE": "deploy", "INPUT_TIMEOUT-MINUTES": "5"}
    assert inputs_from_env(env) == {"speech-key": "k1", "mode": "deploy", "timeout-minutes": "5"}


def test_underscore_spelling_accepted() -> None:
    env = {"INPUT_SPEECH_KEY": "k2", "INPUT_FAIL_ON_NO_IMPROVEMENT": "true"}
    assert inputs_from_env(env) == {"speech-key": "k2", "fail-on-no-improvement": "true"}


def test_hyphen_spelling_wins_over_underscore() -> None:
    env = {"INPUT_SPEECH-REGION": "eastus", "INPUT_SPEECH_REGION": "westus"}
    assert inputs_from_env(env) == {"speech-region": "eastus"}


def test_empty_means_unset_and_values_are_stripped() -> None:
    env = {"INPUT_SPEECH-KEY": "", "INPUT_SPEECH-REGION": "  eastus \n", "INPUT_PROJECT": "   "}
    assert inputs_from_env(env) == {"speech-region": "eastus"}


def test_a_value_equal_to_the_default_is_given_and_wins() -> None:
    # The runner sets INPUT_* to the workflow's value or to action.yml's default, so a value
    # cannot tell; every non-empty one counts as given (fail safe: the workflow wins).
    env = {"INPUT_LOCALE": "en-US", "INPUT_LOGGING-ENABLED": "false", "INPUT_COMMENT": "true"}
    assert inputs_from_env(env) == {"locale": "en-US", "logging-enabled": "false",
                                    "comment": "true"}


def test_action_yml_leaves_empty_every_default_the_file_may_set() -> None:
    # So that "not given" reaches the container as "" and speech.yml can still set it; the
    # real default is applied in code (and shown in the README and the description).
    for spec in INPUTS:
        if spec.required:
            assert spec.runner_default is None
        elif spec.name == "github-token":  # `${{ github.token }}`: only the runner has it
            assert spec.runner_default == spec.default
        else:
            assert spec.runner_default == "", spec.name
            if spec.default:
                assert spec.action_yml_description.endswith(f"Default: `{spec.default}`.")


def test_unknown_input_variables_are_ignored() -> None:
    assert inputs_from_env({"INPUT_SOMETHING-ELSE": "x", "GITHUB_SHA": "abc"}) == {}


def test_cli_environment_variables() -> None:
    env = {"SPEECH_KEY": "k", "SPEECH_REGION": "eastus", "SPEECH_ENDPOINT": "", "HOME": "/h",
           "GITHUB_TOKEN": "t"}
    assert inputs_from_cli_env(env) == {"speech-key": "k", "speech-region": "eastus",
                                        "github-token": "t"}
    assert {spec.env for spec in INPUTS if spec.env} == {
        "SPEECH_KEY", "SPEECH_REGION", "SPEECH_ENDPOINT", "GITHUB_TOKEN", "AZURE_CLIENT_ID",
        "AZURE_TENANT_ID"}


def test_a_description_naming_a_mode_agrees_with_the_modes_that_use_the_input() -> None:
    # `speech-action --mode deploy --help` follows `modes`; action.yml shows the description.
    for spec in INPUTS:
        named = [mode for mode in Mode if spec.description.startswith(f"{mode.value}:")]
        if named:
            assert spec.modes == frozenset(named), spec.name
    only = {spec.name: {mode.value for mode in spec.modes} for spec in INPUTS
            if spec.modes != frozenset(Mode)}
    assert only == {
        "testing-data": {"benchmark-test", "train-and-gate"},
        "training-data": {"train-and-gate"},
        "base-model": {"benchmark-test", "train-and-gate"},  # the first benchmark's model
        "benchmark-model": {"benchmark-test", "train-and-gate"},
        "min-improvement": {"train-and-gate"},
        "require-significance": {"train-and-gate"},
        "fail-on-no-improvement": {"train-and-gate"},
        "model": {"deploy"},
        "endpoint-name": {"deploy"},
        "endpoint-id": {"deploy"},
        "logging-enabled": {"deploy"},
    }


def test_secret_inputs() -> None:
    inputs = {"speech-key": "k", "storage-connection-string": "c", "github-token": "t", "mode": "x"}
    assert sorted(secret_inputs(inputs)) == ["c", "k", "t"]


def test_inputs_table_is_complete_and_kebab_case() -> None:
    names = [spec.name for spec in INPUTS]
    assert len(names) == len(set(names)) == 29
    assert all(re.fullmatch(r"[a-z]+(-[a-z]+)*", name) for name in names)
    assert {spec.name for spec in INPUTS if spec.parser(Path("/ws")) is None} == {"config"}
    assert all(spec.description.endswith(".") for spec in INPUTS)
    assert {spec.name for spec in INPUTS if spec.secret} == {
        "speech-key",
        "storage-connection-string",
        "github-token",
    }
    assert [spec.name for spec in INPUTS if spec.required] == ["mode"]


def test_each_parsed_input_has_the_config_field_of_its_name() -> None:
    # One declaration: adding an input to INPUTS without its Config field (or leaving a
    # field behind when an input goes) fails here, not at run time.
    parsed = {spec.field for spec in INPUTS if spec.name != "config"}
    in_layout = {"testing_data", "training_data"}  # held in Config.data
    fields = set(Config.model_fields)
    assert parsed - in_layout <= fields
    assert fields - parsed == {
        "workspace", "config_file", "data", "repository", "blob_upload_from_mb",
    }
