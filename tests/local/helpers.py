"""Helpers for the local service tests: tiny real WAVs and zips, and a small HTTP client."""

from __future__ import annotations

import base64
import io
import time
import wave
import zipfile
from typing import Any

import requests

FAST_POLL_S = 0.005  # the jobs run in a background thread; poll it tightly, never sleep long
WAIT_LIMIT_S = 10.0


def wav_bytes(seconds: float = 0.5, rate: int = 16000) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x01\x00" * int(seconds * rate))
    return buffer.getvalue()


def acoustic_zip(transcripts: dict[str, str], seconds: float = 0.5) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in transcripts:
            archive.writestr(name, wav_bytes(seconds))
        lines = "".join(f"{name}\t{text}\n" for name, text in transcripts.items())
        archive.writestr("trans.txt", lines.encode("utf-8"))
    return buffer.getvalue()


TEST_SET = {
    "a.wav": "We flew to Sharjah last week",  # 6 words, 1 capitalized after the first
    "b.wav": "the meeting is in Dubai and Sharjah",  # 7 words, 2 capitalized
    "c.wav": "nothing special here",  # 3 words, none
}


class Api:
    """Plain `requests` against one api-version of the local service."""

    def __init__(self, base_url: str, version: str, key: str = "any-key") -> None:
        self.base_url = base_url
        self.version = version
        self.session = requests.Session()
        self.session.headers["Ocp-Apim-Subscription-Key"] = key

    def url(self, path: str) -> str:
        if self.version == "v3.2":
            return f"{self.base_url}/speechtotext/v3.2/{path}"
        return f"{self.base_url}/speechtotext/{path}"

    def params(self, **extra: Any) -> dict[str, Any]:
        return extra if self.version == "v3.2" else {**extra, "api-version": self.version}

    def call(self, method: str, path: str, *, json: Any = None, data: bytes | None = None,
             **query: Any) -> requests.Response:
        headers = {"Content-Type": "application/octet-stream"} if data is not None else {}
        return self.session.request(method, self.url(path), params=self.params(**query),
                                    json=json, data=data, headers=headers, timeout=10)

    def ok(self, method: str, path: str, **kw: Any) -> Any:
        response = self.call(method, path, **kw)
        assert response.status_code < 300, (response.status_code, response.text)
        return response.json() if response.content else None

    def get_url(self, url: str) -> Any:
        response = self.session.get(url, timeout=10)
        assert response.status_code == 200, (url, response.status_code, response.text)
        return response.json()

    def wait(self, entity: dict[str, Any], *, until: tuple[str, ...] = ("Succeeded", "Failed")
             ) -> dict[str, Any]:
        deadline = time.monotonic() + WAIT_LIMIT_S
        while True:
            current: dict[str, Any] = self.get_url(entity["self"])
            if current["status"] in until:
                return current
            assert time.monotonic() < deadline, f"still {current['status']}: {entity['self']}"
            time.sleep(FAST_POLL_S)

    def ref(self, entity: dict[str, Any]) -> dict[str, str]:
        return {"self": entity["self"]}

    def base_model(self) -> dict[str, Any]:
        models = self.ok("GET", "models/base", filter="locale eq 'en-US'")["values"]
        return dict(models[-1])

    def upload_dataset(self, kind: str, payload: bytes, *, name: str = "data",
                       block_size: int = 1000, **fields: Any) -> dict[str, Any]:
        """Create without contentUrl, PUT the payload in blocks, commit."""
        body = {"displayName": name, "locale": "en-US", "kind": kind, **fields}
        dataset: dict[str, Any] = self.ok("POST", "datasets", json=body)
        dataset_id = dataset["self"].split("?")[0].rsplit("/", 1)[1]
        ids = []
        for number, start in enumerate(range(0, len(payload), block_size)):
            encoded = base64.b64encode(f"block-{number:06d}".encode()).decode()
            ids.append(encoded)
            self.ok("PUT", f"datasets/{dataset_id}/blocks", data=payload[start:start + block_size],
                    blockid=encoded)
        self.ok("POST", f"datasets/{dataset_id}/blocks:commit",
                json=[{"kind": "Latest", "id": block} for block in ids])
        return dataset
