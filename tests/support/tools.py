"""Command-line validators installed in the test virtualenv (requirements-dev.txt)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest


def venv_tool(name: str) -> str:
    """The path of `name` beside this interpreter; a failed test (not a skip) without it,
    because CI installs it."""
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.fail(f"{name} is not installed in the virtualenv: run scripts/setup.sh --dev")
    return found
