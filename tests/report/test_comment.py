"""The PR comment: marker first, compact, within GitHub's comment size limit."""

from __future__ import annotations

from speech_action.report import COMMENT_MARKER, render_pr_comment, render_summary
from tests.report.builders import many_utterances, train_and_gate

GITHUB_COMMENT_LIMIT_CHARS = 65_536


def test_marker_on_the_first_line() -> None:
    text = render_pr_comment(train_and_gate())
    assert COMMENT_MARKER == "<!-- speech-action:wer-report -->"
    assert text.splitlines()[0] == COMMENT_MARKER
    assert text.count(COMMENT_MARKER) == 1


def test_same_content_more_compact() -> None:
    report = train_and_gate()
    comment = render_pr_comment(report)
    summary = render_summary(report)
    for part in (
        "\u2705 **Improved**: WER 52.17 % \u2192 17.39 %",
        "| WER | 52.17 % | 17.39 % |",
        "### Utterances that changed most",
        "### Most frequent confusions",
        "xychart-beta",
        "Normalizer: nfkc-casefold-nopunct-v1",
        "expires on 2026-12-03",
    ):
        assert part in comment, part
    assert "**Service entities**: Evaluation `e-1` \u00b7 Test data `d-1`." in comment
    assert len(comment) < len(summary) + len(COMMENT_MARKER) + 1


def test_comment_shows_fewer_utterances() -> None:
    report = train_and_gate(utterances=many_utterances(200, 12))
    comment = render_pr_comment(report)
    assert "### Utterances that changed most (5 of 200 changed)" in comment
    assert comment.count("<details>") == 5


def test_large_test_set_stays_under_the_comment_limit() -> None:
    report = train_and_gate(utterances=many_utterances(2000, 150, scattered=True))
    comment = render_pr_comment(report, max_utterances=100)
    assert len(comment) < GITHUB_COMMENT_LIMIT_CHARS
    assert "more utterance(s) left out" in comment
    assert comment.startswith(COMMENT_MARKER + "\n## Custom Speech")
