"""Every difference between the supported Speech to text api-versions lives here, and
their list (`VERSIONS`), the one the settings are checked against.

2025-10-15 and 2024-11-15 are query-versioned (`/speechtotext/...?api-version=`); v3.2 is
path-versioned (`/speechtotext/v3.2/...`, retired by Microsoft in 2026, kept for resources
that still answer it). Only 2025-10-15 and v3.2 have Custom Speech projects.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from speech_action.errors import ConfigError

DEFAULT_API_VERSION = "2025-10-15"


@dataclass(frozen=True)
class ApiVersion:
    name: str
    base_path: str
    query_version: str | None  # value of `?api-version=`, None when the path carries it
    has_projects: bool
    # Field names: v3.2 reports a dataset's audio length as an ISO 8601 `duration` and a
    # model's `text`; later versions `durationMilliseconds`. The tolerant models in
    # models.py accept both, so no per-version mapping is needed for what the action reads.

    def url(self, endpoint: str, path: str, query: dict[str, str] | None = None) -> str:
        """Absolute URL of `path` (e.g. `/models/base`) on `endpoint` for this version."""
        params = dict(query or {})
        if self.query_version is not None:
            params["api-version"] = self.query_version
        url = endpoint.rstrip("/") + self.base_path + path
        return url + ("?" + urlencode(params) if params else "")

    def ensure_version(self, url: str) -> str:
        """A URL the service returned, with `api-version` added only when it is missing.

        Returned `self`/`links`/`@nextLink` URLs are followed as returned; some services
        omit the query parameter, which a query-versioned API would reject.
        """
        if self.query_version is None:
            return url
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        if any(name == "api-version" for name, _ in query):
            return url
        query.append(("api-version", self.query_version))
        return urlunsplit(parts._replace(query=urlencode(query)))

    def sub_url(self, entity_url: str, suffix: str, query: dict[str, str] | None = None) -> str:
        """`{self}/blocks:commit`-style URL: suffix added to the path, query kept."""
        parts = urlsplit(entity_url)
        params = parse_qsl(parts.query, keep_blank_values=True)
        params.extend((query or {}).items())
        url = urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix, query=""))
        url += "?" + urlencode(params) if params else ""
        return self.ensure_version(url)


VERSIONS: dict[str, ApiVersion] = {
    "2025-10-15": ApiVersion("2025-10-15", "/speechtotext", "2025-10-15", has_projects=True),
    "2024-11-15": ApiVersion("2024-11-15", "/speechtotext", "2024-11-15", has_projects=False),
    "v3.2": ApiVersion("v3.2", "/speechtotext/v3.2", None, has_projects=True),
}


def get_version(name: str) -> ApiVersion:
    """The ApiVersion of this name; ConfigError names the valid ones."""
    version = VERSIONS.get(name.strip())
    if version is None:
        raise ConfigError(
            f"api-version {name!r} is not supported; use one of {', '.join(VERSIONS)} "
            f"(default {DEFAULT_API_VERSION})"
        )
    return version
