"""Child process that only packages one test set, so its peak RSS is the packaging's own.

Usage: python bench/package_child.py WORKSPACE OUT_DIR; prints JSON {seconds, size}.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from speech_action.data import DataLayout, discover_test_data, package_dataset


def main(argv: list[str]) -> int:
    workspace, out_dir = Path(argv[0]), Path(argv[1])
    dataset = discover_test_data(workspace, DataLayout())
    started = time.perf_counter()
    package = package_dataset(dataset, out_dir)
    seconds = time.perf_counter() - started
    package.path.unlink()
    print(json.dumps({"seconds": seconds, "size": package.size}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
