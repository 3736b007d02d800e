"""The `GITHUB_*` variables as one typed value; `cli` builds it once from its environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["DEFAULT_API_URL", "DEFAULT_SERVER_URL", "GitHubContext", "github_context_from_env"]

DEFAULT_SERVER_URL = "https://github.com"
DEFAULT_API_URL = "https://api.github.com"


@dataclass(frozen=True)
class GitHubContext:
    """What the runner tells a step about itself (the `GITHUB_*` variables)."""

    actions: bool = False
    output_path: Path | None = None
    summary_path: Path | None = None
    workspace: Path | None = None
    sha: str | None = None
    ref: str | None = None
    head_ref: str | None = None
    base_ref: str | None = None
    event_name: str | None = None
    event_path: Path | None = None
    repository: str | None = None
    run_id: str | None = None
    run_attempt: str | None = None
    server_url: str = DEFAULT_SERVER_URL
    api_url: str = DEFAULT_API_URL
    workflow: str | None = None
    job: str | None = None
    actor: str | None = None

    @property
    def run_url(self) -> str | None:
        if not (self.repository and self.run_id):
            return None
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"

    @property
    def short_sha(self) -> str | None:
        return self.sha[:7] if self.sha else None


def github_context_from_env(env: Mapping[str, str]) -> GitHubContext:
    """Build the context from an environment mapping; `""` counts as unset."""

    def get(name: str) -> str | None:
        return env.get(name) or None

    def path(name: str) -> Path | None:
        value = get(name)
        return Path(value) if value else None

    return GitHubContext(
        actions=env.get("GITHUB_ACTIONS") == "true",
        output_path=path("GITHUB_OUTPUT"),
        summary_path=path("GITHUB_STEP_SUMMARY"),
        workspace=path("GITHUB_WORKSPACE"),
        sha=get("GITHUB_SHA"),
        ref=get("GITHUB_REF"),
        head_ref=get("GITHUB_HEAD_REF"),
        base_ref=get("GITHUB_BASE_REF"),
        event_name=get("GITHUB_EVENT_NAME"),
        event_path=path("GITHUB_EVENT_PATH"),
        repository=get("GITHUB_REPOSITORY"),
        run_id=get("GITHUB_RUN_ID"),
        run_attempt=get("GITHUB_RUN_ATTEMPT"),
        server_url=(get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL).rstrip("/"),
        api_url=(get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/"),
        workflow=get("GITHUB_WORKFLOW"),
        job=get("GITHUB_JOB"),
        actor=get("GITHUB_ACTOR"),
    )
