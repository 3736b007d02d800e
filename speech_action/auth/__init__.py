"""Keyless sign-in: GitHub's OIDC token -> Microsoft Entra ID access token -> Speech.

    provider = speech_token_provider(tenant_id, client_id, environment,
                                     register_secret=workflow.register_secret)
    client = SpeechClient(endpoint, None, token_provider=provider)

Modules, one job each: `github_oidc` (the job's OIDC token), `credential` (azure-identity's
client-assertion credential, authority host, scope), `tokens` (valid, refreshed access
tokens), `keyless` (the one call that wires them), `storage` (the same sign-in for Azure Blob),
`errors`. Blob records and staging take the same sign-in:

    credential = storage_credential(provider, register_secret=workflow.register_secret)
    store = open_store(account_url=url, credential=credential, container=container)
"""

from speech_action.auth.credential import SPEECH_SCOPE, authority_host, entra_credential
from speech_action.auth.errors import IdTokenUnavailableError, SignInError
from speech_action.auth.github_oidc import ENTRA_AUDIENCE, GitHubIdToken
from speech_action.auth.keyless import speech_token_provider
from speech_action.auth.storage import STORAGE_SCOPE, StorageCredential, storage_credential
from speech_action.auth.tokens import BearerTokenProvider

__all__ = [
    "ENTRA_AUDIENCE", "SPEECH_SCOPE", "STORAGE_SCOPE", "BearerTokenProvider", "GitHubIdToken",
    "IdTokenUnavailableError", "SignInError", "StorageCredential", "authority_host",
    "entra_credential", "speech_token_provider", "storage_credential",
]
