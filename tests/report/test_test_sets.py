"""Issue #16, several test sets: the "Test sets" table in each mode, the guards in the first
line, what got worse in any set first, escaping of set names, the size limits with large
guard sets, a history chart per set, the JSON report; and a report of one set unchanged."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest

from speech_action.report import (
    COMMENT_MARKER,
    SUMMARY_LIMIT_BYTES,
    HistoryPoint,
    Report,
    ServiceScore,
    from_json,
    render_pr_comment,
    render_summary,
    to_json,
    verdict,
)
from speech_action.report.markdown import COMMENT_LIMIT_BYTES
from tests.report import scenarios
from tests.report.builders import NOW, guarded, many_utterances, train_and_gate

MIB = 1024 * 1024
SEVERAL: dict[str, Callable[[], Report]] = {
    "guard blocked": scenarios.guard_blocked,
    "guards held": scenarios.guards_held,
    "benchmark-test": scenarios.several_sets_measured,
    "deploy": scenarios.several_sets_deployed,
}


def _table(text: str) -> list[str]:
    start = text.index("### Test sets\n\n")
    return text[start:].split("\n\n")[1].splitlines()[2:]


def test_train_and_gate_table_has_a_row_per_set_the_gating_set_first() -> None:
    assert _table(render_summary(scenarios.guard_blocked())) == [
        "| **domain** (gating) | 52.17 % | 17.39 % | -34.78 | min-improvement 0.50 "
        "| \u2705 improved |",
        "| **general**<br>`general_testing_data` | 3.00 % | 8.00 % | +5.00 "
        "| max-regression 1.00 | \u274c beyond max-regression |",
        "| **noisy**<br>`noisy_testing_data` | 40.00 % | 38.00 % | -2.00 "
        "| max-regression 0.50 | \u2705 within max-regression |",
    ]


def test_the_comment_table_leaves_out_the_paths() -> None:
    rows = _table(render_pr_comment(scenarios.guard_blocked()))
    assert rows[1] == ("| **general** | 3.00 % | 8.00 % | +5.00 | max-regression 1.00 "
                       "| \u274c beyond max-regression |")


def test_a_relative_max_regression_shows_its_points_and_its_percentage() -> None:
    rows = _table(render_pr_comment(scenarios.guards_held()))
    assert rows[2] == ("| **noisy** | 40.00 % | 38.00 % | -2.00 "
                       "| max-regression 2.00 (5% of the benchmark) "
                       "| \u2705 within max-regression |")


def test_benchmark_test_table_has_one_wer_per_set() -> None:
    assert _table(render_summary(scenarios.several_sets_measured())) == [
        "| **domain** (gating) | 52.17 % | must improve (min-improvement) |",
        "| **general**<br>`general_testing_data` | 3.00 % | max-regression 1.00 points |",
        "| **noisy**<br>`noisy_testing_data` | 40.00 % | max-regression 5% of its benchmark WER |",
    ]


def test_deploy_table_has_both_models_wer_per_set() -> None:
    assert _table(render_summary(scenarios.several_sets_deployed())) == [
        "| **domain** (gating) | 64.09 % | 29.83 % | -34.26 |",
        "| **general** | 3.00 % | 3.40 % | +0.40 |",
        "| **noisy** | 40.00 % | 38.00 % | -2.00 |",
    ]


def test_a_blocked_guard_is_named_in_the_first_line() -> None:
    report = scenarios.guard_blocked()
    assert verdict(report).text() == (
        "Not improved: domain: WER 52.17 % \u2192 17.39 % (-34.78 points, -66.7 %), "
        "significant at 95 %; required: a decrease of at least 0.50 points; "
        "blocked by general: WER +5.00 points, allowed 1.00; noisy held.")
    for text in (render_summary(report), render_pr_comment(report)):
        first = [line for line in text.splitlines() if line and line != COMMENT_MARKER][1]
        assert first == verdict(report).markdown()
        assert first.startswith("\u274c **Not improved**")


def test_guards_that_held_are_said_with_their_figures() -> None:
    assert verdict(scenarios.guards_held()).text().endswith(
        "; guards held: general (WER 0.00 points, allowed 1.00), "
        "noisy (WER -2.00 points, allowed 2.00).")


def test_benchmark_test_first_line_names_every_set() -> None:
    assert verdict(scenarios.several_sets_measured()).text() == (
        "Benchmark measured: WER 52.17 % on domain for base 20241218 (general: WER 3.00 %, "
        "noisy: WER 40.00 %); new models must beat it on domain and stay within each guard "
        "set's max-regression.")


def _order(text: str, *headings: str) -> list[int]:
    return [text.index(heading) for heading in headings]


@pytest.mark.parametrize("render", [render_summary, render_pr_comment])
def test_what_got_worse_comes_first_the_blocking_set_before_the_gating_set(
        render: Callable[[Report], str]) -> None:
    # The gating set wins with one regression; general blocks.
    report = guarded(scenarios.win_with_regressions(), ("general", scenarios.GENERAL, "1"),
                     ("noisy", scenarios.NOISY, "0.5"))
    text = render(report)
    positions = _order(text, "#### \u26a0\ufe0f Got worse in general (3 of 3), which blocked "
                       "the gate",
                       "#### \u26a0\ufe0f Got worse in domain (1 of 1)",
                       "#### Got better in domain", "#### Got better in noisy (1 of 1)")
    assert positions == sorted(positions)
    assert "- general: **10 utterance(s)**: 0 better, 3 worse, 7 unchanged." in text


def test_benchmark_test_shows_the_most_errors_per_set() -> None:
    text = render_summary(scenarios.several_sets_measured())
    assert "### Utterances with the most errors (12 of 12, in 3 test sets)" in text
    positions = _order(text, "#### domain (gating) (4 of 4)", "#### general (3 of 3)",
                       "#### noisy (5 of 5)")
    assert positions == sorted(positions)


HOSTILE = "<script>alert(1)</script> | @octo #12 `x` *y*"
HOSTILE_PATH = "data/|`evil`|\n## injected"


def test_set_names_and_paths_are_escaped_everywhere() -> None:
    report = guarded(train_and_gate(history=scenarios.guard_blocked().history),
                     (HOSTILE, scenarios.GENERAL, "1"), (f"{HOSTILE} held", scenarios.NOISY, "1"),
                     test_set="dom|ain <b>")
    hostile = report.guard_sets[0].model_copy(update={"path": HOSTILE_PATH})
    report = report.model_copy(update={
        "guard_sets": (hostile, report.guard_sets[1].model_copy(update={"path": "held"})),
        "history": (*report.history, *(
            HistoryPoint(time=NOW, commit="3333333", wer_percent=3.0, test_set=name)
            for name in (HOSTILE, f"{HOSTILE} held")))})
    for text in (render_summary(report), render_pr_comment(report)):
        assert "<script>" not in text and "<b>" not in text
        # No mention, no issue link (in code a name is shown as typed).
        outside_code = re.sub(r"<code>.*?</code>|(`+).*?\1", "", text)
        assert "@octo" not in outside_code and "#12" not in outside_code
        assert "\n## injected" not in text
        for row in _table(text):  # six cells: every `|` of a name or path is escaped
            assert len(re.findall(r"(?<!\\)\|", row)) == 7, row
        assert HOSTILE not in text.split("```mermaid")[1]  # charts carry no set name
    assert "dom\\|ain &lt;b&gt;: WER" in verdict(report).markdown()
    assert "blocked by &lt;script&gt;" in verdict(report).markdown()


def test_large_guard_sets_share_the_size_limits() -> None:
    big = many_utterances(1500, 40, scattered=True)
    report = guarded(train_and_gate(utterances=big, significance=None),
                     ("general", big, "1"), ("noisy", scenarios.NOISY, "0.5"))
    summary = render_summary(report, max_utterances=5000)
    comment = render_pr_comment(report, max_utterances=100)
    assert len(summary.encode()) < SUMMARY_LIMIT_BYTES < MIB
    assert len(comment) <= COMMENT_LIMIT_BYTES
    for text in (summary, comment):
        assert "left out to keep this under GitHub's size limit" in text
        assert "Truncated" not in text  # the budget did it, not the last-resort clip
        # Each set got its share: the small set all of it, the large ones some.
        assert "#### Got better in noisy (1 of 1)" in text
        assert re.search(r"#### Got better in general \([1-9]\d* of", text)
        assert re.search(r"#### Got better in domain \([1-9]\d* of", text)


def test_a_history_chart_per_set_with_this_runs_point() -> None:
    text = render_summary(scenarios.guard_blocked())
    history = text[text.index("### WER history"):]
    charts = re.findall(r"#### ([^\n]+)\n\n```mermaid\n.*?\n```", history, re.S)
    assert charts == ["domain (gating)", "general", "noisy"]
    # The record from before test sets counts as the gating set's.
    assert "    line [60.00, 55.50, 52.17, 17.39]\n    line [60.00, 55.50, 52.17, 52.17]" \
        in history
    assert "    line [3.50, 3.00, 8.00]\n    line [3.50, 3.00, 3.00]" in history
    assert "    line [40.00, 38.00]\n    line [40.00, 40.00]" in history


def test_the_comment_collapses_the_charts_of_guards_that_held() -> None:
    history = render_pr_comment(scenarios.guard_blocked()).split("### WER history")[1]
    assert re.findall(r"#### ([^\n]+)\n\n```mermaid", history) == ["domain (gating)",
                                                                 "general"]
    assert "<details><summary>WER history of <code>noisy</code></summary>\n\n```mermaid\n" \
        in history
    assert history.count("```mermaid") == 3


def test_deploy_charts_every_set_of_the_records() -> None:
    history = render_summary(scenarios.several_sets_deployed()).split("### WER history")[1]
    assert re.findall(r"#### (.+)\n", history) == ["domain (gating)", "general"]  # noisy: 1


@pytest.mark.parametrize("make", SEVERAL.values(), ids=SEVERAL.keys())
def test_json_round_trip(make: Callable[[], Report]) -> None:
    report = make()
    assert from_json(json.loads(json.dumps(to_json(report)))) == report


def test_json_has_the_derived_parts_of_every_guard_set() -> None:
    data = to_json(scenarios.guard_blocked())
    general = data["guard_sets"][0]
    assert general["name"] == "general"
    assert general["guard"]["passed"] is False
    assert general["utterance_counts"] == {"better": 0, "worse": 3, "unchanged": 7}
    assert general["recomputed"]["candidate"]["wer_percent"] == pytest.approx(8.0)
    assert [c["audio"] for c in general["changed_most"]] == [
        "general00.wav", "general02.wav", "general05.wav"]
    assert len(general["utterance_scores"]) == 10
    assert data["utterance_counts"] == {"better": 4, "worse": 0, "unchanged": 1}


def test_a_guard_sets_wer_discrepancy_is_warned_with_its_name() -> None:
    report = scenarios.guard_blocked()
    general = report.guard_sets[0].model_copy(
        update={"candidate_service": ServiceScore(wer_percent=12.0)})
    report = report.model_copy(update={"guard_sets": (general, *report.guard_sets[1:])})
    assert "Model custom abc1234 on test set general: the service's WER 12.00 %" in \
        render_summary(report)


def test_a_report_of_one_set_is_as_before() -> None:
    assert render_summary(train_and_gate(test_set="domain")) == render_summary(
        train_and_gate())
    assert render_pr_comment(scenarios.deploy(test_set="domain")) == render_pr_comment(
        scenarios.deploy())
    text = render_summary(train_and_gate())
    assert "### Test sets" not in text and "gating" not in text
    data = to_json(train_and_gate())
    assert data["guard_sets"] == [] and data["test_set"] == ""


def test_a_guard_set_without_utterances_still_shows_in_the_table() -> None:
    report = scenarios.guard_blocked()
    bare = report.guard_sets[0].model_copy(update={"utterances": ()})
    report = report.model_copy(update={"guard_sets": (bare,)})
    text = render_summary(report)
    assert "| **general**<br>`general_testing_data` | 3.00 % | 8.00 % | +5.00 |" in text
    assert "Got worse in general" not in text
    assert "- domain (gating): **5 utterance(s)**" in text


