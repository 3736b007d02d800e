"""The three modes; each reads like a script of service calls (see its module)."""

from __future__ import annotations

from collections.abc import Callable

from speech_action.modes import benchmark_test, deploy, train_and_gate
from speech_action.modes.context import ModeContext, ModeOutcome

MODES: dict[str, Callable[[ModeContext], ModeOutcome]] = {
    "benchmark-test": benchmark_test.run,
    "train-and-gate": train_and_gate.run,
    "deploy": deploy.run,
}


def run_mode(ctx: ModeContext) -> ModeOutcome:
    return MODES[ctx.config.mode.value](ctx)
