"""The three things a run can do (input `mode`): read by config, named in reports and records."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["Mode"]


class Mode(StrEnum):
    BENCHMARK_TEST = "benchmark-test"
    TRAIN_AND_GATE = "train-and-gate"
    DEPLOY = "deploy"
