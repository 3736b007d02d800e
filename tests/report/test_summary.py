"""The job summary: content, escaping, warnings, chart and the 1 MiB limit."""

from __future__ import annotations

import re
from datetime import timedelta

from speech_action.report import (
    SUMMARY_LIMIT_BYTES,
    Expiry,
    HistoryPoint,
    Mode,
    ModelInfo,
    ServiceScore,
    render_pr_comment,
    render_summary,
)
from speech_action.report.chart import history_chart
from speech_action.scoring import Utterance
from tests.report.builders import NOW, benchmark_test, many_utterances, train_and_gate

MIB = 1024 * 1024


def test_verdict_first_with_the_rule() -> None:
    text = render_summary(train_and_gate())
    assert text.startswith(
        "## Custom Speech train-and-gate (en-US)\n\n"
        "\u2705 **Improved**: WER 52.17 % \u2192 17.39 % (-34.78 points, -66.7 %), "
        "significant at 95 %; required: a decrease of at least 0.50 points.\n")
    assert text.count("52.17 %") == 2  # the first line and the scores table, nothing else


def test_not_improved_is_said() -> None:
    report = train_and_gate(
        benchmark_service=ServiceScore(wer_percent=6.0),
        candidate_service=ServiceScore(wer_percent=6.4),
    )
    from speech_action.scoring import GateScores, decide, parse_min_improvement

    gate = decide(GateScores(6.0, 6.4), parse_min_improvement("0"))
    report = report.model_copy(update={"gate": gate})
    assert ("\u274c **Not improved**: WER 6.00 % \u2192 6.40 % (+0.40 points, +6.7 %), "
            "significant at 95 %; required: any decrease.") in render_summary(report)


def test_scores_table_has_one_wer_row_when_service_and_recomputation_agree() -> None:
    text = render_summary(train_and_gate())
    assert "| WER | 52.17 % | 17.39 % |" in text
    assert "recomputed" not in text
    assert "| Substitutions | 6 | 2 |" in text
    assert "| Deletions | 4 | 2 |" in text
    assert "| Insertions | 2 | 0 |" in text
    assert "| Reference words | 23 | 23 |" in text
    assert "| Sentence error rate | 80.00 % | 20.00 % |" in text


def test_service_counts_when_there_are_no_utterances() -> None:
    text = render_summary(train_and_gate(utterances=(), significance=None))
    assert "| Substitutions | 5 | \u2014 |" in text
    assert "| WER | 52.17 % | 17.39 % |" in text and "recomputed" not in text
    assert "Utterances that changed" not in text and "utterance(s)**" not in text
    assert "significance not computed (no per-utterance results)" in text


def test_changed_utterances_are_collapsed_with_alignment() -> None:
    text = render_summary(train_and_gate())
    assert "### Utterances that changed most (4 of 4 changed)" in text
    assert "**5 utterance(s)**: 4 better, 0 worse, 1 unchanged." in text
    assert "#### Got better (4 of 4)" in text and "Got worse" not in text
    block = (
        "<details><summary><code>b.wav</code>: 3 \u2192 0 errors (3 fewer)</summary>\n\n"
        "<pre>\n"
        "Benchmark (base 20241218):\n"
        "REF: the cat sat **** on the mat\n"
        "HYP: the cat sit down on a   mat\n"
        "             S   I       S\n\n"
        "New model (custom abc1234):\n"
        "REF: the cat sat on the mat\n"
        "HYP: the cat sat on the mat\n"
        "</pre>\n\n</details>"
    )
    assert block in text
    assert "e.wav" not in text  # unchanged utterances are not listed


def test_transcripts_never_reach_the_page_as_markup() -> None:
    text = render_summary(train_and_gate())
    assert "<script>" not in text and "</script>" not in text
    assert "&lt;script&gt;" in text
    # the confusions table keeps its columns despite a `|` in a transcript
    for line in text.splitlines():
        if line.startswith("| ") and "script" in line:
            assert len(re.findall(r"(?<!\\)\|", line)) == 5, line
    pre_blocks = re.findall(r"<pre>\n(.*?)</pre>", text, flags=re.S)
    assert any("`x`" in block for block in pre_blocks)  # backticks shown as typed


def test_markdown_specials_in_confusions_are_escaped() -> None:
    utterances = (Utterance("p.wav", "a | b `c` d", "a | b `c` d", "a || b `c ` *d*"),)
    text = render_summary(train_and_gate(utterances=utterances))
    assert "| \\| | \\|\\| | 1 | 0 |" in text
    assert "| \\`c\\` | \\`c \\` | 1 | 0 |" in text


def test_confusions_table_ranks_new_model_then_benchmark() -> None:
    text = render_summary(train_and_gate())
    assert (
        "### Most frequent confusions\n\n"
        "| Reference | Recognized as | New model | Benchmark |\n"
        "|---|---|---:|---:|\n"
        "| &lt;script&gt;alert 1 &lt; script&gt; | &lt;script&gt; now | 1 | 0 |\n"
        "| &lt;script&gt;alert 1 &lt; script&gt; \\| now | script alert | 0 | 1 |\n"
        "| \\`x\\` | x | 0 | 1 |\n"
        "| sat | sit down | 0 | 1 |\n"
        "| sharjah | shar jah | 0 | 1 |\n"
        "| the | a | 0 | 1 |\n"
    ) in text


