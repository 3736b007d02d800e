"""Run every benchmark, print a table and write bench/results.json.

    python bench/run.py                    # the full run (about 1 GB of scratch audio)
    BENCH_SCALE=0.01 python bench/run.py   # a small run while developing
    BENCH_ONLY=packaging python bench/run.py   # only the sections whose name contains it

Scratch files live in bench/.work/ (gitignored) and the synthetic set is deleted at the end.
Figures and the machine they were measured on are in BENCHMARKS.md.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `python bench/run.py` puts only bench/ on the path

from bench import data_bench, micro, pipeline  # noqa: E402

RESULTS = ROOT / "bench" / "results.json"
WORK = ROOT / "bench" / ".work"
FULL_SET_BYTES = 1_000_000_000
SET_FILES = 1_000
SCORING_UTTERANCES = 10_000
POLL_CASES = ((600.0, 30.0, 30.0), (3600.0, 60.0, 30.0), (300.0, None, 30.0), (7.0, 1.0, 0.05))

Section = tuple[str, Callable[[], dict[str, Any]]]


def scale() -> float:
    """BENCH_SCALE shrinks the sizes while developing; unset, the run is the full one."""
    return float(os.environ.get("BENCH_SCALE", "1"))


def sections(factor: float) -> list[Section]:
    def packaging() -> dict[str, Any]:
        return data_bench.packaging_and_validation(WORK, SET_FILES, int(FULL_SET_BYTES * factor))

    def polling() -> dict[str, Any]:
        cases = [micro.poll_requests(*case) for case in POLL_CASES]
        return {"poll_requests_per_job": cases[0]["gets"],
                "poll_ideal_requests_per_job": cases[0]["ideal"], "poll_cases": cases}

    return [
        ("startup", micro.startup),
        ("packaging and validation", packaging),
        ("pipeline (stand-in recognizer)", lambda: pipeline.stand_in_pipeline(WORK)),
        ("polling", polling),
        ("scoring", lambda: micro.scoring(max(100, int(SCORING_UTTERANCES * factor)))),
        ("local engine", lambda: pipeline.local_engine(WORK)),
    ]


def selected(all_sections: list[Section]) -> list[Section]:
    """BENCH_ONLY keeps the sections whose name contains it (a busy machine, one figure)."""
    only = os.environ.get("BENCH_ONLY", "").strip().lower()
    return [section for section in all_sections if only in section[0]]


def machine() -> dict[str, Any]:
    return {"python": platform.python_version(), "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(), "cpus": os.cpu_count(),
            "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}


def print_table(results: dict[str, Any]) -> None:
    width = max(len(key) for key in results)
    for key, value in results.items():
        if not isinstance(value, dict | list):
            print(f"{key:<{width}}  {value}")


def main() -> int:
    factor = scale()
    WORK.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"scale": factor, "only": os.environ.get("BENCH_ONLY", ""),
                               "machine": machine()}
    started = time.perf_counter()
    try:
        for name, section in selected(sections(factor)):
            print(f"== {name}", flush=True)
            section_started = time.perf_counter()
            results.update(section())
            print(f"   {time.perf_counter() - section_started:.1f} s", flush=True)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
    results["total_s"] = round(time.perf_counter() - started, 1)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print_table(results)
    print(f"written to {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
