"""One HTTP attempt and the parsing of error answers (no retry here: see retry/_core).

Where the key goes (PRODUCT.md, "Authentication and trust": credentials go only where the
workflow said). The same rules hold for a Microsoft Entra ID access token: a client built with
a token provider sends `Authorization: Bearer <token>` instead of the key header (Learn,
"Microsoft Entra authentication with the Speech SDK"; the REST API takes the same header),
and "the key" below means either credential:
- only to the configured endpoint's origin: the same scheme, host and port (`is_service_url`);
  a link to any other origin (SAS URLs of result files in Blob storage) is fetched without it;
- a Speech to text URL the service returns on another host form of a Cognitive Services
  resource (regional host versus custom subdomain, sovereign clouds too) is not sent there:
  it is rebuilt onto the configured endpoint (`Transport.route`, see `speech_url_path`);
- only over https, or plain http to a loopback host (the embedded local service);
- never along a redirect. `requests` strips `Authorization` when a redirect changes host,
  but it resends every other header, `Ocp-Apim-Subscription-Key` included. So a request
  carrying the key is sent with `allow_redirects=False`, and a 3xx answer is refused with
  `RedirectRefusedError` (the Speech to text REST API documents no redirects; where the docs
  are silent we fail safe). A request without the key (a file link on another origin) may
  follow redirects: nothing secret goes with it, and the key is never added on the way.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

import requests
from pydantic import ValidationError

from speech_action.client.errors import AuthenticationError, SpeechServiceError, redact_url
from speech_action.client.models import ErrorBody
from speech_action.errors import ConfigError
from speech_action.redaction import redact

KEY_HEADER = "Ocp-Apim-Subscription-Key"
BEARER_HEADER = "Authorization"
# Returns a valid access token each time it is called (speech_action.auth.BearerTokenProvider).
TokenProvider = Callable[[], str]
REQUEST_ID_HEADER = "apim-request-id"
_DROPPED = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)
_DEFAULT_PORTS = {"https": 443, "http": 80}
Origin = tuple[str, str, int]


# The host forms of a Cognitive Services resource's Speech to text REST API, one label before
# each suffix. Regional: `<region>.api.cognitive.microsoft.com`, and in the sovereign clouds
# `<region>.api.cognitive.microsoft.us` (Azure Government) and `<region>.api.cognitive.azure.cn`
# (operated by 21Vianet) (Learn, "Speech service in sovereign clouds", table "Speech service
# REST API": "Speech to text REST API | https://<REGION_IDENTIFIER>.api.cognitive.microsoft.us/
# <URL_PATH>"). Custom subdomain: `<name>.cognitiveservices.azure.com` (Learn, "Custom
# subdomain names for Azure AI services"), `.azure.us` / `.azure.cn` in the sovereign clouds
# (Learn, "Azure Private Endpoint private DNS zone values": public DNS zone forwarders of
# Microsoft.CognitiveServices/accounts; docs.azure.cn, "Use Speech service through a private
# endpoint": "https://{your custom name}.cognitiveservices.azure.cn").
COGNITIVE_HOST_SUFFIXES = (
    ".api.cognitive.microsoft.com", ".cognitiveservices.azure.com",
    ".api.cognitive.microsoft.us", ".cognitiveservices.azure.us",
    ".api.cognitive.azure.cn", ".cognitiveservices.azure.cn",
)
_DNS_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
# The API's base path: every version's `x-ms-parameterized-host.hostTemplate` is
# `{endpoint}/speechtotext` (v3.2: `{endpoint}/speechtotext/v3.2`). A segment may hold only
# RFC 3986 `pchar`s without percent-encoding: no `%2F`/`%2E` a server could decode into another
# path, no backslash, no empty segment; `.` and `..` segments are refused separately.
_SPEECH_PATH = re.compile(r"/speechtotext(?:/[A-Za-z0-9._~:@!$&'()*+,;=-]+)+/?")
BLOB_HOST_SUFFIXES = (".blob.core.windows.net", ".blob.core.usgovcloudapi.net",
                       ".blob.core.chinacloudapi.cn")


def is_cognitive_host(host: str) -> bool:
    """A regional or custom-subdomain host of Cognitive Services, in any documented cloud."""
    host = host.lower()
    return any(host.endswith(suffix) and _DNS_LABEL.fullmatch(host[:-len(suffix)]) is not None
               for suffix in COGNITIVE_HOST_SUFFIXES)


def speech_url_path(url: str) -> tuple[str, str] | None:
    """(path, query) of a Speech to text URL on a Cognitive Services host; None otherwise.

    Only https on the default port, no user info, a host of `COGNITIVE_HOST_SUFFIXES` and a
    path inside `/speechtotext/` that no server can resolve or decode to another path: a URL
    failing any test stays a foreign URL (fetched without the key, as before)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if (parts.scheme.lower() != "https" or port not in (None, 443) or "@" in parts.netloc
            or not is_cognitive_host(parts.hostname or "")):
        return None
    path = parts.path
    if not _SPEECH_PATH.fullmatch(path) or any(s in (".", "..") for s in path.split("/")):
        return None
    return path, parts.query


