"""Word alignment of reference and hypothesis, its text rendering, and confusions.

An `Alignment` keeps the normalized words and the edit runs from jiwer; the column
view is only built for the few utterances a report shows, which keeps scoring of
large test sets cheap. A test set's alignments (`AlignmentList`) are kept as texts and
plain tuples, which the garbage collector soon stops tracking.
"""

from __future__ import annotations

import heapq
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from itertools import groupby
from operator import itemgetter
from typing import Literal, NamedTuple, overload

from speech_action.scoring.wer import Aligned, Chunk, CountColumns, UtteranceCounts, align_chunks

__all__ = [
    "Alignment",
    "AlignmentList",
    "Column",
    "Confusion",
    "Edit",
    "align",
    "align_all",
    "confusion_counts",
    "render_alignment",
    "top_confusions",
]

Op = Literal["equal", "substitute", "delete", "insert"]
_MARKS: dict[str, str] = {"equal": "", "substitute": "S", "delete": "D", "insert": "I"}
_OPS: dict[str, Op] = {
    "equal": "equal",
    "substitute": "substitute",
    "delete": "delete",
    "insert": "insert",
}
GAP = "*"
_LAYOUT_SEARCH_LIMIT = 2500


class Edit(NamedTuple):
    """A run of one kind of operation: reference[ref_start:ref_end] ->
    hypothesis[hyp_start:hyp_end] (jiwer's `AlignmentChunk`, immutable)."""

    op: Op
    ref_start: int
    ref_end: int
    hyp_start: int
    hyp_end: int


class Column(NamedTuple):
    """One aligned position: a reference word, a hypothesis word ("" for a gap)."""

    op: Op
    ref: str
    hyp: str


@dataclass(frozen=True)
class Alignment:
    """The alignment of one utterance (normalized words)."""

    reference: tuple[str, ...]
    hypothesis: tuple[str, ...]
    # jiwer's chunks as plain tuples (`Chunk`), shared with the `AlignmentList`;
    # `edits` gives them names on demand.
    chunks: tuple[Chunk, ...] = field(repr=False)
    counts: UtteranceCounts

    @property
    def edits(self) -> tuple[Edit, ...]:
        return tuple(Edit(_OPS[kind], *ends) for kind, *ends in self.chunks)

    def columns(self) -> Iterator[Column]:
        """Aligned positions; each error region is laid out for reading (`_layout`)."""
        for is_error, refs, hyps in self._segments():
            if is_error:
                yield from _layout(refs, hyps)
            else:
                yield from (Column("equal", word, word) for word in refs)

    def error_regions(self) -> Iterator[tuple[Sequence[str], Sequence[str]]]:
        """Maximal runs of adjacent non-equal edits as (reference words, hypothesis
        words): a split such as `sharjah -> shar jah` (a substitution next to an
        insertion) is one region, not two unrelated errors."""
        for is_error, refs, hyps in self._segments():
            if is_error:
                yield refs, hyps

    def _segments(self) -> Iterator[tuple[bool, Sequence[str], Sequence[str]]]:
        """(is error, reference words, hypothesis words) runs, in order."""
        ref, hyp = self.reference, self.hypothesis
        position = 0  # reference words before the next chunk
        for ref_start, ref_end, hyp_start, hyp_end in _error_runs(self.chunks):
            if position < ref_start:
                yield False, ref[position:ref_start], ()
            yield True, ref[ref_start:ref_end], hyp[hyp_start:hyp_end]
            position = ref_end
        if position < len(ref):
            yield False, ref[position:], ()


def _layout(refs: Sequence[str], hyps: Sequence[str]) -> list[Column]:
    """Columns of one error region. An optimal alignment never has both a deletion and
    an insertion in one region, so it is min(len) substitutions plus the rest as
    insertions or deletions. jiwer places them arbitrarily (`*** sat` over `sit down`);
    here each word of the shorter side goes over the word of the longer side it looks
    most like, in order (`sat` over `sit`, `sharjah` over `shar`), as a person would
    read it."""
    short, long_ = (refs, hyps) if len(refs) <= len(hyps) else (hyps, refs)
    if len(short) < len(long_) and len(short) * len(long_) <= _LAYOUT_SEARCH_LIMIT:
        slots = _best_slots(short, long_)
    else:  # all substitutions, or too long for the quadratic search: in order
        slots = list(range(len(short)))
    padded = [""] * len(long_)
    for word, slot in zip(short, slots, strict=True):
        padded[slot] = word
    pairs = zip(padded, long_, strict=True)
    if len(refs) <= len(hyps):
        return [Column("insert" if not r else "substitute", r, h) for r, h in pairs]
    return [Column("delete" if not h else "substitute", r, h) for h, r in pairs]


