"""Per-utterance results: from the documented source, and what the gate does when they
cannot be read or do not match (issue #14, items 3 and 4).

"For speech resources with BYOS, returned urls do not contain an SAS token" (API
description, the `sasLifetimeMinutes` parameter of the file listings), so the
per-utterance files may be unreadable while the evaluation's scores are known: the gate
then uses the service's WERs and says so.
"""

from __future__ import annotations

import pytest

from tests.modes.conftest import Harness


def drop_last_word(text: str) -> str:
    return " ".join(text.split()[:-1])


@pytest.fixture
def improving(harness: Harness) -> Harness:
    harness.service.recognizers["base-2"] = drop_last_word
    return harness


def test_unreadable_results_gate_on_the_service_scores_and_say_so(improving: Harness) -> None:
    improving.service.result_files_unavailable = "403 from storage: the link has no SAS"
    outcome = improving.run("train-and-gate")
    assert outcome.outputs["improved"] == "true"
    assert float(outcome.outputs["wer"]) < float(outcome.outputs["benchmark-wer"])
    assert outcome.report.utterances == ()
    [warning] = [w for w in outcome.report.warnings if "could not be read" in w]
    assert "403 from storage" in warning and "service's WERs alone" in warning
    assert improving.store.candidates("en-US")  # the improved model is still recorded


def test_unreadable_results_never_pass_a_required_significance(improving: Harness) -> None:
    improving.service.result_files_unavailable = "403 from storage"
    outcome = improving.run("train-and-gate", require_significance=True)
    assert outcome.outputs["improved"] == "false"


def test_results_under_other_names_are_not_counted_as_deleted(improving: Harness) -> None:
    # Before: every reference word of an unmatched name counted as deleted (WER 100 %).
    references = sorted(p.name for p in (improving.workspace / "testing_data").glob("*.wav"))
    improving.service.result_names = {name: f"renamed-{name}" for name in references}
    outcome = improving.run("train-and-gate")
    assert outcome.outputs["improved"] == "true"
    assert outcome.report.utterances == ()
    assert any("matches a test transcript name" in w for w in outcome.report.warnings)


def test_a_missing_result_leaves_that_utterance_out_and_says_so(improving: Harness) -> None:
    references = sorted(p.name for p in (improving.workspace / "testing_data").glob("*.wav"))
    improving.service.result_names = {references[0]: "someone-else.wav"}
    outcome = improving.run("train-and-gate")
    assert [u.audio for u in outcome.report.utterances] == references[1:]
    assert any(f"1 of {len(references)} test utterances have no result" in w
               for w in outcome.report.warnings)
    assert outcome.outputs["improved"] == "true"


def test_a_services_huge_result_name_is_clipped_in_the_warning(improving: Harness) -> None:
    # Names in result files come from the service: a warning repeats at most 100 characters.
    references = sorted(p.name for p in (improving.workspace / "testing_data").glob("*.wav"))
    improving.service.result_names = {name: "x" * 10_000 + name for name in references}
    outcome = improving.run("train-and-gate")
    [warning] = [w for w in outcome.report.warnings if "matches a test transcript name" in w]
    assert "x" * 101 not in warning and "more characters" in warning