class ConnectionDropped(Exception):
    """Internal: the request got no complete answer (connect failure, reset, timeout)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(type(cause).__name__)
        self.cause = cause


class RedirectRefusedError(SpeechServiceError):
    """The service answered a request that carried the key with a redirect (3xx)."""


def is_loopback_host(host: str) -> bool:
    """`localhost`, 127.0.0.0/8 or ::1: the only hosts plain http may carry a key to."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def origin(url: str) -> Origin | None:
    """(scheme, host, port) with the scheme's default port filled in; None if not http(s)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # a bad `[...]` host or a port that is not a number: no origin we
        return None     # would send to (the URL may be a link a service gave)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


class Transport:
    """Sends one request; adds the key only for the Speech endpoint's own origin."""

    def __init__(self, session: requests.Session, key: str | None, endpoint: str,
                 timeout_s: float, token_provider: TokenProvider | None = None) -> None:
        if key and token_provider is not None:
            raise ConfigError("the Speech client takes a key or a token provider, not both: "
                              "set speech-key or the Entra ID sign-in, not both")
        self._session = session
        self._key = key
        self._token_provider = token_provider
        self._origin = origin(endpoint)
        self._timeout_s = timeout_s
        # Where returned Speech to text URLs of other host forms are rebuilt; None for a
        # loopback endpoint (the local engine returns its own loopback URLs; nothing to mend).
        self._base = None
        if self._origin and self._origin[0] == "https" and not is_loopback_host(self._origin[1]):
            parts = urlsplit(endpoint)
            self._base = (parts.scheme.lower(), parts.netloc, parts.path.rstrip("/"))
        credential = "Speech key" if key else "access token" if token_provider else None
        if credential and self._origin and self._origin[0] == "http" and not is_loopback_host(
                self._origin[1]):
            raise ConfigError(
                f"speech endpoint {redact_url(endpoint)} is plain http to a host that is not "
                f"loopback: the {credential} is sent over https only; use the resource's "
                "https:// URL (http is allowed only for 127.0.0.1, ::1 and localhost)")

    def route(self, url: str) -> str:
        """Where a request for `url` goes: `url` itself, or, for a Speech to text URL on
        another Cognitive Services host, the same path and query on the configured endpoint.

        The service may return `self`, `links` and `@nextLink` URLs on another host form of
        the same resource (Learn, "Custom subdomain names for Azure AI services": "Regional
        endpoints and custom subdomain names are both supported and can be used
        interchangeably"). Sent there without the key they fail with 401; the key goes
        nowhere but the configured origin, so the request goes there instead.

        Any Cognitive Services host is rebuilt, not only ours: a custom subdomain does not
        name its region, so "the same resource" cannot be told from the URL. That is safe: the
        key still reaches only the configured origin, and only under `/speechtotext/`, which
        a service answering there could name directly anyway; another resource's entity is
        simply not found (404) at ours.
        """
        if self._base is None or origin(url) == self._origin:
            return url
        found = speech_url_path(url)
        if found is None:
            return url
        scheme, netloc, prefix = self._base
        return urlunsplit((scheme, netloc, prefix + found[0], found[1], ""))

    def is_service_url(self, url: str) -> bool:
        """A request for the URL goes to the configured endpoint's origin (scheme, host and
        port), as given or rebuilt by `route`: the only requests that carry the key."""
        return self._origin is not None and origin(self.route(url)) == self._origin

    def _credential_headers(self, headers: dict[str, str]) -> bool:
        """Add the key or a (valid, fresh) access token to `headers`; whether one was added."""
        if self._key:
            headers[KEY_HEADER] = self._key
            return True
        if self._token_provider is not None:
            headers[BEARER_HEADER] = f"Bearer {self._token_provider()}"
            return True
        return False

    def send(self, method: str, url: str, *, json_body: Any = None, data: bytes | None = None,
             content_type: str | None = None) -> requests.Response:
        headers = {"Accept": "application/json"}
        url = self.route(url)
        # Links to other origins (SAS URLs of result files in blob storage) never see the key,
        # nor an access token: the provider is not even asked for one.
        key = self._credential_headers(headers) if self.is_service_url(url) else False
        body = data
        if json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
            content_type = "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        try:
            response = self._session.request(
                method, url, data=body, headers=headers, timeout=self._timeout_s,
                allow_redirects=not key,
            )
        except _DROPPED as exc:
            raise ConnectionDropped(exc) from exc
        except ValueError as exc:
            # requests works out a 3xx's next request even when it will not follow it, and
            # a malformed `Location` (a bracketed host) makes it raise ValueError.
            raise SpeechServiceError(
                f"{method} {redact_url(url)}: the service's answer could not be read as HTTP "
                f"({type(exc).__name__}); check speech-endpoint and re-run", status=0,
                url=url) from None
        except requests.TooManyRedirects:
            raise SpeechServiceError(
                f"{method} {redact_url(url)}: the file link redirects in a loop; re-run to get "
                "fresh links", status=0, url=url) from None
        if 300 <= response.status_code < 400:
            if key:
                raise _redirect_refused(method, url, response, bearer=self._key is None)
            raise SpeechServiceError(
                f"{method} {redact_url(url)} answered HTTP {response.status_code} without a "
                "redirect that could be followed; re-run to get fresh links",
                status=response.status_code, url=url)
        return response


