"""Issue #15: the reports a speech team acts on at a glance. Rendered for a clear win, a
win with regressions, a loss, a first run and a deploy: the verdict line, the regressions
before the improvements, the counts, and every figure agreeing with the outputs."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from speech_action.report import (
    COMMENT_MARKER,
    Report,
    render_pr_comment,
    render_summary,
    verdict,
    wer_change,
)
from tests.report import scenarios
from tests.report.builders import train_and_gate

FIRST_LINE = re.compile(
    r"WER (?P<benchmark>\d+\.\d\d) % \u2192 (?P<wer>\d+\.\d\d) % "
    r"\((?P<change>[+-]?\d+\.\d\d) points(?:, (?P<relative>[+-]?\d+\.\d) %)?\)")

SCENARIOS: dict[str, Callable[[], Report]] = {
    "clear win": train_and_gate,
    "win with regressions": scenarios.win_with_regressions,
    "loss": scenarios.loss,
    "first run": scenarios.first_run,
    "deploy": scenarios.deploy,
}


def _first_line(text: str) -> str:
    """The first line after the heading (and, in a comment, after the hidden marker)."""
    lines = [line for line in text.splitlines() if line and line != COMMENT_MARKER]
    assert lines[0].startswith("## Custom Speech ")
    return lines[1]


@pytest.mark.parametrize("make", SCENARIOS.values(), ids=SCENARIOS.keys())
@pytest.mark.parametrize("render", [render_summary, render_pr_comment])
def test_the_first_line_holds_the_verdict_and_the_outputs_figures(
        make: Callable[[], Report], render: Callable[[Report], str]) -> None:
    report = make()
    line = _first_line(render(report))
    assert line == verdict(report).markdown()
    change = wer_change(report)
    assert change is not None
    outputs = change.outputs()
    found = FIRST_LINE.search(line)
    assert found, line
    assert found["benchmark"] == outputs["benchmark-wer"]
    assert found["wer"] == outputs["wer"]
    # The line shows the WER's own change; `wer-delta` is the gain (positive is better).
    assert float(found["change"]) == -float(outputs["wer-delta"])
    assert found["change"].lstrip("+-") == outputs["wer-delta"].lstrip("-")


@pytest.mark.parametrize("make", SCENARIOS.values(), ids=SCENARIOS.keys())
def test_the_verdict_is_said_once(make: Callable[[], Report]) -> None:
    report = make()
    text = render_summary(report)
    word = verdict(report).word
    assert text.count(f"**{word}**") == 1
    assert "delta" not in text.lower()
    if report.gate is not None:
        assert report.gate.reason not in text  # the rule is in the first line, once


def test_verdict_lines() -> None:
    assert verdict(train_and_gate()).text() == (
        "Improved: WER 52.17 % \u2192 17.39 % (-34.78 points, -66.7 %), significant at 95 %; "
        "required: a decrease of at least 0.50 points.")
    assert verdict(scenarios.loss()).text() == (
        "Not improved: WER 10.00 % \u2192 20.00 % (+10.00 points, +100.0 %), not significant "
        "at 95 %; required: any decrease.")
    assert verdict(scenarios.deploy()).text() == (
        "Deployed: custom abc1234 to endpoint contoso custom speech: WER 64.09 % \u2192 "
        "29.83 % (-34.26 points, -53.4 %) at its gate.")


@pytest.mark.parametrize("render", [render_summary, render_pr_comment])
def test_a_regression_ranked_after_many_improvements_is_shown_first(
        render: Callable[[Report], str]) -> None:
    text = render(scenarios.win_with_regressions())
    assert "**20 utterance(s)**: 18 better, 1 worse, 1 unchanged." in text
    worse = text.index("#### \u26a0\ufe0f Got worse (1 of 1)")
    assert worse < text.index("<code>worse.wav</code>: 0 \u2192 4 errors (4 more)") \
        < text.index("#### Got better") < text.index("<code>better00.wav</code>")


def test_the_comment_shows_every_regression_up_to_its_cap() -> None:
    text = render_pr_comment(scenarios.win_with_regressions(), max_utterances=0)
    assert "### Utterances that changed most (1 of 19 changed)" in text
    assert "worse.wav" in text and "better00.wav" not in text and "Got better" not in text


def test_a_loss_lists_what_got_worse() -> None:
    text = render_summary(scenarios.loss())
    assert "**3 utterance(s)**: 0 better, 2 worse, 1 unchanged." in text
    assert "#### \u26a0\ufe0f Got worse (2 of 2)" in text and "Got better" not in text
    assert text.index("a.wav") < text.index("c.wav")  # 2 more errors before 1 more


def test_a_first_run_has_no_chart_and_no_empty_section() -> None:
    text = render_summary(scenarios.first_run())
    assert "mermaid" not in text and "### WER history" not in text
    assert not re.search(r"^###.*\n\n(###|<sub>)", text, flags=re.M)  # no empty section


def test_without_per_utterance_results_the_report_still_reads_well() -> None:
    warning = "the per-utterance results could not be read (links without SAS)"
    report = train_and_gate(utterances=(), significance=None, warnings=(warning,))
    for text in (render_summary(report), render_pr_comment(report)):
        assert "significance not computed (no per-utterance results)" in _first_line(text)
        assert warning in text
        assert "### Utterances" not in text and "Got worse" not in text
        assert "\u2014 | \u2014 |" not in text  # no row of dashes
        assert "Most frequent confusions" not in text and "recomputed" not in text
        assert not re.search(r"^###.*\n\n(###|<sub>)", text, flags=re.M)


def test_deploy_shows_the_previous_and_the_new_model_and_the_endpoint() -> None:
    text = render_summary(scenarios.deploy())
    assert (
        "| | Previous benchmark | Deployed |\n"
        "|---|---|---|\n"
        "| Model | base 20241218 `base-1` | custom abc1234 `m-2` |\n"
        "| WER | 64.09 % | 29.83 % |\n"
        "| Test data | `ffffffffffff` | `ffffffffffff` |\n"
        "| Trained | not by speech-action | 2026-11-21 06:30 UTC by `abc1234` |\n"
        "\n"
        "Endpoint: **contoso custom speech** `ep-9`"
    ) in text


def test_a_first_deploy_has_one_column() -> None:
    report = scenarios.deploy()
    assert report.deployment is not None
    first = report.model_copy(update={"deployment": report.deployment.model_copy(
        update={"previous": None})})
    assert "| | Deployed |\n" in render_summary(first)


def test_no_rest_url_and_no_loopback_address_reaches_a_person() -> None:
    local = train_and_gate(links={
        "evaluation": "http://127.0.0.1:43121/speechtotext/evaluations/e-7?api-version=x"})
    for report in (train_and_gate(), scenarios.deploy(), local):
        for text in (render_summary(report), render_pr_comment(report)):
            assert "eastus.example" not in text and "127.0.0.1" not in text
    text = render_summary(local)
    assert "- evaluation `e-7`" in text and "Speech Studio" not in text
