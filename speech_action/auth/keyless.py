"""One call that builds the keyless token provider the Speech client takes."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import requests

from speech_action.auth.credential import SPEECH_SCOPE, authority_host, entra_credential
from speech_action.auth.github_oidc import GitHubIdToken
from speech_action.auth.tokens import BearerTokenProvider


def speech_token_provider(tenant_id: str, client_id: str, environment: Mapping[str, str], *,
                          register_secret: Callable[[str], object],
                          authority: str | None = None, scope: str = SPEECH_SCOPE,
                          ca_bundle: str | None = None,
                          session: requests.Session | None = None,
                          min_validity_s: float = 10.0) -> BearerTokenProvider:
    """Speech access tokens for the app `client_id` of `tenant_id`, signed in with this job's
    GitHub OIDC token.

    `environment` holds the runner's variables (`ACTIONS_ID_TOKEN_REQUEST_URL`,
    `ACTIONS_ID_TOKEN_REQUEST_TOKEN`, `AZURE_AUTHORITY_HOST`); nothing here reads
    `os.environ`. `authority` overrides `AZURE_AUTHORITY_HOST`. `register_secret` (e.g.
    `Workflow.register_secret`) learns every token before anything could print it.
    `ca_bundle` makes the Entra ID requests trust that CA bundle (tests, private CAs);
    `session` is the one the GitHub token is fetched with.

    Raises `IdTokenUnavailableError` (a ConfigError) at once when the job has no
    `id-token: write` permission; sign-in itself happens on the first call.
    """
    id_token = GitHubIdToken(environment, register_secret=register_secret, session=session)
    transport = {"connection_verify": ca_bundle} if ca_bundle else {}
    credential = entra_credential(tenant_id, client_id, id_token,
                                  authority=authority_host(environment, authority), **transport)
    return BearerTokenProvider(credential, register_secret=register_secret, scope=scope,
                               who=f"client {client_id.strip()} of tenant {tenant_id.strip()}",
                               min_validity_s=min_validity_s)
