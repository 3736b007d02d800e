"""tests/reference/manifest.json pins every reference file the contract tests read, and
scripts/fetch-reference.py downloads exactly those bytes (verified over real loopback HTTP)."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from tests.support.openapi import REFERENCE_DIR, SPEC_FILES

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = Path(__file__).with_name("manifest.json")
SCRIPT = ROOT / "scripts" / "fetch-reference.py"
UPSTREAM_DIR = "specification/cognitiveservices/data-plane/Speech/SpeechToText/stable"


def _manifest() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(MANIFEST.read_text(encoding="utf-8"))
    return data


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _local_reference_files() -> set[str]:
    found = {name for name in SPEC_FILES.values() if (REFERENCE_DIR / name).is_file()}
    found |= {p.relative_to(REFERENCE_DIR).as_posix()
              for p in (REFERENCE_DIR / "examples").glob("*/*.json")}
    return found


def _needs_reference() -> None:
    if not (REFERENCE_DIR / "examples").is_dir():
        pytest.skip(f"no reference folder at {REFERENCE_DIR}")


# -- the manifest itself (runs everywhere) ----------------------------------------------------


def test_entries_are_well_formed() -> None:
    files = _manifest()["files"]
    assert len({f["path"] for f in files}) == len(files)
    for f in files:
        version, name = _version_and_name(f["path"])
        expected = f"{UPSTREAM_DIR}/{version}/" + ("speechtotext.json" if name is None
                                                   else f"examples/{name}")
        assert f["upstream"] == expected, f["path"]
        assert re.fullmatch(r"[0-9a-f]{64}", f["sha256"]), f["path"]
        assert f["commit"] is None or re.fullmatch(r"[0-9a-f]{40}", f["commit"]), f["path"]


def test_every_api_version_description_is_pinned() -> None:
    pinned = {f["path"]: f for f in _manifest()["files"]}
    for name in SPEC_FILES.values():
        assert pinned[name]["commit"], f"{name} must be downloadable"


def _version_and_name(path: str) -> tuple[str, str | None]:
    spec = re.fullmatch(r"speechtotext-(.+)\.json", path)
    if spec:
        return spec.group(1), None
    example = re.fullmatch(r"examples/([^/]+)/([^/]+\.json)", path)
    assert example, f"unexpected manifest path {path!r}"
    return example.group(1), example.group(2)


# -- the manifest against the local reference folder ------------------------------------------


def test_every_local_reference_file_is_listed() -> None:
    _needs_reference()
    files = _manifest()["files"]
    assert _local_reference_files() - {f["path"] for f in files} == set()
    # A folder filled by scripts/fetch-reference.py lacks only the unpinned files.
    pinned = {f["path"] for f in files if f["commit"]}
    assert pinned - _local_reference_files() == set()


def test_every_hash_matches_the_local_copy() -> None:
    _needs_reference()
    present = [f for f in _manifest()["files"] if (REFERENCE_DIR / f["path"]).is_file()]
    wrong = [f["path"] for f in present
             if _sha256((REFERENCE_DIR / f["path"]).read_bytes()) != f["sha256"]]
    assert wrong == []


# -- the download script over real HTTP on 127.0.0.1 ------------------------------------------

COMMIT = "0123456789abcdef0123456789abcdef01234567"
GOOD = b'{"swagger": "2.0"}\n'
ORIGINAL = b'{"parameters": {}, "responses": {"200": {}}}\n'
TAMPERED = b'{"parameters": {}, "responses": {"200": {"evil": 1}}}\n'


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep the test output clean of access-log lines


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    served = tmp_path / "served"
    upstream = served / COMMIT / UPSTREAM_DIR / "v9"
    (upstream / "examples").mkdir(parents=True)
    (upstream / "speechtotext.json").write_bytes(GOOD)
    (upstream / "examples" / "get_model.json").write_bytes(TAMPERED)
    handler = partial(_QuietHandler, directory=str(served))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", tmp_path
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def _entry(path: str, upstream: str, body: bytes, commit: str | None = COMMIT) -> dict[str, Any]:
    return {"path": path, "upstream": f"{UPSTREAM_DIR}/v9/{upstream}", "commit": commit,
            "sha256": _sha256(body)}


def _run(
    base_url: str, tmp: Path, entries: list[dict[str, Any]]
) -> subprocess.CompletedProcess[str]:
    manifest = tmp / "manifest.json"
    manifest.write_text(json.dumps({"files": entries}), encoding="utf-8")
    # Loopback only: no proxy may see (or answer for) the test server.
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    args = [sys.executable, str(SCRIPT), "--manifest", str(manifest), "--into",
            str(tmp / "into"), "--base-url", base_url]
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=60, check=False)


SPEC = ("speechtotext-v9.json", "speechtotext.json", GOOD)
EXAMPLE = ("examples/v9/get_model.json", "examples/get_model.json", ORIGINAL)


def test_downloads_and_verifies_a_good_file(server: tuple[str, Path]) -> None:
    base_url, tmp = server
    result = _run(base_url, tmp, [_entry(*SPEC)])
    assert result.returncode == 0, result.stderr
    assert (tmp / "into" / "speechtotext-v9.json").read_bytes() == GOOD
    assert "1 downloaded, 0 already present" in result.stdout
    again = _run(base_url, tmp, [_entry(*SPEC)])
    assert again.returncode == 0
    assert "0 downloaded, 1 already present" in again.stdout


def test_a_tampered_file_fails_and_is_not_written(server: tuple[str, Path]) -> None:
    base_url, tmp = server
    result = _run(base_url, tmp, [_entry(*SPEC), _entry(*EXAMPLE)])
    assert result.returncode == 1
    assert "examples/v9/get_model.json: sha256 mismatch" in result.stderr
    assert f"expected {_sha256(ORIGINAL)}, got {_sha256(TAMPERED)}" in result.stderr
    assert not (tmp / "into" / "examples" / "v9" / "get_model.json").exists()
    assert (tmp / "into" / "speechtotext-v9.json").read_bytes() == GOOD


def test_a_file_with_the_wrong_hash_locally_is_replaced(server: tuple[str, Path]) -> None:
    base_url, tmp = server
    (tmp / "into").mkdir()
    (tmp / "into" / "speechtotext-v9.json").write_bytes(b"stale")
    result = _run(base_url, tmp, [_entry(*SPEC)])
    assert result.returncode == 0, result.stderr
    assert (tmp / "into" / "speechtotext-v9.json").read_bytes() == GOOD


def test_an_http_error_fails_naming_the_url(server: tuple[str, Path]) -> None:
    base_url, tmp = server
    result = _run(base_url, tmp, [_entry("examples/v9/gone.json", "examples/gone.json", GOOD)])
    assert result.returncode == 1
    assert f"{base_url}/{COMMIT}/{UPSTREAM_DIR}/v9/examples/gone.json: HTTP 404" in result.stderr


def test_an_unpinned_file_is_reported_not_fetched(server: tuple[str, Path]) -> None:
    base_url, tmp = server
    result = _run(base_url, tmp, [_entry(*SPEC), _entry(*EXAMPLE, commit=None)])
    assert result.returncode == 0, result.stderr
    assert "examples/v9/get_model.json: no pinned upstream commit" in result.stderr
    assert "1 downloaded, 0 already present, 1 unavailable, 0 failed" in result.stdout


def test_a_path_escaping_the_target_folder_is_refused(server: tuple[str, Path]) -> None:
    base_url, tmp = server
    result = _run(base_url, tmp, [_entry("../outside.json", "speechtotext.json", GOOD)])
    assert result.returncode == 2
    assert "unsafe path" in result.stderr
    assert not (tmp / "outside.json").exists()
