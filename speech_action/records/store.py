"""The record store: one logic over two backends (a folder, an Azure Blob container).

A backend only knows named byte objects with a version tag (an ETag): read, write
whole (atomically, optionally only if unchanged or absent) and list by prefix with the
time the backend says each object was last written. Naming, parsing, the schema check
and the lost-update guard on `benchmark.json` live here once, so both stores behave
the same.

The guard is explicit: `read_benchmark` returns a `BenchmarkSnapshot` (the record and
the version that read saw), and `write_benchmark` writes only if `benchmark.json` is
still that version. The store itself remembers nothing between calls, so a caller
cannot defeat the guard by reading again just before writing.

Every record passes the redactor on its way out: a secret a service echoed into a model
name or an error, or a SAS URL, never reaches `benchmark.json`, `history/`, candidates or
results (the process-wide `DEFAULT_REDACTOR`, which the run registers its secrets with,
unless another is given).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from speech_action.errors import RecordsError, shown
from speech_action.records.models import (
    BENCHMARK_NAME,
    CANDIDATES_PREFIX,
    HISTORY_PREFIX,
    AnyRecord,
    BenchmarkRecord,
    CandidateRecord,
    InvalidRecordError,
    RunResult,
    candidate_name,
    dump_record,
    history_name,
    parse_record,
    result_name,
)
from speech_action.redaction import DEFAULT_REDACTOR, Redactor


@dataclass(frozen=True)
class Stored:
    """An object's bytes and its version tag (ETag) at the time of reading."""

    data: bytes
    etag: str


@dataclass(frozen=True)
class Listed:
    """A listed object: its name and when the backend last wrote it (aware UTC)."""

    name: str
    modified: datetime


class PreconditionFailed(Exception):
    """A conditional write lost: the object changed (or appeared) since it was read."""


class Backend(Protocol):
    """Named byte objects; every write replaces the whole object atomically."""

    @property
    def location(self) -> str:
        """Where the records live, for messages; never holds a secret."""
        ...

    def where(self, name: str) -> str:
        """The file path or blob URL of `name`, for messages and return values."""
        ...

    def read(self, name: str) -> Stored | None: ...

    def write(self, name: str, data: bytes, *, if_match: str | None = None,
              if_absent: bool = False) -> str:
        """Write `data`; return the new ETag. Raise PreconditionFailed when the
        condition (`if_match` ETag, or `if_absent`) does not hold; checking it and
        writing are one step."""
        ...

    def list_entries(self, prefix: str) -> list[Listed]:
        """The objects whose names start with `prefix`, sorted by name."""
        ...


@dataclass(frozen=True)
class BenchmarkSnapshot:
    """benchmark.json as one read saw it: the record (None: absent) and its version tag."""

    record: BenchmarkRecord | None
    version: str | None  # ETag (blob) / content tag (folder) of that read; None = absent


@dataclass(frozen=True)
class StoredCandidate:
    """An improved candidate and when the store says it was written.

    `stored_at` comes from the backend (blob Last-Modified, file mtime), never from the
    record's own `time`, which is text any writer of the record could set.
    """

    record: CandidateRecord
    stored_at: datetime  # aware UTC
    name: str  # the stored name, for messages


class RecordConflictError(RecordsError):
    """benchmark.json was changed by another run between this run's read and write."""


class RecordStore(Protocol):
    """What the modes and the report use; `FolderStore` and `BlobStore` implement it."""

    @property
    def location(self) -> str: ...

    def read_benchmark(self) -> BenchmarkSnapshot: ...

    def write_benchmark(self, record: BenchmarkRecord, *, expected: BenchmarkSnapshot) -> str:
        """Write only if benchmark.json is still `expected.version` (absent when None),
        else raise RecordConflictError; then add the history entry. Returns where."""
        ...

    def write_result(self, record: RunResult) -> str: ...

    def write_candidate(self, record: CandidateRecord) -> str: ...

    def candidates(self, locale: str | None = None) -> list[StoredCandidate]:
        """Every improved candidate (of `locale`, when given), oldest stored first."""
        ...

    def history(self, limit: int = 20, *,
                skipped: Callable[[str], None] | None = None) -> list[BenchmarkRecord]:
        """The last `limit` benchmarks, oldest first; an entry that is not a valid record
        is left out and `skipped` is told why."""
        ...


