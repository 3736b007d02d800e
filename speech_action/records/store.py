"""The record store: one logic over two backends (a folder, an Azure Blob container).

A backend only knows named byte objects with a version tag (an ETag): read, write
whole (atomically, optionally only if unchanged or absent) and list by prefix. Naming,
parsing, the schema check and the lost-update guard on `benchmark.json` live here
once, so both stores behave the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from speech_action.errors import RecordsError
from speech_action.records.models import (
    BENCHMARK_NAME,
    CANDIDATES_PREFIX,
    HISTORY_PREFIX,
    AnyRecord,
    BenchmarkRecord,
    CandidateRecord,
    RunResult,
    candidate_name,
    dump_record,
    history_name,
    parse_record,
    result_name,
)


@dataclass(frozen=True)
class Stored:
    """An object's bytes and its version tag (ETag) at the time of reading."""

    data: bytes
    etag: str


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
        condition (`if_match` ETag, or `if_absent`) does not hold."""
        ...

    def list_names(self, prefix: str) -> list[str]: ...


class RecordConflictError(RecordsError):
    """benchmark.json was changed by another run between this run's read and write."""


class RecordStore(Protocol):
    """What the modes and the report use; `FolderStore` and `BlobStore` implement it."""

    @property
    def location(self) -> str: ...

    def read_benchmark(self) -> BenchmarkRecord | None: ...

    def write_benchmark(self, record: BenchmarkRecord) -> str: ...

    def write_result(self, record: RunResult) -> str: ...

    def write_candidate(self, record: CandidateRecord) -> str: ...

    def latest_candidate(self, locale: str | None = None) -> CandidateRecord | None: ...

    def history(self, limit: int = 20) -> list[BenchmarkRecord]: ...


_UNREAD = object()


class BackedRecordStore:
    """`RecordStore` over a `Backend`.

    The store remembers the ETag of `benchmark.json` from its last read, and writes the
    benchmark only if it is still that version (or still absent): two concurrent runs
    cannot silently overwrite each other's benchmark.
    """

    def __init__(self, backend: Backend) -> None:
        self._backend = backend
        self._benchmark_etag: str | object | None = _UNREAD

    @property
    def location(self) -> str:
        return self._backend.location

    def read_benchmark(self) -> BenchmarkRecord | None:
        stored = self._backend.read(BENCHMARK_NAME)
        self._benchmark_etag = stored.etag if stored else None
        return self._parse(stored, BENCHMARK_NAME, BenchmarkRecord) if stored else None

    def write_benchmark(self, record: BenchmarkRecord) -> str:
        """Replace benchmark.json (if unchanged since read) and add a history entry."""
        if self._benchmark_etag is _UNREAD:
            self.read_benchmark()
        etag = self._benchmark_etag
        try:
            self._benchmark_etag = self._backend.write(
                BENCHMARK_NAME,
                dump_record(record),
                if_match=etag if isinstance(etag, str) else None,
                if_absent=etag is None,
            )
        except PreconditionFailed:
            raise self._conflict(record) from None
        self._backend.write(history_name(record), dump_record(record))
        return self._backend.where(BENCHMARK_NAME)

    def write_result(self, record: RunResult) -> str:
        name = result_name(record)
        self._backend.write(name, dump_record(record))
        return self._backend.where(name)

    def write_candidate(self, record: CandidateRecord) -> str:
        name = candidate_name(record)
        self._backend.write(name, dump_record(record))
        return self._backend.where(name)

    def latest_candidate(self, locale: str | None = None) -> CandidateRecord | None:
        """The newest improved candidate (of `locale`, when given), by record time."""
        found = [
            self._read_required(name, CandidateRecord)
            for name in self._backend.list_names(CANDIDATES_PREFIX)
            if name.endswith(".json")
        ]
        eligible = [c for c in found if c.improved and (locale is None or c.locale == locale)]
        return max(eligible, key=lambda c: (c.time, c.stem), default=None)

    def history(self, limit: int = 20) -> list[BenchmarkRecord]:
        """The last `limit` benchmarks, oldest first (history names sort by time)."""
        if limit <= 0:
            return []
        names = sorted(n for n in self._backend.list_names(HISTORY_PREFIX) if n.endswith(".json"))
        return [self._read_required(name, BenchmarkRecord) for name in names[-limit:]]

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

    def _conflict(self, record: BenchmarkRecord) -> RecordConflictError:
        stored = self._backend.read(BENCHMARK_NAME)
        where = self._backend.where(BENCHMARK_NAME)
        other = "it was deleted"
        if stored is not None:
            current = self._parse(stored, BENCHMARK_NAME, BenchmarkRecord)
            self._benchmark_etag = stored.etag
            other = f"now from commit {current.commit}, run {current.run_id} ({current.kind})"
        else:
            self._benchmark_etag = None
        return RecordConflictError(
            f"{where}: another run changed the benchmark while this run "
            f"(commit {record.commit}, run {record.run_id}) was working; {other}. "
            "This run's benchmark was not written: re-run the job, and serialize runs "
            "with a workflow `concurrency:` group"
        )
