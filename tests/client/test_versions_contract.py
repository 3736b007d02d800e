"""Every operation the product uses, on every api-version: requests match that version's spec."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from speech_action.client import (
    DatasetDefinition,
    EndpointDefinition,
    ModelDefinition,
    get_version,
    ref,
)
from speech_action.errors import ConfigError
from tests.client.conftest import Harness

ID = "0a1b2c3d-0000-4000-8000-000000000001"


def _entity(h: Harness, collection: str, **extra: Any) -> dict[str, Any]:
    return {"self": h.url(f"/{collection}/{ID}"), "displayName": "x", "locale": "en-US",
            "status": "NotStarted", **extra}


@pytest.mark.parametrize("version", ["2025-10-15", "2024-11-15", "v3.2"])
def test_product_operations_follow_each_versions_contract(
    harness: Harness, version: str, tmp_path: Path
) -> None:
    client = harness.client(version)
    for collection in ("datasets", "models", "evaluations", "endpoints", "projects"):
        harness.adapter.register_uri("POST", harness.url(f"/{collection}"), status_code=201,
                                     json=_entity(harness, collection, kind="Language"))
        harness.adapter.register_uri("GET", harness.url(f"/{collection}"), json={"values": []})
        harness.adapter.register_uri("GET", harness.url(f"/{collection}/{ID}"),
                                     json=_entity(harness, collection))
    harness.adapter.register_uri("GET", harness.url("/models/base"), json={"values": []})
    harness.adapter.register_uri("PUT", harness.url(f"/datasets/{ID}/blocks"), status_code=201)
    harness.adapter.register_uri("POST", harness.url(f"/datasets/{ID}/blocks:commit"))
    harness.adapter.register_uri("PATCH", harness.url(f"/endpoints/{ID}"),
                                 json=_entity(harness, "endpoints"))
    harness.adapter.register_uri("GET", harness.url(f"/evaluations/{ID}/files"),
                                 json={"values": []})
    harness.adapter.register_uri("GET", harness.url(f"/datasets/{ID}/files"),
                                 json={"values": []})

    project = client.find_or_create_project("proj", "en-US")
    assert (project is not None) == get_version(version).has_projects
    link = ref(project.self_url) if project else None
    (tmp_path / "plain.txt").write_bytes(b"\xef\xbb\xbfhello world\n")
    text = DatasetDefinition(display_name="abc1234 train-data", locale="en-US",
                             kind="Language", project=link,
                             custom_properties={"commit": "abc1234"})
    dataset = client.create_dataset_from_file(text, tmp_path / "plain.txt")
    client.create_dataset(text.model_copy(update={"content_url": "https://s/b/x.txt?sig=q"}))
    assert client.dataset_report(dataset) is None
    model = client.create_model(ModelDefinition(
        display_name="m", locale="en-US", base_model=ref(harness.url(f"/models/base/{ID}")),
        datasets=[ref(dataset.self_url)], project=link))
    evaluation = client.create_evaluation("e", model.self_url, model.self_url, dataset.self_url,
                                          "en-US", project.self_url if project else None)
    assert list(client.list_evaluation_files(evaluation)) == []
    endpoint = client.create_endpoint(EndpointDefinition(
        display_name="ep", locale="en-US", model=ref(model.self_url), project=link,
        properties={"loggingEnabled": False}))
    client.update_endpoint_model(endpoint.id, model.self_url)
    assert list(client.list_base_models("en-US")) == []
    assert client.endpoints_named("ep") == []
    bodies = [json.loads(r.body) for r in harness.sent("POST") if r.body and b"{" in r.body[:1]]
    assert all(("project" in b) == get_version(version).has_projects for b in bodies
               if "displayName" in b and b["displayName"] != "proj")


def test_unknown_version_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="2025-10-15"):
        get_version("2023-01-01")
