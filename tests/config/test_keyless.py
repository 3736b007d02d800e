"""Keyless sign-in settings (issue #17): `azure-client-id` and `azure-tenant-id` (also from
`AZURE_CLIENT_ID` / `AZURE_TENANT_ID`, as azure-identity reads them) instead of a key, the
resource's custom subdomain, and `storage-account-url` instead of a connection string."""

from __future__ import annotations

from pathlib import Path

import pytest

from speech_action.config import Config, ConfigError, load_config
from speech_action.config.inputs import inputs_from_env

CLIENT = "11111111-2222-3333-4444-555555555555"
TENANT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
SUBDOMAIN = "https://contoso-speech.cognitiveservices.azure.com"


def load(tmp_path: Path, **inputs: str) -> Config:
    given = {"mode": "benchmark-test", **{k.replace("_", "-"): v for k, v in inputs.items()}}
    return load_config(given, workspace=tmp_path, read_text=lambda path: "")


def problems(tmp_path: Path, **inputs: str) -> list[ConfigError]:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, **inputs)
    return list(getattr(caught.value, "errors", [caught.value]))


def test_keyless_needs_no_key_and_takes_a_custom_subdomain(tmp_path: Path) -> None:
    config = load(tmp_path, azure_client_id=CLIENT, azure_tenant_id=TENANT,
                  speech_endpoint=SUBDOMAIN,
                  storage_account_url="https://contosorecords.blob.core.windows.net")
    assert config.keyless and config.speech_key is None
    assert config.storage_account_url == "https://contosorecords.blob.core.windows.net"


def test_a_region_cannot_take_entra_tokens(tmp_path: Path) -> None:
    # Learn, "Microsoft Entra authentication with the Speech SDK": a custom subdomain is
    # required; the regional host does not take Microsoft Entra tokens.
    for where in ({"speech_region": "eastus"},
                  {"speech_endpoint": "https://eastus.api.cognitive.microsoft.com"}):
        [error] = problems(tmp_path, azure_client_id=CLIENT, azure_tenant_id=TENANT, **where)
        assert error.input_name == "speech-endpoint"
        assert "custom subdomain" in str(error)


def test_a_key_with_keyless_sign_in_is_an_error(tmp_path: Path) -> None:
    [error] = problems(tmp_path, azure_client_id=CLIENT, azure_tenant_id=TENANT,
                       speech_endpoint=SUBDOMAIN, speech_key="k" * 32)
    assert error.input_name == "speech-key" and "give one" in str(error)
    assert "k" * 32 not in str(error)


def test_one_id_without_the_other_is_an_error(tmp_path: Path) -> None:
    errors = problems(tmp_path, azure_client_id=CLIENT, speech_endpoint=SUBDOMAIN,
                      speech_key="k" * 32)
    assert [e.input_name for e in errors] == ["azure-tenant-id"]


def test_a_storage_account_url_needs_keyless_sign_in(tmp_path: Path) -> None:
    errors = problems(tmp_path, speech_region="eastus", speech_key="k" * 32,
                      storage_account_url="https://a.blob.core.windows.net")
    assert [e.input_name for e in errors] == ["storage-account-url"]


@pytest.mark.parametrize("url", [
    "https://a.blob.core.windows.net?sv=2024&sig=SECRET",  # a SAS pasted into the URL
    "http://a.blob.core.windows.net",                       # not https
    "https://evil.example",                                 # not a Blob host
])
def test_storage_account_urls_that_are_refused(tmp_path: Path, url: str) -> None:
    errors = problems(tmp_path, azure_client_id=CLIENT, azure_tenant_id=TENANT,
                      speech_endpoint=SUBDOMAIN, storage_account_url=url)
    assert [e.input_name for e in errors] == ["storage-account-url"]
    assert "SECRET" not in str(errors[0])


def test_ids_are_guids(tmp_path: Path) -> None:
    errors = problems(tmp_path, azure_client_id="my-app", azure_tenant_id=TENANT,
                      speech_endpoint=SUBDOMAIN)
    assert "azure-client-id" in [e.input_name for e in errors]


def test_the_action_reads_the_ids_from_the_jobs_environment_too() -> None:
    # azure-identity's EnvironmentCredential names: AZURE_CLIENT_ID, AZURE_TENANT_ID.
    env = {"INPUT_MODE": "deploy", "AZURE_CLIENT_ID": CLIENT, "AZURE_TENANT_ID": TENANT}
    inputs = inputs_from_env(env)
    assert inputs["azure-client-id"] == CLIENT and inputs["azure-tenant-id"] == TENANT
    workflow_id = "99999999-2222-3333-4444-555555555555"
    given = inputs_from_env({**env, "INPUT_AZURE-CLIENT-ID": workflow_id})
    assert given["azure-client-id"].startswith("9999")  # the workflow's input wins