def _best_slots(short: Sequence[str], long_: Sequence[str]) -> list[int]:
    """Positions in `long_` for the words of `short`, in order, that maximize the total
    letter similarity (dynamic programming; ties go to the earliest positions)."""
    rows, cols = len(short), len(long_)
    best = [[0.0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(1, rows + 1):
        best[i][i - 1] = float("-inf")  # row i needs at least i columns
        for j in range(i, cols + 1):
            similarity = SequenceMatcher(None, short[i - 1], long_[j - 1]).ratio()
            best[i][j] = max(best[i][j - 1], best[i - 1][j - 1] + similarity)
    slots: list[int] = []
    j = cols
    for i in range(rows, 0, -1):
        while j > i and best[i][j - 1] >= best[i][j]:
            j -= 1  # the same score is reachable with an earlier position
        slots.append(j - 1)
        j -= 1
    return slots[::-1]


def align(references: Sequence[str], hypotheses: Sequence[str]) -> list[Alignment]:
    """Align already-normalized texts pairwise, with one jiwer call for all of them."""
    return list(align_all(references, hypotheses))


def align_all(references: Sequence[str], hypotheses: Sequence[str]) -> AlignmentList:
    """`align` for whole test sets: the counts of every utterance at once, each
    `Alignment` built only when it is looked at (the report shows a few dozen)."""
    return AlignmentList(references, hypotheses, align_chunks(references, hypotheses))


class AlignmentList(Sequence[Alignment]):
    """The alignments of a test set, in order, as jiwer returned them.

    Building an `Alignment` (and its `UtteranceCounts`) for each of 10,000 utterances
    costs as much as the alignment itself; here the per-utterance counts are columns of
    ints (`counts`), computed once, and indexing builds the one `Alignment` asked for.
    What is kept per utterance is its two normalized texts (split again on demand) and
    its chunks as plain tuples (`Chunk`): no list or object that the garbage collector
    would scan again on every full collection while the report is built.
    """

    def __init__(
        self, references: Sequence[str], hypotheses: Sequence[str], aligned: Aligned
    ) -> None:
        self._references = tuple(references)
        self._hypotheses = tuple(hypotheses)
        self._chunks = aligned.chunks
        self.counts: CountColumns = aligned.counts

    def __len__(self) -> int:
        return len(self._chunks)

    @overload
    def __getitem__(self, index: int) -> Alignment: ...

    @overload
    def __getitem__(self, index: slice) -> list[Alignment]: ...

    def __getitem__(self, index: int | slice) -> Alignment | list[Alignment]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"alignment {index} of {len(self)} utterances does not exist")
        return Alignment(
            tuple(self._references[index].split()),
            tuple(self._hypotheses[index].split()),
            self._chunks[index],
            self.counts.at(index),
        )

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AlignmentList):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable contents, as a list

    def confusion_counts(self) -> Counter[tuple[str, str]]:
        """`confusion_counts` of all alignments, straight from the chunks: only the
        utterances with errors are visited, and no `Alignment` is built."""
        counter: Counter[tuple[str, str]] = Counter()
        for index in _indexes_with_errors(self.counts.errors):
            ref, hyp = self._references[index].split(), self._hypotheses[index].split()
            for ref_start, ref_end, hyp_start, hyp_end in _error_runs(self._chunks[index]):
                counter[" ".join(ref[ref_start:ref_end]), " ".join(hyp[hyp_start:hyp_end])] += 1
        return counter


def _indexes_with_errors(errors: Sequence[int]) -> list[int]:
    return [i for i, count in enumerate(errors) if count]


def _error_runs(chunks: Sequence[Chunk]) -> Iterator[tuple[int, int, int, int]]:
    """(ref start, ref end, hyp start, hyp end) of each maximal run of adjacent non-equal
    chunks: a split such as `sharjah -> shar jah` (a substitution next to an insertion) is
    one run."""
    first: Chunk | None = None
    last: Chunk | None = None
    for chunk in chunks:
        if chunk[0] != "equal":
            if first is None:
                first = chunk
            last = chunk
        elif first is not None and last is not None:
            yield first[1], last[2], first[3], last[4]
            first = None
    if first is not None and last is not None:
        yield first[1], last[2], first[3], last[4]


