#!/usr/bin/env python3
"""Download the official Speech to text API descriptions the contract tests read.

The contract tests (tests/support/openapi.py) read the OpenAPI files and `x-ms-examples` of
the public repository Azure/azure-rest-api-specs from `../shared/reference/` beside the repo.
That folder is not in this repository, so a fresh checkout (GitHub-hosted CI) fetches it
here: every file of tests/reference/manifest.json at its pinned upstream commit, checked
against the manifest's sha256 before it is written.

    python scripts/fetch-reference.py [--into DIR] [--manifest FILE] [--base-url URL]

Standard library only, so it runs before any dependency is installed. It needs the network;
scripts/test.sh never runs it (the tests skip when the folder is absent).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MANIFEST = REPO_ROOT / "tests" / "reference" / "manifest.json"
# Same default and override as tests/support/openapi.py, so tests read what this wrote.
ENV_DIR = "SPEECH_REFERENCE_DIR"
DEFAULT_INTO = REPO_ROOT.parent / "shared" / "reference"
# A raw file at a fixed commit: https://raw.githubusercontent.com/<owner>/<repo>/<sha>/<path>
DEFAULT_BASE_URL = "https://raw.githubusercontent.com/Azure/azure-rest-api-specs"
TIMEOUT_SECONDS = 60
MAX_BYTES = 4 * 1024 * 1024  # the largest description is about 220 KB


class FetchError(Exception):
    """One manifest file could not be fetched or did not match its pinned hash."""


@dataclass(frozen=True)
class Entry:
    path: str  # relative to the reference folder
    upstream: str  # path in the upstream repository
    commit: str | None  # None: no upstream commit with this exact content was found
    sha256: str


def load_manifest(path: Path) -> list[Entry]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    entries = [
        Entry(f["path"], f["upstream"], f.get("commit"), f["sha256"]) for f in data["files"]
    ]
    for entry in entries:
        # The manifest names where files go; never let it write outside the target folder.
        if Path(entry.path).is_absolute() or ".." in Path(entry.path).parts:
            raise FetchError(f"{path}: unsafe path {entry.path!r} in the manifest")
    return entries


def sha256_of(path: Path) -> str | None:
    if not path.is_file():
        return None
    return hashlib.sha256(path.read_bytes()).hexdigest()


def download(url: str) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "speech-action-fetch-reference"})
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            body: bytes = response.read(MAX_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise FetchError(f"{url}: HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise FetchError(f"{url}: {exc}") from exc
    if len(body) > MAX_BYTES:
        raise FetchError(f"{url}: larger than {MAX_BYTES} bytes")
    return body


def write_atomically(target: Path, body: bytes) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(body)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def fetch_one(entry: Entry, into: Path, base_url: str) -> None:
    """Download one file, verify it, then write it; a mismatching body is never written."""
    assert entry.commit is not None
    url = f"{base_url.rstrip('/')}/{entry.commit}/{entry.upstream}"
    body = download(url)
    got = hashlib.sha256(body).hexdigest()
    if got != entry.sha256:
        raise FetchError(
            f"{entry.path}: sha256 mismatch for {url}: expected {entry.sha256}, got {got}"
        )
    write_atomically(into / entry.path, body)


def run(entries: list[Entry], into: Path, base_url: str) -> int:
    fetched = present = 0
    unavailable: list[str] = []
    errors: list[str] = []
    for entry in entries:
        if sha256_of(into / entry.path) == entry.sha256:
            present += 1
        elif entry.commit is None:
            unavailable.append(entry.path)
        else:
            try:
                fetch_one(entry, into, base_url)
                fetched += 1
            except FetchError as exc:
                errors.append(str(exc))
    for message in errors:
        print(f"fetch-reference: error: {message}", file=sys.stderr)
    for path in unavailable:
        print(f"fetch-reference: warning: {path}: no pinned upstream commit; not fetched",
              file=sys.stderr)
    print(
        f"fetch-reference: {fetched} downloaded, {present} already present, "
        f"{len(unavailable)} unavailable, {len(errors)} failed, into {into}"
    )
    return 1 if errors else 0


def main(argv: list[str] | None = None, env: dict[str, str] | None = None) -> int:
    environ = os.environ if env is None else env
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--into", type=Path, default=None,
                        help=f"target folder (default: ${ENV_DIR}, else ../shared/reference)")
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST)
    parser.add_argument("--base-url", default=DEFAULT_BASE_URL,
                        help="raw-file server; <base-url>/<commit>/<upstream path> is fetched")
    args = parser.parse_args(argv)
    into = args.into or Path(environ.get(ENV_DIR) or DEFAULT_INTO)
    try:
        entries = load_manifest(args.manifest)
    except (OSError, ValueError, KeyError, FetchError) as exc:
        print(f"fetch-reference: error: cannot read manifest {args.manifest}: {exc}",
              file=sys.stderr)
        return 2
    return run(entries, into, args.base_url)


if __name__ == "__main__":
    sys.exit(main())