def _shown(target: Origin) -> str:
    scheme, host, port = target
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" + ("" if _DEFAULT_PORTS[scheme] == port else f":{port}")


def _redirect_refused(method: str, url: str, response: requests.Response, *,
                      bearer: bool = False) -> RedirectRefusedError:
    """The error of a 3xx to a keyed request: status and the target's host, never the key,
    the target's path or query (a redirect may carry a token of its own)."""
    location = response.headers.get("Location", "")
    target = origin(urljoin(url, location)) if location else None
    where = _shown(target) if target else "an unusable Location"
    credential = "the access token" if bearer else "the Speech key"
    return RedirectRefusedError(
        f"{method} {redact_url(url)} answered HTTP {response.status_code}, a redirect to "
        f"{where}: refused, because {credential} is never sent along a redirect. Set "
        "`speech-endpoint` (`--speech-endpoint` on the command line) to the resource's own "
        "https:// endpoint; if the "
        "redirect comes from a proxy or a wrong URL, fix the endpoint.",
        status=response.status_code, url=url,
        request_id=response.headers.get(REQUEST_ID_HEADER))


def parse_error_body(response: requests.Response) -> tuple[str | None, str | None]:
    """(code, message) from either error shape; (None, text excerpt) for other bodies.
    An excerpt is redacted before it is cut: a cut first could keep most of an echoed key."""
    try:
        payload = response.json()
    except ValueError:
        return None, _excerpt(response, response.text.strip()) or None
    if not isinstance(payload, dict):
        return None, _excerpt(response, str(payload))
    try:
        code, message = ErrorBody.model_validate(payload).code_and_message()
    except ValidationError:
        return None, _excerpt(response, json.dumps(payload))
    # A service that echoes the request's credential must not put it into our error text.
    also = sent_credentials(response)
    return code, (redact(message, also=also) if message and also else message)


def _excerpt(response: requests.Response, text: str, limit: int = 300) -> str:
    """The first `limit` characters of `text` with the request's own key and every
    registered secret (in all their encoded forms) redacted first."""
    return redact(text, also=sent_credentials(response))[:limit]


def sent_credentials(response: requests.Response) -> list[str]:
    """The key or the access token the request carried (to redact from what came back)."""
    headers = response.request.headers if response.request else {}
    sent = [str(headers.get(KEY_HEADER) or ""), _bearer_token(response) or ""]
    return [value for value in sent if value]


