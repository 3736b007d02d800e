"""The only edge: environment and argv in, exit code out.

Two doors lead in: `run_action(env)` for the container action (inputs as `INPUT_*`
variables) and `main(argv)` for the `speech-action` command (the same inputs as flags, plus
`speech-action serve` for the local service). Both end in `app.execute`.

Streams: inside GitHub Actions the log is workflow commands on stdout and the outputs go to
`$GITHUB_OUTPUT`, as the runner expects. Anywhere else the log goes to stderr and stdout
carries the outputs alone (JSON, or `name=value` lines with `--output text`), so a script can
read the result with `json.load`. The door decides how messages name a setting (`Hints`):
the action's inputs, or the command's flags and environment variables.
"""

from __future__ import annotations

import argparse
import difflib
import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from speech_action import __version__
from speech_action.config import (
    ACTION_HINTS,
    INPUTS,
    MODE_DESCRIPTIONS,
    Hints,
    InputSpec,
    inputs_from_cli_env,
    inputs_from_env,
)
from speech_action.github.context import github_context_from_env
from speech_action.github.workflow import Workflow, log_text
from speech_action.redaction import redact
from speech_action.run_mode import Mode

SERVE_HELP = "run the embedded local Speech to text service on 127.0.0.1 until interrupted"
OUTPUT_FORMS = ("json", "text")


def run_action(env: Mapping[str, str]) -> int:
    """The container action: inputs come as the runner passes them."""
    workspace = Path(env.get("GITHUB_WORKSPACE") or os.getcwd())
    return _execute(inputs_from_env(env), workspace, env, hints=ACTION_HINTS)


class SafeStream(io.TextIOBase):
    """A text stream whose writes are redacted and cannot form a workflow command."""

    def __init__(self, target: TextIO) -> None:
        self._target = target

    def write(self, text: str) -> int:
        self._target.write(log_text(redact(text)))
        return len(text)

    def flush(self) -> None:
        self._target.flush()

    def writable(self) -> bool:
        return True


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """`speech-action [--mode M ...]` and `speech-action serve ...`."""
    args = list(sys.argv[1:] if argv is None else argv)
    environment = dict(os.environ if env is None else env)
    if args[:1] == ["serve"]:
        return _serve(args[1:])
    parser = _mode_parser(_asked_mode(args))
    options, unknown = parser.parse_known_args(args)
    if unknown:
        parser.error(_unknown_arguments(unknown))
    inputs = inputs_from_cli_env(environment)
    inputs.update({spec.name: value for spec in INPUTS
                   if (value := getattr(options, _dest(spec.name))) is not None})
    workspace = Path(options.workspace or environment.get("GITHUB_WORKSPACE") or os.getcwd())
    actions = environment.get("GITHUB_ACTIONS") == "true"
    return _execute(inputs, workspace.resolve(), environment,
                    hints=Hints(cli=True, actions=actions), output=options.output)


def _execute(inputs: dict[str, str], workspace: Path, env: Mapping[str, str], *,
             hints: Hints, output: str = "json") -> int:
    with _safe_stderr() as log:
        return _run(inputs, workspace, env, hints=hints, output=output, log=log)


@contextmanager
def _safe_stderr() -> Iterator[TextIO]:
    """stderr redacted and unable to form a workflow command while the run lasts; yields
    the stream underneath, for the `Workflow`, which redacts and escapes on its own.

    The runner reads stderr for workflow commands too, and a library warning or a logged
    traceback reaches it without passing our Workflow.
    """
    original = sys.stderr
    sys.stderr = SafeStream(original)
    try:
        yield original
    finally:
        sys.stderr = original


def _run(inputs: dict[str, str], workspace: Path, env: Mapping[str, str], *,
         hints: Hints, output: str, log: TextIO) -> int:
    from speech_action.app import RunCancelled, RunRequest, execute  # after argparse: fast --help

    def cancel(signum: int, frame: FrameType | None) -> None:
        # A cancelled workflow sends SIGINT and/or SIGTERM, sometimes twice: the first one
        # ends the run cleanly; the rest must not interrupt the cleanup.
        for ignored in (signal.SIGINT, signal.SIGTERM):
            signal.signal(ignored, signal.SIG_IGN)
        raise RunCancelled()

    for cancelling in (signal.SIGINT, signal.SIGTERM):
        signal.signal(cancelling, cancel)
    context = github_context_from_env(env)
    if context.sha is None:
        context = replace(context, sha=_git_head(workspace))
    # Outside Actions stdout is the result alone: the log goes to stderr.
    workflow = Workflow(context=context, stdout=sys.stdout if context.actions else log,
                        plain=not context.actions)
    request = RunRequest(inputs=inputs, workspace=workspace.resolve(), context=context,
                         event=_event(context.event_path), hints=hints, environment=env)
    code = execute(request, workflow)
    if not context.actions or context.output_path is None:
        sys.stdout.write(format_outputs(workflow.outputs, output))
        sys.stdout.flush()
    return code


def format_outputs(outputs: Mapping[str, str], form: str) -> str:
    """The outputs as the command prints them: a JSON object, or `name=value` lines.

    A value spanning lines is written as a JSON string in the text form, so each output
    stays one line that `grep` and `cut -d= -f2-` can read.
    """
    if form == "json":
        return json.dumps(dict(outputs), indent=2) + "\n"
    return "".join(f"{name}={_one_line(value)}\n" for name, value in outputs.items())


