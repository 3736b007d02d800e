"""What the service accepted of an imported dataset.

A dataset can succeed with some of its lines rejected: `DatasetProperties.acceptedLineCount`
and `rejectedLineCount` ("The number of lines accepted/rejected for this data set", API
description; the example `get_datasets.json` shows a Succeeded Acoustic dataset with 11
accepted and 2 rejected), and the dataset's `DatasetReport` file says which. A model trained
on it learns less than the pull request holds, and a test set missing utterances measures a
WER on less than it claims: rejected lines are a warning that says how many and where to
look, and a dataset with nothing accepted is an error before anything is trained or
evaluated on it. A service that leaves the counts out (older API versions) is taken at its
word.
"""

from __future__ import annotations

from collections.abc import Callable

from speech_action.client import Dataset
from speech_action.data import DataSet, DataValidationError, Problem


def check_accepted_lines(dataset: Dataset, source: DataSet,
                         warn: Callable[[str], None]) -> None:
    """Raise when the service accepted no line of `source`; warn when it rejected some."""
    accepted = dataset.properties.accepted_line_count
    rejected = dataset.properties.rejected_line_count or 0
    what = f"{source.kind.value} data (dataset {dataset.display_name})"
    if accepted == 0:
        raise DataValidationError([Problem(
            str(source.root), None,
            f"the service accepted none of the {rejected or 'its'} lines of this {what}: "
            "check the format against Learn's 'Training and testing datasets', and the "
            "dataset's report in Speech Studio")])
    if rejected > 0:
        total = rejected + (accepted or 0)
        warn(f"{source.root}: the service rejected {rejected} of {total} lines of this "
             f"{what}; the model learns (or is measured) without them. The dataset's report "
             "in Speech Studio lists them.")
