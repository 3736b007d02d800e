"""The Microsoft Entra ID credential: GitHub's OIDC token exchanged by azure-identity.

`ClientAssertionCredential` does the OAuth 2.0 client-credentials grant with a JWT client
assertion (Learn, "Microsoft identity platform application authentication certificate
credentials" / workload identity federation), caches access tokens in memory and refreshes
them ahead of expiry; we write no OAuth of our own. It posts straight to
`<authority>/<tenant>/oauth2/v2.0/token` (azure-identity's `AadClient`): no instance
discovery and no OpenID configuration request, so a custom authority needs no
`disable_instance_discovery` (that keyword belongs to the MSAL-based credentials).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from azure.identity import AzureAuthorityHosts, ClientAssertionCredential

from speech_action.errors import ConfigError

AUTHORITY_HOST_VARIABLE = "AZURE_AUTHORITY_HOST"
# The scope of Cognitive Services resources, Speech among them (Learn, "Microsoft Entra
# authentication with the Speech SDK": "scope https://cognitiveservices.azure.com/.default").
SPEECH_SCOPE = "https://cognitiveservices.azure.com/.default"


def authority_host(environment: Mapping[str, str], given: str | None = None) -> str:
    """The Entra ID authority: `given`, else `AZURE_AUTHORITY_HOST` (as azure-identity reads
    it, for sovereign clouds: `login.microsoftonline.us`, `login.chinacloudapi.cn`), else the
    public cloud. Only https: azure-identity refuses anything else, and so do we, earlier."""
    host = (given or environment.get(AUTHORITY_HOST_VARIABLE, "")).strip().rstrip("/")
    if not host:
        return f"https://{AzureAuthorityHosts.AZURE_PUBLIC_CLOUD}"
    if "://" not in host:
        host = f"https://{host}"
    if not host.lower().startswith("https://"):
        raise ConfigError(
            f"{AUTHORITY_HOST_VARIABLE} {host!r} is not an https URL: the Microsoft Entra ID "
            "authority must be https (e.g. https://login.microsoftonline.us); unset it for the "
            "public cloud")
    return host


def entra_credential(tenant_id: str, client_id: str, assertion: Callable[[], str], *,
                     authority: str, **transport: Any) -> ClientAssertionCredential:
    """azure-identity's client-assertion credential. `transport` goes to azure-core's
    `RequestsTransport` (e.g. `connection_verify=<CA bundle>` to trust a private CA); without
    it the system's trust store and `REQUESTS_CA_BUNDLE` apply, as requests does."""
    for name, value in (("azure-tenant-id", tenant_id), ("azure-client-id", client_id)):
        if not value.strip():
            raise ConfigError(f"{name} is empty: keyless sign-in needs both azure-tenant-id "
                              "and azure-client-id", input_name=name)
    return ClientAssertionCredential(tenant_id.strip(), client_id.strip(), assertion,
                                     authority=authority, **transport)
