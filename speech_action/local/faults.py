"""Deterministic fault injection for the local service (tests, demos of the retry logic).

Faults are count-based, never random, so a test knows which request fails:
request number `n` (1-based, counted over the requests whose path contains `match`)
gets the action of `first[n-1]` if there is one, else of the smallest key `k` of
`every_nth` with `n % k == 0`. Actions:

- `"429"`: 429 TooManyRequests with `Retry-After: retry_after_s`
- `"429-no-retry-after"`: 429 without `Retry-After`
- `"500"`, `"502"`, `"503"`, `"504"`: that status with the spec's error shape
- `"drop"`: close the connection without any response
- `"slow"`: wait `slow_response_s`, then answer normally
- `"ok"`: answer normally (a placeholder in `first`)

Jobs: `fail_jobs` maps a collection (`datasets`, `models`, `evaluations`, `endpoints`)
to the error message its jobs end `Failed` with; `job_never_finishes` lists collections
whose jobs stay `Running`; `slow_jobs_s` adds seconds to a collection's job delay.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from speech_action.errors import ConfigError

__all__ = ["ACTIONS", "FaultCounter", "FaultPlan", "load_fault_plan"]

ACTIONS = frozenset({"429", "429-no-retry-after", "500", "502", "503", "504", "drop", "slow", "ok"})
JOB_KINDS = frozenset({"datasets", "models", "evaluations", "endpoints"})


@dataclass(frozen=True)
class FaultPlan:
    every_nth: dict[int, str] = field(default_factory=dict)
    first: tuple[str, ...] = ()
    match: str = ""
    retry_after_s: int = 1
    slow_response_s: float = 1.0
    fail_jobs: dict[str, str] = field(default_factory=dict)
    job_never_finishes: frozenset[str] = frozenset()
    slow_jobs_s: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        actions = [*self.every_nth.values(), *self.first]
        unknown = sorted({action for action in actions if action not in ACTIONS})
        if unknown:
            raise ConfigError(
                f"fault plan: unknown action(s) {unknown}; use one of {sorted(ACTIONS)}"
            )
        if any(n < 1 for n in self.every_nth):
            raise ConfigError("fault plan: every_nth keys must be request counts >= 1")
        kinds = {*self.fail_jobs, *self.job_never_finishes, *self.slow_jobs_s}
        if kinds - JOB_KINDS:
            raise ConfigError(
                f"fault plan: unknown job kind(s) {sorted(kinds - JOB_KINDS)}; "
                f"use one of {sorted(JOB_KINDS)}"
            )

    def action_for(self, number: int) -> str | None:
        """The fault of the `number`-th matching request (1-based), or None."""
        if number <= len(self.first):
            action = self.first[number - 1]
            return None if action == "ok" else action
        for every in sorted(self.every_nth):
            if number % every == 0:
                return self.every_nth[every]
        return None

    @classmethod
    def from_mapping(cls, data: dict[str, Any], *, source: str = "fault plan") -> FaultPlan:
        known = set(cls.__dataclass_fields__)
        extra = sorted(set(data) - known)
        if extra:
            raise ConfigError(f"{source}: unknown key(s) {extra}; known: {sorted(known)}")
        try:
            return cls(
                every_nth={int(k): str(v) for k, v in dict(data.get("every_nth", {})).items()},
                first=tuple(str(a) for a in data.get("first", ())),
                match=str(data.get("match", "")),
                retry_after_s=int(data.get("retry_after_s", 1)),
                slow_response_s=float(data.get("slow_response_s", 1.0)),
                fail_jobs={str(k): str(v) for k, v in dict(data.get("fail_jobs", {})).items()},
                job_never_finishes=frozenset(data.get("job_never_finishes", ())),
                slow_jobs_s={
                    str(k): float(v) for k, v in dict(data.get("slow_jobs_s", {})).items()
                },
            )
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{source}: invalid value ({exc}); see FaultPlan's docs") from exc


def load_fault_plan(path: Path) -> FaultPlan:
    """Read a fault plan from a JSON or YAML file (for `speech-action serve --faults FILE`)."""
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read the fault plan ({exc})") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a fault plan must be a mapping of options")
    return FaultPlan.from_mapping(data, source=str(path))


class FaultCounter:
    """Counts matching requests (thread-safe) and tells which fault, if any, applies."""

    def __init__(self, plan: FaultPlan | None) -> None:
        self.plan = plan
        self._count = 0
        self._lock = threading.Lock()

    def next_action(self, path: str) -> str | None:
        if self.plan is None or self.plan.match not in path:
            return None
        with self._lock:
            self._count += 1
            number = self._count
        return self.plan.action_for(number)