def test_confusions_the_new_model_fixed_are_shown() -> None:
    text = render_summary(train_and_gate(utterances=(train_and_gate().utterances[0],)))
    assert "| sharjah | shar jah | 0 | 1 |" in text


def test_no_errors_no_confusions_table() -> None:
    same = Utterance("s.wav", "all right", "all right", "all right")
    assert "Most frequent confusions" not in render_summary(train_and_gate(utterances=(same,)))


def test_benchmark_test_shows_one_model_and_its_worst_utterances() -> None:
    text = render_summary(benchmark_test())
    assert ("\U0001f4cf **Benchmark measured**: WER 59.09 % for base 20241218; new models "
            "must beat it.") in text
    assert "| | Benchmark: base 20241218 |" in text
    assert "New model" not in text
    assert "### Utterances with the most errors (4 of 4)" in text
    assert "| Reference | Recognized as | Count |\n" in text
    assert "| sharjah | shar jah | 1 |" in text




def test_deploy_without_scores_has_no_empty_table() -> None:
    report = train_and_gate(
        mode=Mode.DEPLOY,
        candidate_model=None,
        candidate_service=None,
        benchmark_service=None,
        utterances=(),
        gate=None,
        significance=None,
    )
    text = render_summary(report)
    assert "\U0001f680 **Deployed**: base 20241218." in text
    assert "### Scores" not in text
    assert "### WER history" in text and "### Service entities" in text


def test_normalizer_links_commit_and_run() -> None:
    text = render_summary(train_and_gate())
    assert "Normalizer: nfkc\\-casefold\\-nopunct\\-v1" not in text
    assert "Normalizer: nfkc-casefold-nopunct-v1" in text
    assert "- Evaluation `e-1`" in text and "eastus.example" not in text
    assert "[Speech Studio](https://aka.ms/speechstudio/customspeech)" in text
    assert "commit abc1234 \u00b7 [run](https://github.com/octo/speech/actions/runs/42)" in text


def test_entities_are_ids_in_code_spans_never_urls() -> None:
    text = render_summary(train_and_gate(links={"Bad": "javascript:alert(1)`x"}))
    assert "- Bad ``alert(1)`x``" in text and "javascript" not in text


def test_significance_line() -> None:
    text = render_summary(train_and_gate())
    assert re.search(
        r"\*\*Significance test\*\*: 95 % interval of the gain: \+\d+\.\d\d to \+\d+\.\d\d "
        r"points \(paired Poisson bootstrap over utterances, 1,000 resamples",
        text,
    )


def test_expiry_warnings_use_the_reports_time() -> None:
    expiries = (
        Expiry(label="Model A transcription", date=NOW + timedelta(days=12)),
        Expiry(label="Model B transcription", date=NOW - timedelta(days=1)),
        Expiry(label="Model C transcription", date=NOW + timedelta(days=31)),
    )
    text = render_summary(train_and_gate(expiries=expiries))
    assert "- Model A transcription: expires on 2026-12-03, in 12 day(s)." in text
    assert "- Model B transcription: expired on 2026-11-20." in text
    assert "Model C" not in text
    later = render_summary(train_and_gate(expiries=expiries), now=NOW + timedelta(days=2))
    assert "Model C transcription: expires on 2026-12-22, in 29 day(s)." in later


def test_service_and_recomputed_wer_differing_by_more_than_a_point_is_flagged() -> None:
    report = train_and_gate(candidate_service=ServiceScore(wer_percent=18.5))
    text = render_summary(report)
    assert "Model custom abc1234: the service's WER 18.50 % and the recomputed WER 17.39 %" in (
        text.replace("&#39;", "'")
    )
    assert "| WER (service; the gate uses it) | 52.17 % | 18.50 % |" in text
    assert "| \u26a0\ufe0f WER (recomputed) | 52.17 % | 17.39 % |" in text
    close = train_and_gate(candidate_service=ServiceScore(wer_percent=18.3))
    assert "recomputed WER" not in render_summary(close).split("### Scores")[0]


def test_report_warnings_are_escaped() -> None:
    text = render_summary(train_and_gate(warnings=("bad <b>name</b> | here",)))
    assert "- bad &lt;b&gt;name&lt;/b&gt; \\| here" in text


def test_history_chart_is_mermaid_xychart_with_the_new_model_as_its_own_line() -> None:
    text = render_summary(train_and_gate())
    chart = text.split("### WER history\n\n")[1].split("\n\n")[0]
    assert chart.startswith("```mermaid\n%%{init: ") and chart.endswith("\n```")
    assert (
        "xychart-beta\n"
        '    title "WER %: the benchmark (blue) and this run\'s new model (orange)"\n'
        '    x-axis ["11-12 1111111", "11-19 2222222", "11-21 abc1234"]\n'
        '    y-axis "WER (%)" 0 --> 80\n'
        "    line [9.25, 8.10, 17.39]\n"
        "    line [9.25, 8.10, 52.17]\n"
    ) in chart