def render_alignment(alignment: Alignment, *, width: int = 100, context: int | None = None) -> str:
    """Plain text in the sclite style, wrapped to blocks of at most `width` characters:

        REF: the cat sat **** on the mat
        HYP: the cat sit down on a   mat
                     S   I       S

    Gaps are `*`; the third line marks Substitution, Deletion, Insertion. With
    `context`, correct words farther than that from any error are shown as one `...`
    (`ELLIPSIS`), so a long recording shows its errors, not pages of correct words.
    The text is not escaped: the report escapes it for where it goes.
    """
    columns = list(alignment.columns())
    if context is not None:
        columns = _elide(columns, context)
    cells = [_cell(column) for column in columns]
    blocks = [_render_block(block) for block in _wrap(cells, width - len("REF: "))]
    return "\n\n".join(blocks) if blocks else "REF:\nHYP:"


ELLIPSIS = "\u2026"


def _elide(columns: Sequence[Column], context: int) -> list[Column]:
    errors = [i for i, column in enumerate(columns) if column.op != "equal"]
    keep = [False] * len(columns)
    for i in errors:
        for j in range(max(0, i - context), min(len(columns), i + context + 1)):
            keep[j] = True
    if not errors:  # nothing wrong: show the start only
        keep[: 2 * context + 1] = [True] * min(len(columns), 2 * context + 1)
    elided: list[Column] = []
    for kept, run in groupby(zip(columns, keep, strict=True), key=itemgetter(1)):
        run_columns = [column for column, _ in run]
        # An ellipsis for one or two words would save nothing and hide something.
        if kept or len(run_columns) <= 2:
            elided.extend(run_columns)
        else:
            elided.append(Column("equal", ELLIPSIS, ELLIPSIS))
    return elided


class _Cell(NamedTuple):
    ref: str
    hyp: str
    mark: str
    width: int


def _cell(column: Column) -> _Cell:
    size = max(display_width(column.ref), display_width(column.hyp), 1)
    ref = column.ref or GAP * size
    hyp = column.hyp or GAP * size
    return _Cell(ref, hyp, _MARKS[column.op], size)


def _wrap(cells: Sequence[_Cell], width: int) -> Iterator[list[_Cell]]:
    block: list[_Cell] = []
    used = 0
    for cell in cells:
        if block and used + cell.width > width:
            yield block
            block, used = [], 0
        block.append(cell)
        used += cell.width + 1
    if block:
        yield block


def _render_block(cells: Sequence[_Cell]) -> str:
    lines = [
        "REF: " + " ".join(_pad(c.ref, c.width) for c in cells),
        "HYP: " + " ".join(_pad(c.hyp, c.width) for c in cells),
    ]
    if any(c.mark for c in cells):
        lines.append("     " + " ".join(_pad(c.mark, c.width) for c in cells))
    return "\n".join(line.rstrip() for line in lines)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - display_width(text))


def display_width(text: str) -> int:
    """Columns `text` takes in a monospaced font: East Asian wide characters take two,
    combining marks none, so aligned Chinese or Hindi text stays aligned."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


@dataclass(frozen=True)
class Confusion:
    """A reference phrase the model got wrong, what it heard instead, and how often.
    An empty `reference` is an insertion, an empty `hypothesis` a deletion."""

    reference: str
    hypothesis: str
    count: int


def confusion_counts(alignments: Iterable[Alignment]) -> Counter[tuple[str, str]]:
    """How often each error region (reference phrase, hypothesis phrase) occurs."""
    if isinstance(alignments, AlignmentList):
        return alignments.confusion_counts()
    counter: Counter[tuple[str, str]] = Counter()
    for alignment in alignments:
        for ref, hyp in alignment.error_regions():
            counter[" ".join(ref), " ".join(hyp)] += 1
    return counter


def top_confusions(alignments: Iterable[Alignment], limit: int = 10) -> list[Confusion]:
    """The `limit` most frequent error regions, most frequent first (ties by text, so
    the order is deterministic)."""
    counter = confusion_counts(alignments)
    # nsmallest is sorted(...)[:limit] without sorting the long tail of one-off errors.
    ranked = heapq.nsmallest(limit, counter.items(), key=lambda item: (-item[1], item[0]))
    return [Confusion(ref, hyp, count) for (ref, hyp), count in ranked[:limit]]
