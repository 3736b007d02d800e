"""Parsers of single setting values: text in, typed value out.

`config.inputs` gives each input its parser. Each parser raises `InvalidValue` with a
message that says what is wrong with the value and what to write instead; `config.load`
prefixes it with where the value came from. Secrets are never echoed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import SecretStr

from speech_action.client.transport import (
    BLOB_HOST_SUFFIXES,
    COGNITIVE_HOST_SUFFIXES,
    is_loopback_host,
    origin,
)
from speech_action.client.versions import VERSIONS
from speech_action.data.layout import in_git
from speech_action.errors import shown
from speech_action.records.blob import (
    StorageSettingsError,
    check_connection_string,
    check_container_name,
)
from speech_action.run_mode import Mode
from speech_action.scoring.gate import MinImprovement, parse_min_improvement

Parser = Callable[[str], object]


class InvalidValue(ValueError):
    """A value is invalid; the message says why and what to write instead."""


_TRUE, _FALSE = ("true", "True", "TRUE"), ("false", "False", "FALSE")
_NUMBER = re.compile(r"(?:\d+(?:\.\d*)?|\.\d+)")
_LOCALE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
_REGION = re.compile(r"[a-z][a-z0-9]*")


def boolean(raw: str) -> bool:
    if raw in _TRUE or raw in _FALSE:
        return raw in _TRUE
    raise InvalidValue(f"`{shown(raw)}` is not a boolean; use `true` or `false`")


def positive(raw: str) -> float:
    value = float(raw) if _NUMBER.fullmatch(raw) else math.nan
    if not value > 0:
        raise InvalidValue(f"`{shown(raw)}` is not a positive number; write e.g. `30`")
    return value


def mode(raw: str) -> Mode:
    try:
        return Mode(raw)
    except ValueError:
        valid = ", ".join(f"`{each.value}`" for each in Mode)
        raise InvalidValue(f"unknown mode `{shown(raw)}`; valid modes: {valid}") from None


def api_version(raw: str) -> str:
    if raw in VERSIONS:
        return raw
    valid = ", ".join(f"`{v}`" for v in VERSIONS)
    raise InvalidValue(f"unsupported API version `{shown(raw)}`; use one of {valid}")


def min_improvement(raw: str) -> MinImprovement:
    try:
        return parse_min_improvement(raw)
    except ValueError as exc:
        raise InvalidValue(str(exc)) from None


def region(raw: str) -> str:
    if not _REGION.fullmatch(raw.lower()):
        raise InvalidValue(
            f"`{shown(raw)}` is not a region name such as `eastus` or `westeurope`; "
            "for a full URL use `speech-endpoint`"
        )
    return raw.lower()


# Hosts of Azure Speech resources, whose endpoint `speech.yml` may name (a pull request can
# change the file, so it may point the key only at Microsoft's own hosts): regional endpoints
# and custom subdomains, in the public cloud and the sovereign clouds (Learn, "Speech service
# in sovereign clouds": Azure Government `*.api.cognitive.microsoft.us`, Azure operated by
# 21Vianet `*.api.cognitive.azure.cn`; custom subdomains `*.cognitiveservices.azure.us/.cn`).
def is_azure_speech_endpoint(raw: str) -> bool:
    """`local`, or an https URL on the default port of an Azure Speech host."""
    if raw.strip().lower() == "local":
        return True
    where = origin(raw.strip())
    if where is None or where[0] != "https" or where[2] != 443:
        return False
    host = where[1]
    return any(host.endswith(suffix) and len(host) > len(suffix)
               for suffix in COGNITIVE_HOST_SUFFIXES)


def endpoint(raw: str) -> str:
    if raw.lower() == "local":
        return "local"
    parts = urlsplit(raw)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        # Not echoed: a value that is no URL may be a key pasted into the wrong input.
        raise InvalidValue(
            "the value is neither `local` nor an https:// URL such as "
            "`https://my-resource.cognitiveservices.azure.com`"
        )
    if parts.username or parts.password or parts.query or parts.fragment:
        # The value is not echoed: what sits in a query or user info may be a credential.
        raise InvalidValue(
            "the URL must not carry user info, a query or a fragment; give only "
            "scheme, host and path, and the key in `speech-key`"
        )
    if parts.scheme == "http" and not is_loopback_host(parts.hostname):
        raise InvalidValue(
            f"`{shown(raw)}` uses http://, allowed only for 127.0.0.1/localhost; use https://"
        )
    return raw.rstrip("/")


_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


def guid(raw: str) -> str:
    """A Microsoft Entra directory (tenant) or application (client) id."""
    if not _GUID.fullmatch(raw):
        raise InvalidValue(f"`{shown(raw)}` is not an id such as "
                           "`00000000-0000-0000-0000-000000000000` (the Azure portal shows it "
                           "on the app registration or managed identity)")
    return raw.lower()


def storage_account_url(raw: str) -> str:
    """`https://<account>.blob.core.windows.net` (or a sovereign cloud's), or https on
    loopback (a storage emulator): bearer tokens go over https only (azure-core refuses
    them over http)."""
    parts = urlsplit(raw)
    host = (parts.hostname or "").lower()
    known = host.endswith(BLOB_HOST_SUFFIXES) or is_loopback_host(host)
    if parts.scheme != "https" or not known or parts.username or parts.password \
            or parts.query or parts.fragment:
        # Not echoed: a query may be a SAS token pasted into the wrong input.
        raise InvalidValue("the value is not a Blob account URL such as "
                           "`https://myaccount.blob.core.windows.net` (https, no query, no SAS)")
    return raw.rstrip("/")


def is_custom_subdomain(raw: str) -> bool:
    """The resource's own host (`https://<name>.cognitiveservices.azure.com`, or a sovereign
    cloud's), the only form that takes Microsoft Entra tokens (Learn, "Microsoft Entra
    authentication with the Speech SDK": a custom subdomain is required); `local` and
    loopback (tests, the embedded engine) count too."""
    if raw == "local":
        return True
    parts = urlsplit(raw)
    host = (parts.hostname or "").lower()
    if is_loopback_host(host):
        return True
    return parts.scheme == "https" and any(
        host.endswith(suffix) for suffix in COGNITIVE_HOST_SUFFIXES
        if suffix.startswith(".cognitiveservices."))


def locale(raw: str) -> str:
    if not _LOCALE.fullmatch(raw):
        raise InvalidValue(f"`{shown(raw)}` is not a locale such as `en-US`")
    return raw


def container(raw: str) -> str:
    """A blob container name, by the records store's rule (one rule, named input here)."""
    try:
        check_container_name(raw)
    except StorageSettingsError as error:
        raise InvalidValue(str(error)) from None
    return raw


def reference(raw: str) -> str:
    """An entity id or URL (the client resolves it); only obvious mistakes are caught."""
    if any(ch.isspace() for ch in raw):
        raise InvalidValue(f"`{shown(raw)}` contains spaces; give an id or a URL")
    if "://" in raw and urlsplit(raw).scheme not in ("https", "http"):
        raise InvalidValue(f"`{shown(raw)}` is not an https:// URL")
    return raw


def text(raw: str) -> str:
    return raw


def secret(raw: str) -> SecretStr:
    return SecretStr(raw)


def connection_string(raw: str) -> SecretStr:
    """An Azure Storage connection string, by the records store's rules; never echoed."""
    try:
        check_connection_string(raw)
    except StorageSettingsError as error:
        raise InvalidValue(
            f"{error}; or leave it unset to keep the records in `records-dir`"
        ) from None
    return SecretStr(raw)


def inside_workspace(workspace: Path) -> Callable[[str], Path]:
    def parse(raw: str) -> Path:
        path = (workspace / raw).resolve()
        if in_git(workspace, path):
            raise InvalidValue(f"`{shown(raw)}` is inside `.git`, which the action never "
                               "reads or writes; give another folder of the workspace")
        if not path.is_relative_to(workspace):
            raise InvalidValue(f"`{shown(raw)}` resolves outside the workspace; "
                               "give a path inside it")
        return path

    return parse