def test_history_chart_keeps_the_latest_points_in_time_order() -> None:
    points = [
        HistoryPoint(time=NOW - timedelta(days=d), commit=f'{d:02d}"abcdef', wer_percent=float(d))
        for d in range(40)
    ]
    chart = history_chart(points, limit=3)
    assert chart is not None
    assert '    x-axis ["11-19 02_abcd", "11-20 01_abcd", "11-21 00_abcd"]' in chart
    assert "    line [2.00, 1.00, 0.00]" in chart
    assert history_chart([]) is None


def test_history_chart_labels_are_unique() -> None:
    points = [HistoryPoint(time=NOW, commit="0123456", wer_percent=w) for w in (9.0, 5.0, 4.0)]
    chart = history_chart(points)
    assert chart is not None
    assert '    x-axis ["11-21 0123456", "11-21 0123456 2", "11-21 0123456 3"]' not in chart


def test_no_history_no_chart() -> None:
    assert "mermaid" not in render_summary(train_and_gate(history=()))


def test_5000_utterances_stay_under_one_mib() -> None:
    report = train_and_gate(utterances=many_utterances(5000, 40))
    text = render_summary(report)
    assert len(text.encode()) < MIB
    assert "### Utterances that changed most (25 of 5000 changed)" in text


def test_long_correct_stretches_collapse_to_an_ellipsis() -> None:
    text = render_summary(train_and_gate(utterances=many_utterances(1, 40)))
    assert "REF: bird herd" not in text
    assert (
        "REF: word0 word1 word2 word3 word4 word5 word6 word7 word8 word9 \u2026\n"
        "HYP: bird  herd  word2 word3 word4 word5 word6 word7 word8 word9 \u2026\n"
        "     S     S\n"
    ) in text


def test_5000_utterances_all_requested_are_truncated_with_a_note() -> None:
    report = train_and_gate(utterances=many_utterances(5000, 40))
    text = render_summary(report, max_utterances=5000)
    size = len(text.encode())
    assert size <= SUMMARY_LIMIT_BYTES < MIB
    assert size > SUMMARY_LIMIT_BYTES - 10_000  # the budget is used, not wasted
    match = re.search(r"\*(\d+) more utterance\(s\) left out to keep this under", text)
    assert match is not None
    shown = text.count("<details>")
    assert shown + int(match[1]) == 5000
    assert text.rstrip().endswith("UTC</sub>")  # the tail survives the truncation


def test_one_enormous_utterance_is_cut_inside_its_block() -> None:
    report = train_and_gate(utterances=many_utterances(2, 20_000, scattered=True))
    text = render_summary(report)
    assert len(text.encode()) < MIB
    assert "cut here" in text
    assert text.count("</pre>") == 2


def test_enormous_fixed_parts_are_clipped_with_a_note() -> None:
    text = render_summary(train_and_gate(warnings=("w " * 700_000,)))
    assert len(text.encode()) <= SUMMARY_LIMIT_BYTES
    assert "Truncated to stay under GitHub's size limit" in text


def test_model_names_in_table_headers_without_rest_urls() -> None:
    report = train_and_gate(candidate_model=ModelInfo(name="a|b", url=None))
    assert "| | Benchmark: base 20241218 | New model: a\\|b |" in render_summary(report)


def test_file_and_model_names_are_escaped() -> None:
    odd = Utterance("<b>x</b>.wav", "one two", "one", "one two")
    report = train_and_gate(
        utterances=(odd,), benchmark_model=ModelInfo(name="</pre><script>x</script>")
    )
    text = render_summary(report)
    assert "<code>&lt;b&gt;x&lt;/b&gt;.wav</code>" in text
    assert "Benchmark (&lt;/pre&gt;&lt;script&gt;x&lt;/script&gt;):" in text
    assert "| | Benchmark: &lt;/pre&gt;&lt;script&gt;x&lt;/script&gt; |" in text
    assert "<script>" not in text and "</pre><" not in text


def test_a_hostile_audio_name_stays_inside_its_summary_line() -> None:
    """A blank line ends an HTML block (GitHub Flavored Markdown spec, "HTML blocks",
    condition 6), so a name with newlines inside `<summary>` could start Markdown of its
    own: a heading, a raw `<img>`. The name is shown on one line, HTML-escaped."""
    name = "a.wav\n\n# Pwned\n<img src=x onerror=alert(1)>\n```"
    first = benchmark_test().utterances[1]
    report = benchmark_test(utterances=(Utterance(name, first.reference, first.benchmark,
                                                  first.candidate),))
    for text in (render_summary(report), render_pr_comment(report)):
        assert "\n# Pwned" not in text and "<img" not in text
        assert "<code>a.wav\\n\\n# Pwned\\n&lt;img src=x onerror=alert(1)&gt;\\n```</code>" in text
