"""Container entrypoint of the GitHub Action: the runner's environment into `speech_action.cli`."""

import os
import sys

# The guard matters: the local engine decodes in worker processes, which import this module.
if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from speech_action.cli import run_action

    raise SystemExit(run_action(dict(os.environ)))
