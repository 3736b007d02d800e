"""How much of an untrusted value an error message repeats."""

from __future__ import annotations

from pathlib import Path

from speech_action.errors import shown
from tests.data.conftest import TAB, collect, make_workspace


def test_a_short_value_is_repeated_whole_a_long_one_is_cut_and_counted() -> None:
    assert shown("short") == "short"
    assert shown("n" * 4_000_000) == "n" * 100 + "... (3,999,900 more characters)"


def test_a_huge_name_in_a_transcript_line_is_not_repeated_whole(tmp_path: Path) -> None:
    # A pull request writes the transcript: a 1 MB "file name" in a problem would be a
    # 1 MB annotation.
    workspace = make_workspace(tmp_path)
    transcript = workspace / "testing_data" / "trans.txt"
    with transcript.open("a", encoding="utf-8") as out:
        out.write(f"{'x' * 1_000_000}{TAB}hello\n")
    problems = collect(workspace)
    [problem] = [p for p in problems if "x" * 100 in p.message]
    assert len(problem.message) < 400
    assert "999,900 more characters" in problem.message
