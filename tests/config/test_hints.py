"""Messages name settings in the words of the door they came in: the action's inputs
(`with:`, repository secrets) or the command's flags and environment variables; and an
unknown name gets the closest known one."""

from __future__ import annotations

from pathlib import Path

import pytest

from speech_action.config import ACTION_HINTS, ConfigError, ConfigErrors, Hints, load_config
from speech_action.config.hints import did_you_mean

TERMINAL = Hints(cli=True, actions=False)
RUN_STEP = Hints(cli=True, actions=True)  # `run: speech-action ...` in a workflow


def _error(tmp_path: Path, inputs: dict[str, str], hints: Hints) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(inputs, workspace=tmp_path, hints=hints)
    return str(caught.value)


def test_a_missing_key_on_a_terminal_names_the_flag_and_the_variable(tmp_path: Path) -> None:
    message = _error(tmp_path, {"mode": "deploy", "speech-region": "eastus"}, TERMINAL)
    assert message == ("`--speech-key` (`SPEECH_KEY`) is required for the Speech service; "
                       "pass `--speech-key` or set the environment variable `SPEECH_KEY`")


def test_a_missing_key_in_a_run_step_says_how_the_workflow_passes_the_secret(
        tmp_path: Path) -> None:
    message = _error(tmp_path, {"mode": "deploy", "speech-region": "eastus"}, RUN_STEP)
    assert message.endswith("set the environment variable `SPEECH_KEY` "
                            "(in the workflow: `env: SPEECH_KEY: ${{ secrets.SPEECH_KEY }}`)")


def test_a_missing_key_in_the_action_is_in_workflow_terms(tmp_path: Path) -> None:
    message = _error(tmp_path, {"mode": "deploy", "speech-region": "eastus"}, ACTION_HINTS)
    assert message == ("input `speech-key` is required for the Speech service; pass it from a "
                       "repository secret: `speech-key: ${{ secrets.SPEECH_KEY }}` (`with:`)")
    assert "--speech-key" not in message


def test_every_config_hint_on_a_terminal_is_free_of_workflow_terms(tmp_path: Path) -> None:
    with pytest.raises(ConfigErrors) as caught:
        load_config({"locale": "not a locale"}, workspace=tmp_path, hints=TERMINAL)
    text = str(caught.value)
    assert "`--mode` is required" in text
    assert "`--locale`: `not a locale` is not a locale" in text
    assert ("give one (e.g. `--speech-region eastus` or `SPEECH_REGION=eastus`, or "
            "`--speech-endpoint local` or `SPEECH_ENDPOINT=local` for the offline engine)"
            ) in text
    assert "input `" not in text and "${{" not in text and "with:" not in text


def test_a_refused_file_setting_says_which_flag_takes_it(tmp_path: Path) -> None:
    (tmp_path / "speech.yml").write_text("speech-key: abc\n", encoding="utf-8")
    message = _error(tmp_path, {"mode": "deploy", "speech-region": "eastus"}, TERMINAL)
    assert message == ("`speech-key` in speech.yml line 1: a secret never belongs in a file a "
                       "pull request can change; give it as `--speech-key` or `SPEECH_KEY` "
                       "instead")


def test_a_missing_named_config_file_names_the_flag(tmp_path: Path) -> None:
    message = _error(tmp_path, {"config": "nope.yml"}, TERMINAL)
    assert message.startswith("`--config`: the config file `nope.yml` does not exist")


def test_did_you_mean() -> None:
    assert did_you_mean("speech-regoin", ["speech-region", "locale"]) == (
        " (did you mean `speech-region`?)")
    assert did_you_mean("zzz", ["speech-region", "locale"]) == ""


def test_an_unknown_key_in_the_file_gets_the_closest_setting(tmp_path: Path) -> None:
    (tmp_path / "speech.yml").write_text("mode: deploy\nmin-improvment: 1\n", encoding="utf-8")
    message = _error(tmp_path, {"speech-endpoint": "local"}, ACTION_HINTS)
    assert message.startswith("speech.yml line 2: unknown setting `min-improvment` "
                              "(did you mean `min-improvement`?);")


@pytest.mark.parametrize(("section", "key", "meant"), [
    ("data", "transcript-file", "transcript-files"),
    ("upload", "blob-from-megabytes", "blob-from-mb"),
])
def test_an_unknown_key_of_a_section_gets_the_closest_key(tmp_path: Path, section: str,
                                                          key: str, meant: str) -> None:
    (tmp_path / "speech.yml").write_text(f"mode: deploy\n{section}:\n  {key}: x\n",
                                         encoding="utf-8")
    message = _error(tmp_path, {"speech-endpoint": "local"}, ACTION_HINTS)
    assert f"unknown `{section}` key `{key}` (did you mean `{meant}`?)" in message


def test_an_unknown_input_gets_the_closest_input(tmp_path: Path) -> None:
    message = _error(tmp_path, {"mode": "deploy", "speech_key": "x"}, ACTION_HINTS)
    assert message.startswith("unknown input `speech_key` (did you mean `speech-key`?)")
