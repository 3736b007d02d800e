"""The keyless credential for Azure Blob: the same Entra ID sign-in as Speech, another scope.

azure-storage-blob's clients take any azure-core token credential and ask it for
`https://storage.azure.com/.default` (azure-storage-blob `_shared/constants.py`,
`STORAGE_OAUTH_SCOPE`); azure-identity caches a token per scope, so Speech and Blob share one
`ClientAssertionCredential` (and one GitHub OIDC token per sign-in) without sharing tokens.

The wrapper adds what the SDK does not: every access token is registered as a secret before
the SDK can send it, and an Entra ID refusal becomes a `SignInError` that says what to fix
instead of a storage error with an HTTP status that belongs to Entra ID.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from azure.core.credentials import (
    AccessToken,
    AccessTokenInfo,
    SupportsTokenInfo,
    TokenRequestOptions,
)

from speech_action.auth.tokens import BearerTokenProvider, fetch_token_info

STORAGE_SCOPE = "https://storage.azure.com/.default"


class StorageCredential:
    """An azure-core token credential (both `get_token` and `get_token_info`) for
    `BlobServiceClient(account_url, credential=...)`."""

    def __init__(self, credential: SupportsTokenInfo, *, register_secret: Callable[[str], object],
                 who: str = "the Entra ID app") -> None:
        self._credential = credential
        self._register = register_secret
        self._who = who

    def get_token_info(self, *scopes: str,
                       options: TokenRequestOptions | None = None) -> AccessTokenInfo:
        asked = scopes or (STORAGE_SCOPE,)
        # Options (a tenant or claims challenge of the storage policy) only when there are
        # some: the credential may be one that takes none.
        return fetch_token_info(
            lambda: (self._credential.get_token_info(*asked, options=options) if options
                     else self._credential.get_token_info(*asked)),
            scope=" ".join(asked), who=self._who, register_secret=self._register)

    def get_token(self, *scopes: str, claims: str | None = None, tenant_id: str | None = None,
                  enable_cae: bool = False, **kwargs: Any) -> AccessToken:
        # azure-core prefers `get_token_info` when a credential has it; this form is for callers
        # that only know the older protocol (azure-core `TokenCredential`).
        options: TokenRequestOptions = {"enable_cae": enable_cae}
        if claims:
            options["claims"] = claims
        if tenant_id:
            options["tenant_id"] = tenant_id
        info = self.get_token_info(*scopes, options=options)
        return AccessToken(info.token, info.expires_on)


def storage_credential(signed_in: BearerTokenProvider | SupportsTokenInfo, *,
                       register_secret: Callable[[str], object]) -> StorageCredential:
    """The credential for `open_store(account_url=..., credential=...)` and `open_staging`:
    the Speech provider's own sign-in (from `speech_token_provider`), or any azure-core
    credential with `get_token_info`."""
    if isinstance(signed_in, BearerTokenProvider):
        # The provider holds azure-identity's credential, which takes `options` too (its
        # `TokenCredential` protocol only names what the provider itself calls).
        return StorageCredential(cast(SupportsTokenInfo, signed_in.credential),
                                 register_secret=register_secret,
                                 who=signed_in.who)
    return StorageCredential(signed_in, register_secret=register_secret)
