"""The versioned JSON records: what a run stores and how the stored names are formed.

Readers are tolerant (`extra="ignore"`): a newer writer may add fields without breaking
an older reader. A record whose `schema_version` is higher than `SCHEMA_VERSION` was
written by an incompatible newer version and is refused with a clear error instead of
being half-understood.

Records are validated when read, because anyone who can write the store (a pull request that
commits `records-dir`, a hand edit, a crashed writer) controls what the next run reads: WERs
are finite percents from 0 to `MAX_WER_PERCENT`, counts are bounded and agree with each
other. A record that breaks these rules is an `InvalidRecordError` naming its file or blob;
the same rules hold when a record is made, so no run stores what the next would refuse.
"""

from __future__ import annotations

import json
from datetime import UTC
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError, model_validator

from speech_action.errors import RecordsError

SCHEMA_VERSION = 1

# A WER in percent is (S + D + I) / N * 100. Substitutions and deletions are reference words,
# so together they reach at most 100 %; only insertions go beyond. 1000 % takes nine inserted
# words for every reference word over the whole test set: no model worth gating scores
# that, so such a number is a broken evaluation or a tampered record, and refusing it keeps
# every difference, mean and chart axis computed from records finite and readable.
MAX_WER_PERCENT = 1000.0
# Word and sentence counts: a test set the service accepts (at most 10,000 files of at most
# 2 h) holds far fewer words than this; a larger count is corrupt.
MAX_COUNT = 10**9
# A record is a few kilobytes; anything far larger was not written by speech-action and is
# refused before it is read into memory.
MAX_RECORD_BYTES = 1024 * 1024

WerPercent = Annotated[float, Field(ge=0, le=MAX_WER_PERCENT, allow_inf_nan=False)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]

RunKind = Literal["benchmark-test", "train-and-gate", "deploy"]
RUN_KINDS: tuple[RunKind, ...] = ("benchmark-test", "train-and-gate", "deploy")

# Names of stored records are built from these, so they must be safe path segments
# and blob names: no slashes, no "..", nothing a shell or URL would mangle.
_NAME_PART = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
NamePart = Annotated[str, Field(pattern=_NAME_PART)]

# `speech.yml` takes at most this many test sets (config checks it); a record holding more
# was not written by speech-action.
MAX_TEST_SETS = 10

BENCHMARK_NAME = "benchmark.json"
HISTORY_PREFIX = "history/"
CANDIDATES_PREFIX = "candidates/"
RESULTS_PREFIX = "results/"


class InvalidRecordError(RecordsError):
    """A stored record that cannot be used: not JSON, not the model, or absurd numbers."""


def too_large(where: str) -> InvalidRecordError:
    return InvalidRecordError(
        f"{where}: larger than {MAX_RECORD_BYTES // 1024} KiB, so not a speech-action record "
        "(they are a few KB); it was not read. Fix or delete this file.")