def _one_line(value: str) -> str:
    return json.dumps(value) if "\n" in value or "\r" in value else value


def _git_head(workspace: Path) -> str | None:
    """The commit checked out in the workspace, for traceability outside Actions."""
    try:
        done = subprocess.run(["git", "-C", str(workspace), "rev-parse", "HEAD"],
                              capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    head = done.stdout.strip()
    return head if done.returncode == 0 and len(head) == 40 else None


def _event(path: Path | None) -> dict[str, Any]:
    """The webhook payload of the triggering event (`GITHUB_EVENT_PATH`), or {}."""
    if path is None or not path.is_file():
        return {}
    try:
        loaded = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _dest(name: str) -> str:
    return name.replace("-", "_")


GENERAL_HELP = (
    "Benchmark, train-and-gate and deploy Azure Custom Speech models. Every input of the "
    "GitHub Action is a flag; `speech-action --mode MODE --help` lists only the flags that "
    "mode uses. Outside GitHub Actions the log goes to stderr and the outputs alone to "
    "stdout (`--output`). "
)


def _mode_parser(mode: Mode | None = None) -> argparse.ArgumentParser:
    """The command's parser; with `mode`, its help shows only that mode's flags (the others
    are still accepted, so one script can pass the same flags to every mode)."""
    parser = argparse.ArgumentParser(prog="speech-action",
                                     description=_description(mode).replace("%", "%%"))
    parser.add_argument("--version", action="version", version=f"speech-action {__version__}")
    parser.add_argument("--workspace", help="the repository folder holding the data "
                        "(default: $GITHUB_WORKSPACE or the current folder)")
    parser.add_argument("--output", choices=OUTPUT_FORMS, default="json",
                        help="how stdout shows the outputs: a JSON object, or `name=value` "
                        "lines (default: json)")
    for spec in INPUTS:
        shown = mode is None or mode in spec.modes
        parser.add_argument(f"--{spec.name}", dest=_dest(spec.name), metavar="VALUE",
                            help=_flag_help(spec) if shown else argparse.SUPPRESS)
    return parser


def _description(mode: Mode | None) -> str:
    if mode is not None:
        return f"{mode.value}: {MODE_DESCRIPTIONS[mode]}"
    modes = ", ".join(each.value for each in Mode)
    return f"{GENERAL_HELP}Modes: {modes}. `speech-action serve --help`: {SERVE_HELP}."


def _flag_help(spec: InputSpec) -> str:
    """An input's description as a flag's help, with what the command really does by
    default: the environment variable it reads, and the default applied in code (never
    action.yml's, which may be a workflow expression such as `${{ github.token }}`)."""
    text = spec.description
    if spec.env:
        text += f" Also read from the environment variable {spec.env}."
    if spec.code_default:
        text += f" (default: {spec.code_default})"
    return text.replace("%", "%%")


def _asked_mode(args: Sequence[str]) -> Mode | None:
    """The mode named by `--mode M` or `--mode=M` (the last one, as argparse takes it)."""
    asked: str | None = None
    for index, arg in enumerate(args):
        if arg == "--mode" and index + 1 < len(args):
            asked = args[index + 1]
        elif arg.startswith("--mode="):
            asked = arg.partition("=")[2]
    try:
        return Mode(asked) if asked else None
    except ValueError:
        return None


def _unknown_arguments(unknown: Sequence[str]) -> str:
    """argparse's complaint, with a "did you mean" per unknown flag, and without echoing
    values: the one after a mistyped `--speach-key` is a secret."""
    flags = [f"--{spec.name}" for spec in INPUTS] + ["--workspace", "--output", "--version"]
    parts = []
    for arg in unknown:
        if not arg.startswith("-"):
            continue
        name = arg.partition("=")[0]
        close = difflib.get_close_matches(name, flags, n=1)
        parts.append(name + (f" (did you mean {close[0]}?)" if close else ""))
    values = len(unknown) - len(parts)
    stray = f"{values} {'value' if values == 1 else 'values'} without a flag" if values else ""
    return "unrecognized arguments: " + "; ".join(filter(None, [", ".join(parts), stray]))


def _serve(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="speech-action serve", description=SERVE_HELP)
    parser.add_argument("--port", type=int, default=0, help="TCP port on 127.0.0.1 (default: "
                        "a free one, printed at start)")
    parser.add_argument("--data-dir", type=Path, default=Path(".speech-local"),
                        help="folder holding the service's state (default: .speech-local)")
    parser.add_argument("--faults", type=Path, help="JSON or YAML fault plan for tests "
                        "(429s, 5xx, dropped connections, slow or failing jobs)")
    parser.add_argument("--job-delay", type=float, default=0.0, metavar="SECONDS",
                        help="extra time each job spends Running (default: 0)")
    parser.add_argument("--byos", action="store_true", help="act as a bring-your-own-storage "
                        "resource: file URLs without SAS token, endpoint logging allowed")
    options = parser.parse_args(argv)
    from speech_action.local.faults import load_fault_plan
    from speech_action.local.server import serve_forever

    faults = load_fault_plan(options.faults) if options.faults else None
    serve_forever(options.data_dir, options.port, faults=faults, job_delay_s=options.job_delay,
                  byos=options.byos)
    return 0
