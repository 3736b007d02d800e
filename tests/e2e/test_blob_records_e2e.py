"""Records in Azure Blob Storage, end to end: the three modes with `storage-connection-string`
pointing at Azurite, and a dataset the local service fetches from a SAS `contentUrl`.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from azure.storage.blob import BlobServiceClient, ContainerClient

from speech_action.client import SpeechClient
from speech_action.client.models import DatasetDefinition
from speech_action.records.models import BENCHMARK_NAME
from tests.e2e.conftest import SPEECH_KEY, RecordingService
from tests.support.azurite import Azurite, make_sas_url
from tests.support.runner import ActionRun, run_action

RELATED_TEXT = "GoDrive rents cars in Sharjah.\nThe Al Noor Mosque is open to visitors.\n"


def _container(azurite: Azurite, name: str) -> ContainerClient:
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    return service.get_container_client(name)


def _run(mode: str, service: RecordingService, workspace: Path, step: Path,
         azurite: Azurite, container: str, **inputs: str) -> ActionRun:
    given = {"mode": mode, "speech-endpoint": service.url, "speech-key": SPEECH_KEY,
             "poll-seconds": "0.05", "storage-connection-string": azurite.connection_string,
             "storage-container": container, **inputs}
    run = run_action(given, workspace, step, timeout_s=300)
    assert run.returncode == 0, run.all_text
    assert "AccountKey=" not in run.all_text.replace("AccountKey=***", "")
    return run


def _blob_json(container: ContainerClient, name: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads(container.download_blob(name).readall())
    return loaded


def test_three_modes_keep_their_records_in_blob(speech_service: RecordingService,
                                                workspace: Path, tmp_path: Path,
                                                azurite: Azurite) -> None:
    name = f"e2e-{uuid.uuid4().hex[:16]}"  # a fresh container: the first write creates it
    container = _container(azurite, name)

    benchmark = _run("benchmark-test", speech_service, workspace, tmp_path / "s1", azurite, name)
    assert container.exists()
    stored = _blob_json(container, BENCHMARK_NAME)
    assert benchmark.outputs["model-id"] in json.dumps(stored)
    names = set(container.list_blob_names())
    assert any(n.startswith("results/") for n in names), names

    train = _run("train-and-gate", speech_service, workspace, tmp_path / "s2", azurite, name)
    assert train.outputs["improved"] == "true"
    assert train.outputs["benchmark-wer"] == benchmark.outputs["wer"]  # read back from Blob
    candidates = [n for n in container.list_blob_names(name_starts_with="candidates/")]
    assert len(candidates) == 1
    assert train.outputs["model-id"] in json.dumps(_blob_json(container, candidates[0]))

    # No `model` input: deploy finds the improved candidate in the container.
    deploy = _run("deploy", speech_service, workspace, tmp_path / "s3", azurite, name)
    assert deploy.outputs["model-id"] == train.outputs["model-id"]
    assert "/endpoints/" in deploy.outputs["endpoint"]
    assert train.outputs["model-id"] in json.dumps(_blob_json(container, BENCHMARK_NAME))
    results = [n for n in container.list_blob_names(name_starts_with="results/")]
    assert len(results) >= 3, results

    # A folder store would have put them here; with a connection string nothing is there.
    records_dir = workspace / ".speech-records"
    assert not records_dir.exists() or not any(records_dir.rglob("*"))
    for run in (benchmark, train, deploy):
        assert name in run.stdout  # "records in <endpoint>/<container>"
        assert azurite.connection_string not in run.all_text


def test_dataset_from_a_sas_content_url_succeeds(speech_service: RecordingService,
                                                 azurite: Azurite) -> None:
    name = f"e2e-{uuid.uuid4().hex[:16]}"
    container = _container(azurite, name)
    container.create_container()
    container.upload_blob("related.txt", RELATED_TEXT.encode("utf-8"))
    sas_url = make_sas_url(azurite.connection_string, name, "related.txt",
                           datetime.now(UTC) + timedelta(hours=1))
    assert "sig=" in sas_url

    client = SpeechClient(speech_service.url, SPEECH_KEY)
    created = client.create_dataset(DatasetDefinition(
        display_name="related text from blob", locale="en-US", kind="Language",
        content_url=sas_url,
    ))
    dataset = client.wait(created, timeout_s=60, poll_s=0.05)
    assert dataset.status == "Succeeded"
    # The service fetched the blob itself: nothing was uploaded through the block API.
    assert speech_service.uploaded_bytes() == 0
    assert not [e for e in speech_service.exchanges if "/blocks" in e.url]