def _bearer_token(response: requests.Response) -> str | None:
    """The access token of the request's `Authorization: Bearer` header, if it had one."""
    value = str(response.request.headers.get(BEARER_HEADER) or "") if response.request else ""
    scheme, _, token = value.partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def error_from_response(method: str, response: requests.Response, *,
                        service: bool = True) -> SpeechServiceError:
    """A typed, secret-free error naming the request, status, service code and request id.

    `service` is False for URLs on other hosts (result files in Blob storage): a 401/403
    there is about that link or that storage account, never the Speech key (`_refused`).
    """
    status = response.status_code
    code, message = parse_error_body(response)
    url = redact_url(response.request.url or response.url) if response.request else ""
    request_id = response.headers.get(REQUEST_ID_HEADER)
    where = f"{method} {url}"
    said = f"{code or 'no code'}: {message or response.reason or 'no message'}"
    trace = f" (apim-request-id {request_id})" if request_id else ""
    kwargs: dict[str, Any] = {"status": status, "code": code, "service_message": message,
                              "url": url, "request_id": request_id}
    if status in (401, 403):
        refused = f"{where} was refused with HTTP {status} ({said}){trace}"
        raw_url = (response.request.url if response.request else None) or response.url
        if service and _bearer_token(response):
            advice = _token_refused(status, raw_url)
            return AuthenticationError(f"{refused}. {advice}", **kwargs)
        if service:
            return AuthenticationError(f"{refused}. {_key_refused(status)}", **kwargs)
        return SpeechServiceError(f"{refused}. {_link_refused(raw_url)}", **kwargs)
    return SpeechServiceError(
        f"{where} failed with HTTP {status} ({said}){trace}. {_advice(status)}", **kwargs
    )


def _key_refused(status: int) -> str:
    """Advice for a 401/403 from the Speech endpoint itself, which did get the key."""
    if status == 401:
        return ("The Speech key was not accepted: it is wrong, or belongs to another resource "
                "or region. Check speech-key against speech-region / speech-endpoint (the key "
                "of the resource that endpoint names).")
    return ("The resource refused this request although it came with the key: the key may "
            "belong to another resource or region (check speech-key against speech-region / "
            "speech-endpoint), or the resource does not allow it (its networking rules, its "
            "pricing tier, or the role of the identity); the service message above says which.")


def _token_refused(status: int, url: str) -> str:
    """Advice for a 401/403 to a request that carried a Microsoft Entra ID access token.

    Learn, "Role-based access control for Speech resources": "Cognitive Services Speech
    Contributor" allows creating and editing Custom Speech datasets, models, evaluations and
    endpoints, without access to the keys; Entra ID tokens work only on a resource's custom
    subdomain ("Microsoft Entra authentication with the Speech SDK"); new role assignments
    can take a few minutes to apply (Learn, "Troubleshoot Azure RBAC").
    """
    try:
        host = urlsplit(url).hostname or "the Speech resource"
    except ValueError:
        host = "the Speech resource"
    if status == 401:
        return (f"The Microsoft Entra ID access token was not accepted by {host}: the endpoint "
                "must be the resource's custom subdomain (https://<name>.cognitiveservices."
                "azure.com; regional endpoints take keys only), the token must be for "
                "https://cognitiveservices.azure.com/.default and from the resource's tenant "
                "(check azure-tenant-id).")
    return ("The signed-in identity (azure-client-id) lacks a role on the Speech resource "
            f"{host}: assign it \"Cognitive Services Speech Contributor\" on that resource "
            "(Learn, \"Role-based access control for Speech resources\"; a new assignment can "
            "take a few minutes to apply), or check the resource's networking rules.")


def _link_refused(url: str) -> str:
    """Advice for a 401/403 from a link on another host, fetched without the key.

    A link without a SAS token is no expired SAS: the API description (2025-10-15,
    `sasLifetimeMinutes`) says "For speech resources with BYOS, returned urls do not contain
    an SAS token", and without one storage answers 401/403 to an anonymous read.
    """
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        signed = any(name == "sig" for name, _ in parse_qsl(parts.query))
    except ValueError:
        host, signed = "", False
    if is_cognitive_host(host):
        return ("The link is on another Cognitive Services host, and the Speech key goes only "
                "to the configured endpoint and, there, only to Speech to text paths; this "
                "link's scheme, port or path is not one. Report the link to the service owner.")
    blob = host.endswith(BLOB_HOST_SUFFIXES)
    if signed:
        return ("The link's SAS token has expired or is not valid, or the storage account's "
                "firewall does not admit this runner; re-run to get fresh links (the service "
                "signs them for 12 hours by default).")
    if blob:
        return ("The link carries no SAS token: a Speech resource with bring-your-own-storage "
                "(BYOS) returns result links without one, and its storage account refuses an "
                "anonymous read. This action reads result files only through the links the "
                "service returns; use a Speech resource without BYOS.")
    return ("The link is on another host and carries no SAS token; this action sends no "
            "credential there. Check what the service returned, or report the link.")


def _advice(status: int) -> str:
    if status == 404:
        return "Check that the id or URL names an existing entity of this Speech resource."
    if status in (400, 409, 415, 422):
        return "The service rejected the request; the message above says which field."
    if status == 429:
        return "The resource is throttled; retry later or lower the request rate."
    if status >= 500:
        return "The service failed; retry the run later."
    return "See the service message above."
