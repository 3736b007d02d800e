"""Errors of keyless sign-in. Their texts name the setting to fix and never hold a token."""

from __future__ import annotations

from speech_action.errors import ConfigError, SpeechActionError


class SignInError(SpeechActionError):
    """Microsoft Entra ID (or GitHub's OIDC token service) refused or failed the sign-in."""


class IdTokenUnavailableError(ConfigError):
    """The job cannot ask GitHub for an OIDC token: the runner passed no request URL/token."""


# Microsoft Entra error codes (AADSTS) a federated sign-in from GitHub meets, with what to do
# (Learn, "Microsoft Entra authentication and authorization error codes"; "Configure an app to
# trust an external identity provider": issuer https://token.actions.githubusercontent.com,
# audience api://AzureADTokenExchange, subject e.g. repo:<owner>/<repo>:ref:refs/heads/main).
_ADVICE = (
    ("AADSTS700213", "no federated credential of the app matches this job's token subject: add "
     "one with issuer https://token.actions.githubusercontent.com, audience "
     "api://AzureADTokenExchange and the subject of this job (repo:<owner>/<repo>:ref:"
     "refs/heads/<branch>, repo:<owner>/<repo>:environment:<name> or "
     "repo:<owner>/<repo>:pull_request)"),
    ("AADSTS70021", "no federated credential of the app matches this job's token: check the "
     "federated credential's issuer, audience (api://AzureADTokenExchange) and subject"),
    ("AADSTS700016", "no app with this client id exists in the tenant: check azure-client-id "
     "and azure-tenant-id"),
    ("AADSTS90002", "the tenant was not found: check azure-tenant-id (and AZURE_AUTHORITY_HOST "
     "for a sovereign cloud)"),
    ("AADSTS700024", "the GitHub token is outside its validity period: check the runner's clock "
     "and re-run"),
)


def sign_in_advice(message: str) -> str:
    """What to do about an Entra ID refusal, from the AADSTS code its message carries."""
    for code, advice in _ADVICE:
        if code in message:
            return advice
    return ("check azure-client-id, azure-tenant-id and the app's federated credential for "
            "this repository (issuer https://token.actions.githubusercontent.com, audience "
            "api://AzureADTokenExchange)")
