"""Which recorded candidate `deploy` ships when the workflow names no model (pure).

A pull request controls its own training data, so its improved candidate proves only that
the pull request's data helped; it must not reach production before it is merged. The rule
(product contract, "Gate and deploy integrity"):
1. the candidate trained on the commit being deployed, from a run that was not a pull
   request's (a deploy job after train-and-gate in the same workflow run);
2. else the newest candidate from a run on the default branch (a push, or a scheduled or
   manual run of it), by when the record store says it was written, never by the time the
   record claims (a record dated in the future must not pin deploy to it);
3. a pull request's candidate only when named in the `model` input.
Candidates written before records carried their event and ref are never chosen by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from speech_action.modes.context import RunInfo
from speech_action.records import StoredCandidate

PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target"})
DEFAULT_BRANCH_EVENTS = frozenset({"push", "schedule", "workflow_dispatch"})


@dataclass(frozen=True)
class CandidateChoice:
    candidate: StoredCandidate | None
    reason: str
    """Why this candidate, or why none could be chosen, in words for the summary."""


def choose_candidate(candidates: Sequence[StoredCandidate], run: RunInfo) -> CandidateChoice:
    eligible = [c for c in candidates if c.record.event and c.record.event not in
                PULL_REQUEST_EVENTS]
    this_commit = [c for c in eligible if c.record.commit == run.commit_sha]
    if this_commit:
        chosen = _newest(this_commit)
        return CandidateChoice(chosen, f"the improved candidate trained on this commit "
                                       f"{run.short_sha} ({_origin(chosen)})")
    if run.default_branch:
        branch_ref = f"refs/heads/{run.default_branch}"
        on_default = [c for c in eligible if c.record.event in DEFAULT_BRANCH_EVENTS
                      and c.record.ref == branch_ref]
        if on_default:
            chosen = _newest(on_default)
            return CandidateChoice(chosen, f"the newest improved candidate from the default "
                                           f"branch {run.default_branch} ({_origin(chosen)})")
    return CandidateChoice(None, _none_reason(candidates, run))


def _newest(candidates: Sequence[StoredCandidate]) -> StoredCandidate:
    return max(candidates, key=lambda c: (c.stored_at, c.name))


def _origin(candidate: StoredCandidate) -> str:
    record = candidate.record
    where = f" on {record.ref}" if record.ref else ""
    return (f"{record.event} run{where}, commit {record.commit[:7]}, "
            f"recorded {candidate.stored_at:%Y-%m-%d %H:%M} UTC")


def _none_reason(candidates: Sequence[StoredCandidate], run: RunInfo) -> str:
    skipped: list[str] = []
    pull_requests = sum(c.record.event in PULL_REQUEST_EVENTS for c in candidates)
    if pull_requests:
        skipped.append(f"{pull_requests} from pull requests (deployed only when named in the "
                       "model input)")
    unknown = sum(not c.record.event for c in candidates)
    if unknown:
        skipped.append(f"{unknown} recorded without their event and ref (by an older "
                       "version)")
    if not run.default_branch:
        skipped.append("the default branch is unknown outside a GitHub event, so only a "
                       "candidate of this commit qualifies")
    found = f"{len(candidates)} improved candidate(s) recorded" if candidates else \
        "no improved candidate recorded"
    detail = f": {'; '.join(skipped)}" if skipped else ""
    return (f"{found}, none trained on commit {run.short_sha} or on the default branch"
            f"{detail}")
