"""The three modes; each reads like a script of service calls (see its module)."""

from __future__ import annotations

from collections.abc import Callable

from speech_action.modes import benchmark_test, deploy, train_and_gate
from speech_action.modes.context import ModeContext, ModeOutcome, ModeSettings, RunInfo
from speech_action.modes.service import SpeechService

__all__ = ["MODES", "ModeContext", "ModeOutcome", "ModeSettings", "RunInfo", "SpeechService",
           "run_mode"]

MODES: dict[str, Callable[[ModeContext], ModeOutcome]] = {
    "benchmark-test": benchmark_test.run,
    "train-and-gate": train_and_gate.run,
    "deploy": deploy.run,
}


def run_mode(mode: str, ctx: ModeContext) -> ModeOutcome:
    return MODES[mode](ctx)
