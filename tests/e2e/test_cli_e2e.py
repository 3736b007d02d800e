"""The `speech-action` command as a script runs it: outside GitHub Actions stdout holds the
outputs alone (JSON, or `name=value` lines) and stderr the log; inside Actions nothing
changes (commands on stdout, outputs in `$GITHUB_OUTPUT`). Hints name what the user can
type where the program runs: flags and variables on a terminal, `with:` for the action.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.e2e.conftest import ROOT, SPEECH_KEY, RecordingService
from tests.support.runner import parse_github_output, run_action

TOKEN = "ghp_cli0token0never0shown0123456789"


def _cli(args: list[str], workspace: Path, home: Path,
         extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m speech_action ARGS` with a clean environment (no GITHUB_* variables)."""
    home.mkdir(parents=True, exist_ok=True)
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(home), **(extra_env or {})}
    return subprocess.run([sys.executable, "-m", "speech_action", *args,
                           "--workspace", str(workspace)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
                          check=False)


def _benchmark(service: RecordingService, *extra: str) -> list[str]:
    return ["--mode", "benchmark-test", "--speech-endpoint", service.url,
            "--poll-seconds", "0.05", *extra]


def test_stdout_is_the_outputs_json_alone_and_the_log_is_on_stderr(
        speech_service: RecordingService, workspace: Path, tmp_path: Path) -> None:
    done = _cli(_benchmark(speech_service), workspace, tmp_path / "home",
                {"SPEECH_KEY": SPEECH_KEY, "GITHUB_TOKEN": TOKEN})
    assert done.returncode == 0, done.stderr
    outputs = json.loads(done.stdout)  # the whole of stdout: nothing else is on it
    assert set(outputs) >= {"wer", "benchmark-wer", "wer-delta", "improved", "model",
                            "evaluation", "report"}
    assert outputs["improved"] == "false"
    assert "speech-action benchmark-test: locale en-US" in done.stderr
    assert "== Evaluate" in done.stderr  # groups are log lines too
    assert "notice: speech-action benchmark-test" in done.stderr
    assert "::" not in done.stderr  # no workflow command outside Actions
    # The summary goes next to the report, and stderr says where.
    summary = Path(outputs["report"]).with_suffix(".md")
    assert (workspace / summary).is_file()
    assert f"summary written to {summary}" in done.stderr
    for secret in (SPEECH_KEY, TOKEN):
        assert secret not in done.stdout + done.stderr


def test_output_text_prints_name_value_lines(speech_service: RecordingService,
                                             workspace: Path, tmp_path: Path) -> None:
    done = _cli(_benchmark(speech_service, "--output", "text"), workspace, tmp_path / "home",
                {"SPEECH_KEY": SPEECH_KEY})
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    outputs = dict(line.split("=", 1) for line in lines)
    assert len(outputs) == len(lines) and {"wer", "improved", "report"} <= set(outputs)
    assert outputs["improved"] == "false"
    assert "speech-action benchmark-test" not in done.stdout


def test_a_failed_run_still_prints_parsable_outputs_and_hints_in_flags(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    done = _cli(["--mode", "benchmark-test", "--speech-region", "eastus"], tmp_path / "repo",
                tmp_path / "home")
    assert done.returncode == 1
    assert json.loads(done.stdout) == {"improved": "false"}
    assert "`--speech-key` (`SPEECH_KEY`) is required" in done.stderr
    assert "pass `--speech-key` or set the environment variable `SPEECH_KEY`" in done.stderr
    assert "${{" not in done.stderr and "with:" not in done.stderr


def test_inside_actions_the_command_keeps_the_runner_s_streams(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    output_file = tmp_path / "output"
    output_file.write_text("", encoding="utf-8")
    done = _cli(["--mode", "benchmark-test", "--speech-region", "eastus"], tmp_path / "repo",
                tmp_path / "home", {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(output_file)})
    assert done.returncode == 1
    errors = [line for line in done.stdout.splitlines() if line.startswith("::error")]
    assert errors and "`--speech-key` (`SPEECH_KEY`) is required" in errors[0]
    # A run step takes flags and variables; the secret comes from the workflow's `env:`.
    assert "env: SPEECH_KEY: ${{ secrets.SPEECH_KEY }}" in errors[0]
    # No outputs JSON among the commands: they went to GITHUB_OUTPUT.
    assert not [line for line in done.stdout.splitlines() if line.startswith(("{", "}"))]
    assert parse_github_output(output_file.read_text(encoding="utf-8")) == {"improved": "false"}


def test_the_action_s_hint_is_in_workflow_terms(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    run = run_action({"mode": "benchmark-test", "speech-region": "eastus"}, tmp_path / "repo",
                     tmp_path / "step")
    assert run.returncode == 1
    [error] = run.annotations()
    assert "input `speech-key` is required" in error
    assert "`speech-key: ${{ secrets.SPEECH_KEY }}` (`with:`)" in error
    assert "--speech-key" not in run.stdout


def test_a_mistyped_flag_gets_a_suggestion_and_its_value_is_not_echoed(tmp_path: Path) -> None:
    done = _cli(["--mode", "deploy", "--speach-key", SPEECH_KEY], tmp_path, tmp_path / "home")
    assert done.returncode == 2 and done.stdout == ""
    assert "--speach-key (did you mean --speech-key?)" in done.stderr
    assert SPEECH_KEY not in done.stderr
