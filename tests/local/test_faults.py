"""Fault injection: each configured fault happens exactly where the plan says."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import requests

from speech_action.errors import ConfigError
from speech_action.local.faults import FaultPlan, load_fault_plan
from speech_action.local.recognition import EchoRecognizer
from speech_action.local.server import ObservedExchange, start_local_service
from tests.local.helpers import Api

V = "2025-10-15"


def _statuses(api: Api, count: int) -> list[int | str]:
    out: list[int | str] = []
    for _ in range(count):
        try:
            out.append(api.call("GET", "projects").status_code)
        except requests.ConnectionError:
            out.append("drop")
    return out


def test_every_nth_gives_429_5xx_and_drops_in_order(tmp_path: Path) -> None:
    plan = FaultPlan(every_nth={2: "429", 3: "503", 5: "drop"}, retry_after_s=7)
    seen: list[ObservedExchange] = []
    with start_local_service(tmp_path, recognizer=EchoRecognizer(), faults=plan,
                             request_observer=seen.append) as service:
        api = Api(service.base_url, V)
        assert _statuses(api, 6) == [200, 429, 503, 429, "drop", 429]
        assert service.stats.faults == {"429": 3, "503": 1, "drop": 1}
        assert service.stats.requests["GET"] == 6
    throttled = [e for e in seen if e.status == 429]
    assert throttled[0].headers["Retry-After"] == "7"
    assert throttled[0].response["code"] == "TooManyRequests"
    assert [e.status for e in seen if e.status in (0, 503)] == [503, 0]


def test_first_requests_and_429_without_retry_after(tmp_path: Path) -> None:
    plan = FaultPlan(first=("429-no-retry-after", "ok", "500"), match="/projects")
    with start_local_service(tmp_path, recognizer=EchoRecognizer(), faults=plan) as service:
        api = Api(service.base_url, V)
        assert api.call("GET", "datasets").status_code == 200  # not matched, not counted
        bare = api.call("GET", "projects")
        assert bare.status_code == 429 and "Retry-After" not in bare.headers
        assert _statuses(api, 3) == [200, 500, 200]
        assert api.call("GET", "projects").json()["values"] == []


def test_slow_response_waits_before_answering(tmp_path: Path) -> None:
    plan = FaultPlan(every_nth={1: "slow"}, slow_response_s=0.2)
    with start_local_service(tmp_path, recognizer=EchoRecognizer(), faults=plan) as service:
        started = time.monotonic()
        assert Api(service.base_url, V).call("GET", "projects").status_code == 200
        assert time.monotonic() - started >= 0.2


def test_failed_job_carries_the_configured_error(tmp_path: Path) -> None:
    plan = FaultPlan(fail_jobs={"models": "training blew up (injected)"})
    with start_local_service(tmp_path, recognizer=EchoRecognizer(), faults=plan) as service:
        api = Api(service.base_url, V)
        model = api.wait(api.ok("POST", "models", json={"displayName": "m", "locale": "en-US"}))
    assert model["status"] == "Failed"
    assert model["properties"]["error"]["message"] == "training blew up (injected)"


def test_slow_jobs_stay_running_for_a_while(tmp_path: Path) -> None:
    plan = FaultPlan(slow_jobs_s={"endpoints": 0.3})
    with start_local_service(tmp_path, recognizer=EchoRecognizer(), faults=plan) as service:
        api = Api(service.base_url, V)
        endpoint = api.ok("POST", "endpoints", json={"displayName": "e", "locale": "en-US"})
        started = time.monotonic()
        api.wait(endpoint, until=("Running",))
        assert api.wait(endpoint)["status"] == "Succeeded"
        assert time.monotonic() - started >= 0.3


def test_fault_plan_loads_from_yaml_and_json(tmp_path: Path) -> None:
    yaml_file = tmp_path / "faults.yml"
    yaml_file.write_text("every_nth: {3: '429', 7: drop}\nretry_after_s: 2\n"
                         "fail_jobs: {models: boom}\njob_never_finishes: [endpoints]\n")
    plan = load_fault_plan(yaml_file)
    assert plan.every_nth == {3: "429", 7: "drop"} and plan.retry_after_s == 2
    assert plan.fail_jobs == {"models": "boom"}
    assert plan.job_never_finishes == frozenset({"endpoints"})
    assert [plan.action_for(n) for n in (1, 3, 7, 21)] == [None, "429", "drop", "429"]
    json_file = tmp_path / "faults.json"
    json_file.write_text(json.dumps({"first": ["503", "ok"]}))
    assert load_fault_plan(json_file).first == ("503", "ok")


@pytest.mark.parametrize("data, fragment", [
    ({"every_nth": {2: "418"}}, "unknown action"),
    ({"fail_jobs": {"widgets": "x"}}, "unknown job kind"),
    ({"everyth": {}}, "unknown key"),
    ({"every_nth": {0: "429"}}, ">= 1"),
])
def test_bad_fault_plans_are_refused(data: dict[str, object], fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        FaultPlan.from_mapping(data)