class _Tolerant(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ModelRef(_Tolerant):
    """A Custom Speech model: its `self` URL, id and display name."""

    url: str
    id: str
    name: str = ""


class WerCounts(_Tolerant):
    """Word error counts behind a WER, so a reader can re-derive or sum it.

    Every reference word is a hit, a substitution or a deletion (the alignment behind a
    WER), and a sentence with errors is one of the sentences: counts that break this are
    refused. The WER itself is not re-derived from them: the service computes it with its
    own rules and the gate reads the WER the record holds.
    """

    substitutions: Count
    deletions: Count
    insertions: Count
    reference_words: Count
    hits: Count | None = None
    sentences: Count | None = None
    sentence_errors: Count | None = None

    @model_validator(mode="after")
    def _consistent(self) -> WerCounts:
        aligned = self.substitutions + self.deletions + (self.hits or 0)
        if aligned > self.reference_words:
            raise ValueError(
                f"hits + substitutions + deletions ({aligned}) exceed the reference words "
                f"({self.reference_words}): each reference word is exactly one of them")
        if (self.sentences is not None and self.sentence_errors is not None
                and self.sentence_errors > self.sentences):
            raise ValueError(f"sentence_errors ({self.sentence_errors}) exceed sentences "
                             f"({self.sentences})")
        return self


class TestSetScore(_Tolerant):
    """One test set's figures in a record: the model's WER on it and, in results and
    candidates, the benchmark's WER from the same evaluation and the set's verdict."""

    __test__ = False  # not a pytest test class, despite the name

    # Without `test-sets` a set is named after its folder, and the pull request names
    # folders: the bounds are the file system's (a name of 255 bytes, a path of 4096).
    name: Annotated[str, Field(min_length=1, max_length=255)]
    path: Annotated[str, Field(max_length=4096)] = ""
    """The set's folder or zip, workspace-relative."""
    gating: bool = False
    wer_percent: WerPercent
    counts: WerCounts | None = None
    benchmark_wer_percent: WerPercent | None = None
    max_regression: Annotated[str, Field(max_length=20)] = ""
    """A guard set's `max-regression` as configured (`0.5`, `5%`); "" for the gating set."""
    passed: bool | None = None
    """train-and-gate's verdict on the set: the gating set met min-improvement, a guard set
    stayed within its max-regression; None where nothing was gated (benchmark-test)."""
    test_data_hash: str = ""
    evaluation_url: str = ""


class _SetScores(_Tolerant):
    """The per-set figures of a record. The top-level WER, counts, test data hash and
    evaluation stay the gating set's, so a reader from before test sets still reads a
    record right; `test_sets` holds every set, the gating one first."""

    test_sets: tuple[TestSetScore, ...] = Field(default=(), max_length=MAX_TEST_SETS)

    @model_validator(mode="after")
    def _distinct_sets(self) -> _SetScores:
        names = [s.name for s in self.test_sets]
        if len(set(names)) != len(names):
            raise ValueError(f"test_sets names a set twice ({', '.join(names)})")
        if sum(s.gating for s in self.test_sets) > 1:
            raise ValueError("test_sets has more than one gating set")
        return self


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


class BenchmarkRecord(_RunStamp, _SetScores):
    """The current benchmark: the model to beat, its WER and the test data it was measured on.

    `kind` is the run that set it: `benchmark-test` (re-tested) or `deploy` (promoted).
    WERs are in percent (6.5 means 6.50 %), like the action's outputs.
    """

    kind: RunKind
    model: ModelRef
    wer_percent: WerPercent
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


class RunResult(_Provenance, _SetScores):
    """The result of one run of any mode, stored under `results/<kind>/`."""

    kind: RunKind
    model: ModelRef
    wer_percent: WerPercent | None = None
    counts: WerCounts | None = None
    benchmark_model: ModelRef | None = None
    benchmark_wer_percent: WerPercent | None = None
    improved: bool = False
    normalizer: str = ""
    test_data_hash: str = ""
    training_data_hashes: dict[str, str] = Field(default_factory=dict)
    evaluation_url: str = ""
    endpoint_url: str = ""


class CandidateRecord(_Provenance, _SetScores):
    """A model trained by train-and-gate; deploy chooses among the improved ones."""

    kind: Literal["train-and-gate"] = "train-and-gate"
    model: ModelRef
    base_model: ModelRef | None = None
    wer_percent: WerPercent
    benchmark_wer_percent: WerPercent | None = None
    improved: bool
    normalizer: str = ""
    test_data_hash: str
    training_data_hashes: dict[str, str] = Field(default_factory=dict)
    evaluation_url: str = ""


AnyRecord = TypeVar("AnyRecord", BenchmarkRecord, RunResult, CandidateRecord)


def set_scores(record: BenchmarkRecord | RunResult | CandidateRecord,
               gating_set: str) -> tuple[TestSetScore, ...]:
    """Every test set's figures in `record`, the gating set first. A record written before
    test sets holds one set, the one that gated then: it is read as the gating set, named
    `gating_set` (without `test-sets`, the name of the testing-data folder), without a
    migration step. A record without a WER (a deploy of an unmeasured model) has none."""
    if record.test_sets:
        return record.test_sets
    if record.wer_percent is None:
        return ()
    benchmark = getattr(record, "benchmark_wer_percent", None)
    return (TestSetScore(name=gating_set, gating=True, wer_percent=record.wer_percent,
                         counts=getattr(record, "counts", None), benchmark_wer_percent=benchmark,
                         test_data_hash=record.test_data_hash,
                         evaluation_url=record.evaluation_url),)


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
        raise InvalidRecordError(
            f"{where}: not a valid {model.__name__} ({problems}); "
            "fix or delete this record so the next run can write a fresh one"
        ) from exc


def check_schema_version(version: object, where: str) -> None:
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InvalidRecordError(
            f"{where}: `schema_version` is missing or not a positive integer ({version!r}); "
            "this file was not written by speech-action: fix or delete it"
        )
    if version > SCHEMA_VERSION:
        raise InvalidRecordError(
            f"{where}: written with records schema_version {version}, but this version of "
            f"speech-action reads up to {SCHEMA_VERSION}; upgrade the action to read it"
        )


def _load_json_object(data: bytes, where: str) -> dict[str, Any]:
    try:
        raw = json.loads(data.decode("utf-8-sig"))
    except (ValueError, RecursionError) as exc:
        # ValueError covers bad UTF-8, bad JSON and integers too long to convert; a
        # RecursionError, arrays nested thousands deep.
        problem = str(exc) if isinstance(exc, ValueError) else "nested too deeply"
        raise InvalidRecordError(
            f"{where}: not valid UTF-8 JSON ({problem[:200]}); fix or delete this record"
        ) from exc
    if not isinstance(raw, dict):
        raise InvalidRecordError(
            f"{where}: expected a JSON object, found {type(raw).__name__}; fix or delete it")
    return raw


def _describe_problem(err: Any) -> str:
    loc = ".".join(str(part) for part in err.get("loc", ())) or "(record)"
    why = (f" (a WER is a finite percent from 0 to {MAX_WER_PERCENT:g})"
           if loc.endswith("wer_percent") else "")
    return f"{loc}: {err.get('msg', 'invalid')}{why}"