class BackedRecordStore:
    """`RecordStore` over a `Backend`; it keeps no state between calls."""

    def __init__(self, backend: Backend, redactor: Redactor | None = None) -> None:
        self._backend = backend
        self._redactor = redactor or DEFAULT_REDACTOR

    @property
    def location(self) -> str:
        return self._backend.location

    def read_benchmark(self) -> BenchmarkSnapshot:
        stored = self._backend.read(BENCHMARK_NAME)
        if stored is None:
            return BenchmarkSnapshot(record=None, version=None)
        record = self._parse(stored, BENCHMARK_NAME, BenchmarkRecord)
        return BenchmarkSnapshot(record=record, version=stored.etag)

    def write_benchmark(self, record: BenchmarkRecord, *, expected: BenchmarkSnapshot) -> str:
        """Replace benchmark.json if it is still the version `expected` saw, then add
        the history entry (only after the benchmark itself was written)."""
        try:
            self._backend.write(
                BENCHMARK_NAME,
                self._dump(record),
                if_match=expected.version,
                if_absent=expected.version is None,
            )
        except PreconditionFailed:
            raise self._conflict(record, expected) from None
        self._backend.write(history_name(record), self._dump(record))
        return self._backend.where(BENCHMARK_NAME)

    def write_result(self, record: RunResult) -> str:
        name = result_name(record)
        self._backend.write(name, self._dump(record))
        return self._backend.where(name)

    def write_candidate(self, record: CandidateRecord) -> str:
        name = candidate_name(record)
        self._backend.write(name, self._dump(record))
        return self._backend.where(name)

    def candidates(self, locale: str | None = None) -> list[StoredCandidate]:
        """Every improved candidate (of `locale`, when given), oldest stored first.
        Choosing one is the caller's policy."""
        found = [
            StoredCandidate(
                record=self._read_required(entry.name, CandidateRecord),
                stored_at=entry.modified,
                name=entry.name,
            )
            for entry in self._records_under(CANDIDATES_PREFIX)
        ]
        eligible = [
            c for c in found
            if c.record.improved and (locale is None or c.record.locale == locale)
        ]
        return sorted(eligible, key=lambda c: (c.stored_at, c.name))

    def history(self, limit: int = 20, *,
                skipped: Callable[[str], None] | None = None) -> list[BenchmarkRecord]:
        """The last `limit` benchmarks, oldest first (history names sort by time). The
        history only draws the chart: an entry that is not a valid record is left out and
        `skipped` is told why, so one bad file does not stop every later run."""
        if limit <= 0:
            return []
        names = [entry.name for entry in self._records_under(HISTORY_PREFIX)]
        records = []
        for name in names[-limit:]:
            try:
                records.append(self._read_required(name, BenchmarkRecord))
            except InvalidRecordError as exc:
                if skipped is not None:
                    skipped(f"{exc} (left out of the WER history)")
        return records

    def _dump(self, record: BenchmarkRecord | RunResult | CandidateRecord) -> bytes:
        """The record's bytes, redacted (still the same JSON shape)."""
        text = dump_record(record).decode("utf-8")
        return self._redactor.redact_json_text(text).encode("utf-8")

    def _records_under(self, prefix: str) -> list[Listed]:
        return [e for e in self._backend.list_entries(prefix) if e.name.endswith(".json")]

    def _read_required(self, name: str, model: type[AnyRecord]) -> AnyRecord:
        stored = self._backend.read(name)
        if stored is None:
            raise RecordsError(
                f"{self._backend.where(name)}: listed but gone when read; "
                "another run may be deleting records: re-run this job"
            )
        return self._parse(stored, name, model)

    def _parse(self, stored: Stored, name: str, model: type[AnyRecord]) -> AnyRecord:
        return parse_record(stored.data, model, self._backend.where(name))

    def _conflict(self, record: BenchmarkRecord,
                  expected: BenchmarkSnapshot) -> RecordConflictError:
        then = (f"it was {_describe(expected.record)}" if expected.record
                else "there was none")
        return RecordConflictError(
            f"{self._backend.where(BENCHMARK_NAME)}: another run changed the benchmark "
            f"after this run (commit {record.commit}, run {record.run_id}) read it "
            f"({then}); {self._describe_current()}. This run's benchmark was not written. "
            "Re-run this job so it compares against the current benchmark, and serialize "
            "the workflow's runs with a `concurrency:` group so they do not race"
        )

    def _describe_current(self) -> str:
        try:
            current = self.read_benchmark().record
        except RecordsError as exc:
            return f"the benchmark stored now cannot be read ({exc})"
        if current is None:
            return "it was deleted since"
        return f"it is now {_describe(current)}"


def _describe(record: BenchmarkRecord) -> str:
    url = f" ({shown(record.run_url)})" if record.run_url else ""
    return f"the {record.kind} benchmark of commit {record.commit}, run {record.run_id}{url}"


def as_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)
