"""Issue #15: one candidate, the same figures everywhere. train-and-gate's outputs, a later
deploy's outputs, both reports' first lines and the records agree exactly, however the
binary floats of the service's fractions fall."""

from __future__ import annotations

import re

from speech_action.records.models import BENCHMARK_NAME
from speech_action.report import render_pr_comment, render_summary
from tests.modes.conftest import Harness
from tests.modes.test_train_and_gate import drop_last_word

WERS = ("wer", "benchmark-wer", "wer-delta")
FIRST_LINE = re.compile(r"WER (\d+\.\d\d) % \u2192 (\d+\.\d\d) % \(([+-]\d+\.\d\d) points")


def _line_figures(text: str) -> dict[str, str]:
    found = FIRST_LINE.search(text.split("\n\n")[1])
    assert found, text[:500]
    benchmark, wer, change = found.groups()
    return {"wer": wer, "benchmark-wer": benchmark,
            "wer-delta": change[1:] if change.startswith("-") else f"-{change[1:]}"}


def _gated_with_half_way_scores(harness: Harness) -> Harness:
    """The service's WERs 11.006 % and 2.441 %: the gain 8.565 lies half way; in binary
    floats 0.02441 * 100 is 2.4410000000000003 and the difference 8.564999... formats as
    8.56 (the recomputed WERs are close enough to pass the agreement check)."""
    harness.service.recognizers["base-2"] = drop_last_word
    harness.service.evaluation_overrides = {"wordErrorRate1": 0.11006, "wordErrorRate2": 0.02441}
    return harness


def test_train_and_gate_and_deploy_output_the_same_figures(harness: Harness) -> None:
    _gated_with_half_way_scores(harness)
    gated = harness.run("train-and-gate")
    deployed = harness.run("deploy")
    expected = {"wer": "2.44", "benchmark-wer": "11.01", "wer-delta": "8.57"}
    assert {k: gated.outputs[k] for k in WERS} == expected
    assert {k: deployed.outputs[k] for k in WERS} == expected
    for outcome in (gated, deployed):
        for text in (render_summary(outcome.report), render_pr_comment(outcome.report)):
            assert _line_figures(text.removeprefix(text.split("\n")[0] + "\n")
                                 if text.startswith("<!--") else text) == expected


def test_records_keep_the_service_value_without_float_noise(harness: Harness) -> None:
    _gated_with_half_way_scores(harness)
    harness.run("train-and-gate")
    harness.run("deploy")
    [candidate] = harness.store.candidates("en-US")
    assert 0.02441 * 100 == 2.4410000000000003
    assert candidate.record.wer_percent == 2.441
    assert candidate.record.benchmark_wer_percent == 11.006
    stored = harness.backend.objects[BENCHMARK_NAME][0].decode()
    assert '"wer_percent": 2.441,' in stored


def test_the_deploy_report_tables_the_previous_and_the_new_model(harness: Harness) -> None:
    harness.service.recognizers["base-2"] = drop_last_word
    measured = harness.run("benchmark-test")
    gated = harness.run("train-and-gate")
    deployed = harness.run("deploy")
    text = render_summary(deployed.report)
    name = gated.report.model_under_test.name
    assert f"| WER | {measured.outputs['wer']} % | {gated.outputs['wer']} % |" in text
    assert "| | Previous benchmark | Deployed |" in text
    assert "| Trained | not by speech-action | " in text
    assert f"by `{gated.report.commit[:7]}` |" in text
    endpoint = deployed.outputs["endpoint-id"]
    assert f"Endpoint: **contoso custom speech** `{endpoint}`" in text
    assert name in text.split("\n\n")[1]  # the first line names the deployed model
    assert "fake-speech.invalid" not in text  # REST URLs are for scripts (outputs)
    assert "fake-speech.invalid" in deployed.outputs["endpoint"]
