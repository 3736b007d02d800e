"""Records in Azure Blob Storage, end to end: the three modes with `storage-connection-string`
pointing at Azurite, and a dataset the local service fetches from a SAS `contentUrl`.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

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
    # The example's data is far below `upload.blob-from-mb` (100 MB): block upload, no staging.
    assert [e for e in speech_service.exchanges if "/blocks" in e.url]
    assert not list(container.list_blob_names(name_starts_with="uploads/"))
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


def test_datasets_over_the_threshold_go_through_blob(speech_service: RecordingService,
                                                     workspace: Path, tmp_path: Path,
                                                     azurite: Azurite) -> None:
    """`upload.blob-from-mb: 0`: every package is staged in the container, each dataset is
    created from a read-only SAS URL, and the staged blobs are gone once imported."""
    (workspace / "speech.yml").write_text("upload:\n  blob-from-mb: 0\n")
    name = f"e2e-{uuid.uuid4().hex[:16]}"
    container = _container(azurite, name)

    runs = [_run("benchmark-test", speech_service, workspace, tmp_path / "s1", azurite, name),
            _run("train-and-gate", speech_service, workspace, tmp_path / "s2", azurite, name)]

    assert runs[1].outputs["improved"] == "true"
    assert not [e for e in speech_service.exchanges if "/blocks" in e.url]
    created = [json.loads(e.body) for e in speech_service.creates("datasets")]
    assert len(created) == 3  # test audio; training audio and related text (pronunciation too)
    staged_prefix = f"{azurite.blob_endpoint.rstrip('/')}/{name}/uploads/"
    for body in created:
        assert body["contentUrl"].startswith(staged_prefix), body
        assert "sp=r&" in body["contentUrl"]  # read only
    assert list(container.list_blob_names(name_starts_with="uploads/")) == []
    signatures = [parse_qs(urlsplit(body["contentUrl"]).query)["sig"][0] for body in created]
    written = [p.read_text() for p in (workspace / ".speech-reports").glob("*.json")]
    written += [container.download_blob(n).readall().decode() for n in container.list_blob_names()]
    # benchmark-test staged the test data, train-and-gate the training datasets.
    for run, staged_by_run in ((runs[0], signatures[:1]), (runs[1], signatures[1:])):
        assert "uploads/" in run.stdout  # the log says where the package went
        masks = {line for line in run.stdout.splitlines() if line.startswith("::add-mask::")}
        # The runner is told to mask each signature itself too, wherever it might show up.
        assert {f"::add-mask::{signature}" for signature in staged_by_run} <= masks
        for signature in signatures:
            assert signature not in run.all_text
            assert quote(signature, safe="") not in run.all_text
    assert not [text for text in written for signature in signatures if signature in text]

    # A run cancelled while the service imported would have left its package behind.
    left_behind = urlsplit(created[1]["contentUrl"]).path.split(f"/{name}/", 1)[1]
    container.upload_blob(left_behind, b"left by a cancelled run")

    # An identical re-run reuses the datasets: nothing is staged or created again, and the
    # leftover package of a reused dataset is deleted.
    again = _run("train-and-gate", speech_service, workspace, tmp_path / "s3", azurite, name)
    assert again.outputs["improved"] == runs[1].outputs["improved"]
    assert len(speech_service.creates("datasets")) == 3
    assert f"deleted the staged package {left_behind}" in again.stdout
    assert "uploading" not in again.stdout
    assert list(container.list_blob_names(name_starts_with="uploads/")) == []
