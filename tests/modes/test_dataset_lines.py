"""Datasets the service imported with lines rejected (API description DatasetProperties
acceptedLineCount / rejectedLineCount; example get_datasets.json; issue #14, item 10)."""

from __future__ import annotations

import pytest

from speech_action.data import DataValidationError
from tests.modes.conftest import Harness


def test_rejected_lines_of_training_data_are_a_warning_with_the_counts(
        harness: Harness) -> None:
    harness.service.dataset_properties["Language"] = {"acceptedLineCount": 190,
                                                     "rejectedLineCount": 10}
    outcome = harness.run("train-and-gate")
    assert outcome.outputs["model-id"]
    assert "rejected 10 of 200 lines of this Language data" in harness.log


def test_a_dataset_with_nothing_accepted_fails_before_training(harness: Harness) -> None:
    harness.service.dataset_properties["Pronunciation"] = {"acceptedLineCount": 0,
                                                          "rejectedLineCount": 12}
    with pytest.raises(DataValidationError) as caught:
        harness.run("train-and-gate")
    (problem,) = caught.value.problems
    assert problem.file == "training_data"
    assert "accepted none of the 12 lines of this Pronunciation data" in problem.message
    assert harness.service.created("models") == []


def test_counts_left_out_are_taken_at_the_services_word(harness: Harness) -> None:
    harness.run("train-and-gate")
    assert "rejected" not in harness.log
