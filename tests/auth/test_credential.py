"""The authority host and the credential's inputs."""

from __future__ import annotations

import pytest

from speech_action.auth import authority_host, entra_credential
from speech_action.errors import ConfigError


@pytest.mark.parametrize(("environment", "given", "expected"), [
    ({}, None, "https://login.microsoftonline.com"),
    ({"AZURE_AUTHORITY_HOST": "login.microsoftonline.us"}, None,
     "https://login.microsoftonline.us"),
    ({"AZURE_AUTHORITY_HOST": "https://login.chinacloudapi.cn/"}, None,
     "https://login.chinacloudapi.cn"),
    ({"AZURE_AUTHORITY_HOST": "login.microsoftonline.us"}, "https://127.0.0.1:8443",
     "https://127.0.0.1:8443"),
    ({"AZURE_AUTHORITY_HOST": ""}, None, "https://login.microsoftonline.com"),
])
def test_the_authority_follows_the_argument_then_azure_authority_host(
        environment: dict[str, str], given: str | None, expected: str) -> None:
    assert authority_host(environment, given) == expected


def test_a_plain_http_authority_is_refused() -> None:
    with pytest.raises(ConfigError, match="https"):
        authority_host({"AZURE_AUTHORITY_HOST": "http://login.example.net"})


@pytest.mark.parametrize(("tenant", "client", "named"), [
    ("", "c", "azure-tenant-id"), ("t", " ", "azure-client-id")])
def test_empty_ids_are_config_errors(tenant: str, client: str, named: str) -> None:
    with pytest.raises(ConfigError, match=named) as caught:
        entra_credential(tenant, client, lambda: "x", authority="https://login.example.net")
    assert caught.value.input_name == named
