from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from speech_action.local.recognition import EchoRecognizer
from speech_action.local.server import LocalService, start_local_service
from tests.local.helpers import Api


@pytest.fixture
def service(tmp_path: Path) -> Iterator[LocalService]:
    with start_local_service(tmp_path / "data", recognizer=EchoRecognizer()) as running:
        yield running


@pytest.fixture(params=["2025-10-15", "2024-11-15", "v3.2"])
def api(request: pytest.FixtureRequest, service: LocalService) -> Api:
    return Api(service.base_url, request.param)
