"""Container entrypoint of the GitHub Action: the runner's environment into `speech_action.cli`."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from speech_action.cli import run_action  # after the path is set, on purpose

raise SystemExit(run_action(dict(os.environ)))
