"""Run the action the way the GitHub runner runs a docker action, and read back what it wrote.

The runner passes inputs as `INPUT_<NAME>` (upper-cased, hyphens kept), gives the step files
for outputs and the summary, and describes the event in a JSON file. `run_action` does the
same with `entrypoint.py` as a subprocess; `parse_github_output` reads `GITHUB_OUTPUT` with the
runner's rules (`name=value` lines and `name<<DELIMITER` heredocs).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ActionRun:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    output_file_text: str

    @property
    def all_text(self) -> str:
        """Everything the run showed or wrote that a user or a log could see. The runner
        consumes `::add-mask::` commands and never shows them, so they are left out."""
        log = "\n".join(line for line in self.stdout.splitlines()
                        if not line.startswith("::add-mask::"))
        return "\n".join((log, self.stderr, self.summary, self.output_file_text))

    def masked_before_anything_else(self, secret: str) -> bool:
        """The runner masks only what it was told before the text reached the log."""
        first = self.stdout.splitlines()[:1]
        return first == [f"::add-mask::{secret}"]

    def annotations(self, level: str = "error") -> list[str]:
        return [line for line in self.stdout.splitlines() if line.startswith(f"::{level}")]


def parse_github_output(text: str) -> dict[str, str]:
    """The runner's reading of a `GITHUB_OUTPUT` file."""
    outputs: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            value_lines: list[str] = []
            while lines[index] != delimiter:
                value_lines.append(lines[index])
                index += 1
            index += 1
            outputs[name] = "\n".join(value_lines)
        else:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


def action_env(
    inputs: dict[str, str],
    workspace: Path,
    step_dir: Path,
    *,
    event_name: str = "push",
    event: dict[str, Any] | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, str]:
    """The environment a docker action's container gets, with these inputs."""
    event_path = step_dir / "event.json"
    event_path.write_text(json.dumps(event or {}), encoding="utf-8")
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(step_dir / "home"),
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(step_dir / "output.txt"),
        "GITHUB_STEP_SUMMARY": str(step_dir / "summary.md"),
        "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_EVENT_PATH": str(event_path),
        "GITHUB_REPOSITORY": "contoso/speech-data",
        "GITHUB_RUN_ID": "4242",
        "GITHUB_RUN_ATTEMPT": "1",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_API_URL": "https://api.github.com",
        "RUNNER_TEMP": str(step_dir / "tmp"),
    }
    for name, value in inputs.items():
        env[f"INPUT_{name.upper()}"] = value
    env.update(extra or {})
    return env


def run_action(
    inputs: dict[str, str],
    workspace: Path,
    step_dir: Path,
    *,
    event_name: str = "push",
    event: dict[str, Any] | None = None,
    extra_env: dict[str, str] | None = None,
    timeout_s: float = 600,
) -> ActionRun:
    """Run `entrypoint.py` once as the runner would; the step's files live in `step_dir`."""
    step_dir.mkdir(parents=True, exist_ok=True)
    (step_dir / "home").mkdir(exist_ok=True)
    (step_dir / "tmp").mkdir(exist_ok=True)
    env = action_env(
        inputs, workspace, step_dir, event_name=event_name, event=event, extra=extra_env
    )
    output_file = Path(env["GITHUB_OUTPUT"])
    summary_file = Path(env["GITHUB_STEP_SUMMARY"])
    output_file.write_text("", encoding="utf-8")
    summary_file.write_text("", encoding="utf-8")
    completed = subprocess.run(
        [sys.executable, str(ROOT / "entrypoint.py")],
        cwd=workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    output_text = output_file.read_text(encoding="utf-8")
    return ActionRun(
        returncode=completed.returncode,
        stdout=completed.stdout,
        stderr=completed.stderr,
        outputs=parse_github_output(output_text),
        summary=summary_file.read_text(encoding="utf-8"),
        output_file_text=output_text,
    )
