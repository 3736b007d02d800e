"""Child process that only packages one test set, so its peak RSS is the packaging's own.

It packages as the product uploads, nothing written to disk: `stream_package` alone (the
packaging: read, zip, CRC), and regrouped into the client's 8 MiB upload blocks (one more
copy of every byte, done by the upload; the PUTs themselves are not timed).

Usage: python bench/package_child.py WORKSPACE; prints JSON
{seconds, size, blocks_seconds, blocks}.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from speech_action.client.client import iter_blocks
from speech_action.data import DataLayout, discover_test_data, stream_package


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
    # Each way twice, interleaved, best kept: the plain read it is compared with is also
    # the faster of two, and the page cache favours whichever pass comes later.
    streamed, regrouped = [], []
    for _ in range(2):
        streamed.append(_seconds(stream_package(dataset)))
        regrouped.append(_seconds(iter_blocks(stream_package(dataset))))
    seconds, _, size = min(streamed)
    blocks_seconds, blocks, _ = min(regrouped)
    print(json.dumps({"seconds": seconds, "size": size, "blocks_seconds": blocks_seconds,
                      "blocks": blocks}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
