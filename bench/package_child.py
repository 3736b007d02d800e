"""Child process that only packages one test set, so its peak RSS is the packaging's own.

It packages as the product uploads, nothing written to disk: `stream_package` alone (the
packaging: read, zip, CRC check), and regrouped into the client's 8 MiB upload blocks (one
more copy of every byte, done by the upload; the PUTs themselves are not timed). Both are
given the dataset's `fingerprint` (content hash, each entry's CRC and size for the local
headers), as the upload is: it takes it first to look for a reusable dataset. The
fingerprint's own time is reported beside them (`fingerprint_s`).

The plain chunked read it is compared with runs here too, interleaved with the packaging
passes: the same process and page-cache state (read in the parent, it came out at half the
speed of the packaging that includes it, on a busy machine).

Usage: python bench/package_child.py WORKSPACE; prints JSON
{seconds, size, blocks_seconds, blocks, raw_read_s, fingerprint_s}.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.synthetic import raw_read_seconds
from speech_action.client.client import iter_blocks
from speech_action.data import DataLayout, discover_test_data, fingerprint, stream_package


def _seconds(chunks: Iterator[bytes]) -> tuple[float, int, int]:
    """Time to consume the chunks; their count and total size."""
    count = size = 0
    started = time.perf_counter()
    for chunk in chunks:
        count += 1
        size += len(chunk)
    return time.perf_counter() - started, count, size


def main(argv: list[str]) -> int:
    workspace = Path(argv[0])
    dataset = discover_test_data(workspace, DataLayout())
    # Each way three times, interleaved, best kept: the page cache and the other jobs on
    # the machine favour whichever pass comes later.
    raw, streamed, regrouped, measuring = [], [], [], []
    for _ in range(3):
        raw.append(raw_read_seconds(workspace / "testing_data")[0])
        started = time.perf_counter()
        measured = fingerprint(dataset)
        measuring.append(time.perf_counter() - started)
        streamed.append(_seconds(stream_package(dataset, measured)))
        regrouped.append(_seconds(iter_blocks(stream_package(dataset, measured))))
    seconds, _, size = min(streamed)
    blocks_seconds, blocks, _ = min(regrouped)
    print(json.dumps({"seconds": seconds, "size": size, "blocks_seconds": blocks_seconds,
                      "blocks": blocks, "raw_read_s": min(raw), "raw_reads_s": raw,
                      "fingerprint_s": min(measuring)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
