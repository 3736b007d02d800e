"""Packaging (speed against a plain read, peak memory) and validation of a synthetic set."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.synthetic import make_test_set, plain_copy_seconds
from speech_action.data import DataLayout, discover_test_data, validate
from speech_action.errors import SpeechActionError

MB = 1_000_000
CHILD = Path(__file__).resolve().parent / "package_child.py"


class BenchError(SpeechActionError):
    """A benchmark step could not run; the message names the step and the cause."""


def run_packaging_child(workspace: Path) -> tuple[dict[str, Any], float]:
    """Package (streamed into upload blocks, no disk) in a child doing nothing else; its
    result and its own peak RSS in MB.

    `os.wait4` gives the rusage of exactly this child (RUSAGE_CHILDREN would mix in every
    child this process waited for before, such as the pipeline's runs).
    """
    proc = subprocess.Popen([sys.executable, str(CHILD), str(workspace)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise BenchError(f"bench/package_child.py on {workspace} exited {proc.returncode}: "
                         f"{err.decode(errors='replace')[-2000:]}")
    peak_mb = usage.ru_maxrss * 1024 / MB  # ru_maxrss is in KiB on Linux
    return json.loads(out), peak_mb


def packaging_and_validation(work: Path, files: int, total_bytes: int) -> dict[str, Any]:
    """Make the set; in a child, read it plainly and package it (streamed, as the upload
    does), interleaved; copy it into one file; validate it."""
    workspace = work / "synthetic"
    testing = workspace / "testing_data"
    shutil.rmtree(workspace, ignore_errors=True)
    try:
        made_s = time.perf_counter()
        size = make_test_set(testing, files, total_bytes)
        made_s = time.perf_counter() - made_s
        child, peak_mb = run_packaging_child(workspace)
        copy_s = plain_copy_seconds(testing, work / "plain-copy.bin")
        validation_s = _validation_seconds(workspace)
    finally:
        shutil.rmtree(workspace, ignore_errors=True)  # never leave the 1 GB set behind
    raw_s = float(child["raw_read_s"])  # the fastest of the child's plain reads: stricter
    packaging_s = float(child["seconds"])
    return {
        "packaging_set_bytes": size,
        "packaging_files": files,
        "packaging_generate_s": round(made_s, 3),
        "packaging_s": round(packaging_s, 3),
        "packaging_stream_bytes": child["size"],
        "packaging_blocks": child["blocks"],
        "packaging_into_blocks_s": round(float(child["blocks_seconds"]), 3),
        "raw_read_s": round(raw_s, 3),
        "raw_reads_s": [round(float(r), 3) for r in child["raw_reads_s"]],
        "raw_read_mb_s": round(size / MB / raw_s, 1),
        "packaging_mb_s": round(size / MB / packaging_s, 1),
        "packaging_vs_raw_read": round(raw_s / packaging_s, 3),
        "packaging_into_blocks_vs_raw_read": round(raw_s / float(child["blocks_seconds"]), 3),
        # The content hash pass the upload makes first (sha256 + the zip's CRCs and sizes).
        "fingerprint_s": round(float(child["fingerprint_s"]), 3),
        "fingerprint_vs_raw_read": round(raw_s / float(child["fingerprint_s"]), 3),
        "plain_copy_mb_s": round(size / MB / copy_s, 1),
        "packaging_vs_plain_copy": round(copy_s / packaging_s, 3),
        "packaging_peak_rss_mb": round(peak_mb, 1),
        "validation_s": round(validation_s, 3),
        "validation_files_s": round(files / validation_s, 1),
    }


def _validation_seconds(workspace: Path) -> float:
    """Discovery plus validation of the whole set, as a mode does before uploading."""
    started = time.perf_counter()
    dataset = discover_test_data(workspace, DataLayout())
    validate([dataset])
    return time.perf_counter() - started
