"""Discovery, validation, packaging and content hashing of the data (pure, no network).

Typical use by a mode::

    test_set = discover_test_data(workspace, layout)
    training = discover_training_data(workspace, layout)
    validate([test_set, *training])          # raises DataValidationError(problems)
    measured = fingerprint(test_set)         # content hash (reuse), zip CRCs and sizes
    chunks = stream_package(test_set, measured)  # the upload's bytes, no temp file
    package = package_dataset(test_set)      # the same bytes as a temp file; caller deletes it
"""

from speech_action.data.discovery import discover_test_data, discover_training_data
from speech_action.data.layout import DataLayout, DataPathError, resolve_in_workspace
from speech_action.data.model import (
    PACKAGED_TRANSCRIPT_NAME,
    DataFile,
    DataSet,
    DatasetKind,
    DataValidationError,
    Limits,
    Problem,
    TestDataSet,
    TrainingDataSet,
)
from speech_action.data.packaging import (
    Fingerprint,
    PackagedDataset,
    content_hash,
    fingerprint,
    package_dataset,
    stream_package,
)
from speech_action.data.text import read_references
from speech_action.data.validation import check_dataset, validate

__all__ = [
    "PACKAGED_TRANSCRIPT_NAME",
    "DataFile",
    "DataLayout",
    "DataPathError",
    "DataSet",
    "DataValidationError",
    "DatasetKind",
    "Fingerprint",
    "Limits",
    "PackagedDataset",
    "Problem",
    "TestDataSet",
    "TrainingDataSet",
    "check_dataset",
    "content_hash",
    "discover_test_data",
    "discover_training_data",
    "fingerprint",
    "package_dataset",
    "read_references",
    "resolve_in_workspace",
    "stream_package",
    "validate",
]
