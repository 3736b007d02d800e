"""The versioned JSON records: what a run stores and how the stored names are formed.

Readers are tolerant (`extra="ignore"`): a newer writer may add fields without breaking
an older reader. A record whose `schema_version` is higher than `SCHEMA_VERSION` was
written by an incompatible newer version and is refused with a clear error instead of
being half-understood.
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from speech_action.errors import RecordsError

SCHEMA_VERSION = 1

RunKind = Literal["benchmark-test", "train-and-gate", "deploy"]
RUN_KINDS: tuple[RunKind, ...] = ("benchmark-test", "train-and-gate", "deploy")

# Names of stored records are built from these, so they must be safe path segments
# and blob names: no slashes, no "..", nothing a shell or URL would mangle.
_NAME_PART = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
NamePart = Annotated[str, Field(pattern=_NAME_PART)]

BENCHMARK_NAME = "benchmark.json"
HISTORY_PREFIX = "history/"
CANDIDATES_PREFIX = "candidates/"
RESULTS_PREFIX = "results/"


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ModelRef(_Tolerant):
    """A Custom Speech model: its `self` URL, id and display name."""

    url: str
    id: str
    name: str = ""


class WerCounts(_Tolerant):
    """Word error counts behind a WER, so a reader can re-derive or sum it."""

    substitutions: int = Field(ge=0)
    deletions: int = Field(ge=0)
    insertions: int = Field(ge=0)
    reference_words: int = Field(ge=0)
    hits: int | None = Field(default=None, ge=0)
    sentences: int | None = Field(default=None, ge=0)
    sentence_errors: int | None = Field(default=None, ge=0)


class _RunStamp(_Tolerant):
    """Where a record comes from: the commit, the run and when."""

    schema_version: int = SCHEMA_VERSION
    commit: NamePart
    run_id: NamePart
    run_url: str = ""
    time: AwareDatetime
    locale: str = ""

    @property
    def stem(self) -> str:
        """`<sha>-<run id>`: the part of stored names that traces back to the commit."""
        return f"{self.commit}-{self.run_id}"


class BenchmarkRecord(_RunStamp):
    """The current benchmark: the model to beat, its WER and the test data it was measured on.

    `kind` is the run that set it: `benchmark-test` (re-tested) or `deploy` (promoted).
    WERs are in percent (6.5 means 6.50 %), like the action's outputs.
    """

    kind: RunKind
    model: ModelRef
    wer_percent: float = Field(ge=0)
    counts: WerCounts | None = None
    normalizer: str = ""
    test_data_hash: str
    evaluation_url: str = ""


class _Provenance(_RunStamp):
    """A run stamp plus what triggered the run, so a reader can tell a push to the
    default branch from a pull request. Both default to "" for records written before
    they existed."""

    # The Git ref the run built: `refs/heads/main`, `refs/pull/7/merge`, ...
    ref: str = ""
    # The GitHub event name (`push`, `pull_request`, `schedule`, `workflow_dispatch`, ...),
    # or `local` outside Actions. Not a closed list: GitHub adds events.
    event: str = ""


class RunResult(_Provenance):
    """The result of one run of any mode, stored under `results/<kind>/`."""

    kind: RunKind
    model: ModelRef
    wer_percent: float | None = Field(default=None, ge=0)
    counts: WerCounts | None = None
    benchmark_model: ModelRef | None = None
    benchmark_wer_percent: float | None = Field(default=None, ge=0)
    improved: bool = False
    normalizer: str = ""
    test_data_hash: str = ""
    training_data_hashes: dict[str, str] = Field(default_factory=dict)
    evaluation_url: str = ""
    endpoint_url: str = ""


class CandidateRecord(_Provenance):
    """A model trained by train-and-gate; deploy chooses among the improved ones."""

    kind: Literal["train-and-gate"] = "train-and-gate"
    model: ModelRef
    base_model: ModelRef | None = None
    wer_percent: float = Field(ge=0)
    benchmark_wer_percent: float | None = Field(default=None, ge=0)
    improved: bool
    normalizer: str = ""
    test_data_hash: str
    training_data_hashes: dict[str, str] = Field(default_factory=dict)
    evaluation_url: str = ""


AnyRecord = TypeVar("AnyRecord", BenchmarkRecord, RunResult, CandidateRecord)


def result_name(record: RunResult) -> str:
    return f"{RESULTS_PREFIX}{record.kind}/{record.stem}.json"


def candidate_name(record: CandidateRecord) -> str:
    return f"{CANDIDATES_PREFIX}{record.stem}.json"


def history_name(record: BenchmarkRecord) -> str:
    """A name that sorts in time order, so listing names is enough to find the newest."""
    stamp = record.time.astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{HISTORY_PREFIX}{stamp}-{record.stem}.json"


def dump_record(record: BenchmarkRecord | RunResult | CandidateRecord) -> bytes:
    return (record.model_dump_json(indent=2) + "\n").encode("utf-8")


def parse_record(data: bytes, model: type[AnyRecord], where: str) -> AnyRecord:
    """Parse stored bytes into `model`; `where` names the file or blob in errors."""
    raw = _load_json_object(data, where)
    check_schema_version(raw.get("schema_version"), where)
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(_describe_problem(err) for err in exc.errors()[:5])
        raise RecordsError(
            f"{where}: not a valid {model.__name__} ({problems}); "
            "fix or delete this record so the next run can write a fresh one"
        ) from exc


def check_schema_version(version: object, where: str) -> None:
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise RecordsError(
            f"{where}: `schema_version` is missing or not a positive integer ({version!r}); "
            "this file was not written by speech-action: fix or delete it"
        )
    if version > SCHEMA_VERSION:
        raise RecordsError(
            f"{where}: written with records schema_version {version}, but this version of "
            f"speech-action reads up to {SCHEMA_VERSION}; upgrade the action to read it"
        )


def _load_json_object(data: bytes, where: str) -> dict[str, Any]:
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RecordsError(
            f"{where}: not valid UTF-8 JSON ({exc}); fix or delete this record"
        ) from exc
    if not isinstance(raw, dict):
        raise RecordsError(f"{where}: expected a JSON object, found {type(raw).__name__}")
    return raw


def _describe_problem(err: Any) -> str:
    loc = ".".join(str(part) for part in err.get("loc", ())) or "(record)"
    return f"{loc}: {err.get('msg', 'invalid')}"
