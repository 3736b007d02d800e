"""BlobStore specifics on Azurite: container creation, content type, errors without secrets."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests
from azure.storage.blob import BlobServiceClient

from speech_action.errors import ConfigError, RecordsError
from speech_action.records import BlobStore, StorageSettingsError
from tests.records.records_data import benchmark, result
from tests.support.azurite import ACCOUNT_KEY, Azurite, free_port, make_sas_url

SECRET_SAS = "sv=2025-01-05&ss=b&srt=sco&sp=rwl&se=2030-01-01&sig=TOPSECRETSIGNATURE%3D"


def _container() -> str:
    return f"t-{uuid.uuid4().hex[:20]}"


def test_the_container_is_created_and_records_are_json(azurite: Azurite) -> None:
    container = _container()
    location = BlobStore(azurite.connection_string, container).write_result(result())
    assert location == (
        f"{azurite.blob_endpoint}/{container}/results/train-and-gate/a1b2c3d-101.json"
    )
    service = BlobServiceClient.from_connection_string(azurite.connection_string)
    blob = service.get_blob_client(container, "results/train-and-gate/a1b2c3d-101.json")
    assert blob.get_blob_properties().content_settings.content_type == "application/json"
    assert b'"schema_version": 1' in blob.download_blob().readall()


@pytest.mark.parametrize("connection_string", [
    "",
    "this is not a connection string",
    "AccountName=acct;EndpointSuffix=core.windows.net",
    "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=TOPSECRET!!notbase64",
    "AccountKey=VE9QU0VDUkVU;EndpointSuffix=core.windows.net",
    "https://acct.blob.core.windows.net/c?sv=1&sig=TOPSECRET",
])
def test_a_bad_connection_string_is_a_records_error_that_never_echoes_it(
    connection_string: str,
) -> None:
    with pytest.raises(StorageSettingsError) as caught:
        BlobStore(connection_string)
    # Records name no input (config does): not a ConfigError, no `input_name`.
    assert not isinstance(caught.value, ConfigError)
    assert not hasattr(caught.value, "input_name")
    message = str(caught.value)
    assert "not a usable Azure Storage connection string" in message
    assert "storage-connection-string" not in message
    assert "TOPSECRET" not in message and "acct" not in message and "VE9Q" not in message


def test_an_invalid_container_name_is_a_records_error(azurite: Azurite) -> None:
    with pytest.raises(StorageSettingsError, match="`Speech_Benchmarks` is not a valid blob "
                       "container name") as caught:
        BlobStore(azurite.connection_string, "Speech_Benchmarks")
    assert not isinstance(caught.value, ConfigError)


def _no_retry_factory(connection_string: str) -> BlobServiceClient:
    return BlobServiceClient.from_connection_string(
        connection_string, retry_total=0, connection_timeout=2
    )


def test_an_unreachable_account_gives_an_error_without_the_sas() -> None:
    endpoint = f"http://127.0.0.1:{free_port()}/devstoreaccount1"  # nothing listens there
    store = BlobStore(f"BlobEndpoint={endpoint};SharedAccessSignature={SECRET_SAS}",
                      client_factory=_no_retry_factory)
    assert "TOPSECRET" not in store.location
    with pytest.raises(RecordsError) as caught:
        store.read_benchmark()
    message = str(caught.value)
    assert message.startswith(f"{endpoint}/speech-benchmarks/benchmark.json: could not read")
    assert "TOPSECRET" not in message and "sig=" not in message
    assert caught.value.__cause__ is None  # the SDK's error quotes the SAS URL


def test_a_wrong_account_key_gives_an_http_error_without_the_key(azurite: Azurite) -> None:
    wrong_key = "V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXk="
    bad = azurite.connection_string.replace(ACCOUNT_KEY, wrong_key)
    store = BlobStore(bad, _container(), client_factory=_no_retry_factory)
    with pytest.raises(RecordsError, match=r"could not write the benchmark record \(HTTP 403"):
        store.write_result(result())
    with pytest.raises(RecordsError) as caught:
        store.write_result(result())
    assert wrong_key not in str(caught.value) and ACCOUNT_KEY not in str(caught.value)


def test_make_sas_url_gives_a_readable_content_url(azurite: Azurite) -> None:
    container = _container()
    BlobStore(azurite.connection_string, container).write_result(result())
    name = "results/train-and-gate/a1b2c3d-101.json"
    url = make_sas_url(azurite.connection_string, container, name,
                       datetime.now(UTC) + timedelta(hours=1))
    assert url.startswith(f"{azurite.blob_endpoint}/{container}/{name}?")
    answer = requests.get(url, timeout=10)
    assert answer.status_code == 200
    assert answer.json()["commit"] == "a1b2c3d"
    unsigned = requests.get(url.split("?")[0], timeout=10)
    assert unsigned.status_code in (403, 404)  # private container: the SAS is what grants


def test_each_record_is_one_put_and_the_benchmark_put_is_conditional(azurite: Azurite) -> None:
    sent: list[tuple[str, str, str | None, str | None]] = []

    def recording_factory(connection_string: str) -> BlobServiceClient:
        def hook(request: Any) -> None:
            http = request.http_request
            sent.append((http.method, http.url.split("?")[0].rsplit("/", 1)[-1],
                         http.headers.get("If-Match"), http.headers.get("If-None-Match")))

        return BlobServiceClient.from_connection_string(connection_string,
                                                        raw_request_hook=hook)

    container = _container()
    store = BlobStore(azurite.connection_string, container, client_factory=recording_factory)
    store.write_result(result())  # container missing: PUT fails, container PUT, PUT again
    assert [(m, name) for m, name, _, _ in sent] == [
        ("PUT", "a1b2c3d-101.json"), ("PUT", container), ("PUT", "a1b2c3d-101.json")]
    sent.clear()
    store.write_result(result(run_id="102"))
    assert [(m, name) for m, name, _, _ in sent] == [("PUT", "a1b2c3d-102.json")]
    sent.clear()
    absent = store.read_benchmark()
    store.write_benchmark(benchmark(), expected=absent)  # create-only PUT, history PUT
    puts = [entry for entry in sent if entry[0] == "PUT"]
    assert puts[0] == ("PUT", "benchmark.json", None, "*")
    assert len(puts) == 2 and puts[1][1].endswith("-a1b2c3d-101.json")
    seen = store.read_benchmark()
    sent.clear()
    store.write_benchmark(benchmark(wer=7.0), expected=seen)
    benchmark_put = next(entry for entry in sent if entry[1] == "benchmark.json")
    assert seen.version is not None and seen.version.startswith('"')
    assert benchmark_put[2:] == (seen.version, None)  # If-Match: the snapshot's ETag
