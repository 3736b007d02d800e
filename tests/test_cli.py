"""The `speech-action` command's parser and printing: per-mode help, defaults a terminal can
use, and the outputs on stdout in either form."""

from __future__ import annotations

import re
import sys

import pytest

from speech_action import cli
from speech_action.config import INPUTS, MODE_DESCRIPTIONS
from speech_action.run_mode import Mode

COMMAND_FLAGS = {"-h", "--help", "--version", "--workspace", "--output"}


def _help(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    with pytest.raises(SystemExit) as exited:
        cli.main([*args, "--help"], {})
    assert exited.value.code == 0
    return capsys.readouterr().out


def _options(help_text: str) -> dict[str, str]:
    """The options section: each flag (`-h` and `--help` apart) with its help, on one line."""
    options: dict[str, str] = {}
    flags: list[str] = []
    for line in help_text.split("\noptions:\n", 1)[1].splitlines():
        if re.match(r"  -", line):
            flags = re.findall(r"(?:^|, )(--?[a-z][a-z-]*)", line.strip())
            line = re.sub(r"^\s*(-\S+( [A-Z{][^ ]*)?,? ?)+", "", line)
        for flag in flags:
            options[flag] = " ".join((options.get(flag, "") + " " + line).split())
    return options


def _listed_flags(help_text: str) -> set[str]:
    return set(_options(help_text))


@pytest.mark.parametrize("mode", list(Mode))
def test_per_mode_help_lists_exactly_the_mode_s_flags(capsys: pytest.CaptureFixture[str],
                                                      mode: Mode) -> None:
    text = _help(capsys, "--mode", mode.value)
    expected = {f"--{spec.name}" for spec in INPUTS if mode in spec.modes}
    assert _listed_flags(text) == expected | COMMAND_FLAGS
    assert " ".join(MODE_DESCRIPTIONS[mode].split()[:6]) in " ".join(text.split())


def test_the_mode_can_be_given_with_an_equals_sign(capsys: pytest.CaptureFixture[str]) -> None:
    assert "--endpoint-id" not in _help(capsys, "--mode=train-and-gate")


def test_general_help_lists_every_flag(capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(capsys)
    assert _listed_flags(text) == {f"--{spec.name}" for spec in INPUTS} | COMMAND_FLAGS
    assert "--mode MODE --help" in " ".join(text.split())


def test_an_unknown_mode_gets_the_general_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert "--endpoint-id" in _help(capsys, "--mode", "depoly")


@pytest.mark.parametrize("args", [(), *(("--mode", mode.value) for mode in Mode)])
def test_help_shows_no_workflow_expression(capsys: pytest.CaptureFixture[str],
                                           args: tuple[str, ...]) -> None:
    text = _help(capsys, *args)
    assert "${{" not in text
    assert "GITHUB_TOKEN" in _options(text)["--github-token"]


def test_flags_say_which_variable_they_read(capsys: pytest.CaptureFixture[str]) -> None:
    text = " ".join(_help(capsys).split())
    for variable in ("SPEECH_KEY", "SPEECH_REGION", "SPEECH_ENDPOINT", "GITHUB_TOKEN"):
        assert f"environment variable {variable}" in text


def test_outputs_as_json_and_as_text() -> None:
    outputs = {"wer": "6.50", "improved": "true", "odd": "a\nb"}
    assert cli.format_outputs(outputs, "json") == (
        '{\n  "wer": "6.50",\n  "improved": "true",\n  "odd": "a\\nb"\n}\n')
    assert cli.format_outputs(outputs, "text") == 'wer=6.50\nimproved=true\nodd="a\\nb"\n'


def test_stderr_is_restored_after_a_run() -> None:
    before = sys.stderr
    with cli._safe_stderr() as underneath:
        assert underneath is before and isinstance(sys.stderr, cli.SafeStream)
    assert sys.stderr is before


def test_a_refused_flag_is_titled_by_its_flag(capsys: pytest.CaptureFixture[str],
                                              tmp_path: object) -> None:
    """On the command line an error names the flag, not an action input."""
    code = cli.main(["--mode", "train-and-gate", "--speech-endpoint", "local",
                     "--min-improvement", "abc", "--workspace", str(tmp_path)], {})
    err = capsys.readouterr().err
    assert code != 0
    assert "Invalid --min-improvement" in err
    assert "Invalid input" not in err
