"""`scripts/report-preview/`: the review cases still render (the screenshots themselves
need Chromium and npm and are not run here), and the npm folder stays pinned and offline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from speech_action.report import COMMENT_MARKER

ROOT = Path(__file__).resolve().parents[2]
PREVIEW = ROOT / "scripts" / "report-preview"
CASES = (
    "clear-win",
    "win-with-regressions",
    "loss",
    "first-run",
    "deploy",
    "per-utterance-unavailable",
    "several-test-sets-guard-blocked",
)


def test_every_case_is_written_as_summary_and_comment(tmp_path: Path) -> None:
    # As run.sh runs it: a script from the repository root, not an installed module.
    result = subprocess.run(
        [sys.executable, str(PREVIEW / "render_cases.py"), str(tmp_path / "out")],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    )
    expected = [tmp_path / "out" / f"{case}.{kind}.md"
                for case in CASES for kind in ("summary", "comment")]
    assert result.stdout.split() == [str(path) for path in expected]
    for path in expected:
        text = path.read_text(encoding="utf-8")
        if path.name.endswith(".comment.md"):
            assert text.startswith(COMMENT_MARKER + "\n")
            text = text.removeprefix(COMMENT_MARKER + "\n")
        assert text.startswith("## Custom Speech "), path.name


def test_a_case_with_history_has_a_mermaid_chart(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(PREVIEW / "render_cases.py"), str(tmp_path)],
                   capture_output=True, check=True)
    assert "```mermaid\n" in (tmp_path / "clear-win.summary.md").read_text(encoding="utf-8")


def test_npm_packages_are_pinned_and_the_lockfile_names_no_registry() -> None:
    package = json.loads((PREVIEW / "package.json").read_text(encoding="utf-8"))
    pins = package["devDependencies"]
    assert set(pins) == {"marked", "github-markdown-css", "mermaid", "playwright-core"}
    assert all(version[0].isdigit() for version in pins.values()), pins
    lock = json.loads((PREVIEW / "package-lock.json").read_text(encoding="utf-8"))
    assert lock["packages"][""]["devDependencies"] == pins
    assert not [name for name, entry in lock["packages"].items() if "resolved" in entry]
