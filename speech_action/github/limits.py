"""The sizes GitHub accepts, in one place (a leaf: `report` budgets its Markdown with them)."""

from __future__ import annotations

__all__ = ["COMMENT_MAX_CHARS", "STEP_SUMMARY_MAX_BYTES"]

STEP_SUMMARY_MAX_BYTES = 1024 * 1024
"""The runner refuses a step summary (`$GITHUB_STEP_SUMMARY`) larger than 1 MiB."""

COMMENT_MAX_CHARS = 65_536
"""The REST API refuses an issue or pull-request comment body longer than this."""
