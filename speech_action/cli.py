"""The only edge: environment and argv in, exit code out.

Two doors lead in: `run_action(env)` for the container action (inputs as `INPUT_*`
variables) and `main(argv)` for the `speech-action` command (the same inputs as flags, plus
`speech-action serve` for the local service). Both end in `app.execute`.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import Any, TextIO

from speech_action import __version__
from speech_action.config import INPUTS, inputs_from_cli_env, inputs_from_env
from speech_action.github.context import github_context_from_env
from speech_action.github.workflow import Workflow, log_text
from speech_action.redaction import redact

SERVE_HELP = "run the embedded local Speech to text service on 127.0.0.1 until interrupted"


def run_action(env: Mapping[str, str]) -> int:
    """The container action: inputs come as the runner passes them."""
    workspace = Path(env.get("GITHUB_WORKSPACE") or os.getcwd())
    # The runner reads stderr for workflow commands too, and a library warning or a
    # logged traceback reaches it without passing our Workflow: keep it redacted and inert.
    sys.stderr = SafeStream(sys.stderr)
    return _execute(inputs_from_env(env), workspace, env)


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
    options = _mode_parser().parse_args(args)
    inputs = inputs_from_cli_env(environment)
    inputs.update({spec.name: value for spec in INPUTS
                   if (value := getattr(options, _dest(spec.name))) is not None})
    workspace = Path(options.workspace or environment.get("GITHUB_WORKSPACE") or os.getcwd())
    return _execute(inputs, workspace.resolve(), environment)


def _execute(inputs: dict[str, str], workspace: Path, env: Mapping[str, str]) -> int:
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
    workflow = Workflow(context=context, plain=not context.actions)
    request = RunRequest(inputs=inputs, workspace=workspace.resolve(), context=context,
                         event=_event(context.event_path))
    code = execute(request, workflow)
    if context.output_path is None:
        print(json.dumps(workflow.outputs, indent=2))
    return code


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


def _mode_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="speech-action",
        description="Benchmark, train-and-gate and deploy Azure Custom Speech models. "
        "Every input of the GitHub Action is a flag; SPEECH_KEY, SPEECH_REGION and "
        "SPEECH_ENDPOINT are read from the environment too. Outputs are printed as JSON. "
        f"`speech-action serve --help`: {SERVE_HELP}.",
    )
    parser.add_argument("--version", action="version", version=f"speech-action {__version__}")
    parser.add_argument("--workspace", help="the repository folder holding the data "
                        "(default: $GITHUB_WORKSPACE or the current folder)")
    for spec in INPUTS:
        default = f" (default: {spec.default})" if spec.default else ""
        parser.add_argument(f"--{spec.name}", dest=_dest(spec.name), metavar="VALUE",
                            help=spec.description.replace("%", "%%") + default)
    return parser


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
