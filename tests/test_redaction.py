"""The redactor: registered secrets and credential patterns become `***`."""

from __future__ import annotations

import pytest

from speech_action.redaction import DEFAULT_REDACTOR, Redactor, redact, secret_forms

KEY = "3f2a9c1b7e4d4b8a9f0c1d2e3f4a5b6c"
ACCOUNT_KEY = "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4+/AB=="
CONNECTION = (
    "DefaultEndpointsProtocol=https;AccountName=speechrecords;"
    f"AccountKey={ACCOUNT_KEY};EndpointSuffix=core.windows.net"
)


def test_registered_key_is_replaced_everywhere() -> None:
    redactor = Redactor([KEY])
    text = f"Ocp-Apim-Subscription-Key: {KEY}\nretry with {KEY}"
    assert redactor.redact(text) == "Ocp-Apim-Subscription-Key: ***\nretry with ***"


def test_account_key_in_connection_string_by_pattern() -> None:
    redacted = Redactor().redact(f"cannot connect with {CONNECTION}")
    assert ACCOUNT_KEY not in redacted
    assert "AccountName=speechrecords;AccountKey=***;EndpointSuffix=core.windows.net" in redacted


def test_sas_signature_by_pattern() -> None:
    url = (
        "https://speechrecords.blob.core.windows.net/c/test.zip"
        "?sv=2022-11-02&se=2026-11-21T12%3A00%3A00Z&sr=b&sp=r&sig=AbC%2Bd%2FeF%3D"
    )
    redacted = Redactor().redact(f"contentUrl {url} was rejected")
    assert redacted.endswith("&sp=r&sig=*** was rejected")
    assert "AbC" not in redacted


def test_bare_sas_token_and_encoded_sig() -> None:
    redactor = Redactor()
    assert redactor.redact("sig=abc123&sv=1") == "sig=***&sv=1"
    assert redactor.redact("url%3Fsig%3Dabc%2B1") == "url%3Fsig%3D***"
    assert redactor.redact('{"config=1": "design=final"}') == '{"config=1": "design=final"}'


def test_shared_access_signature_in_connection_string() -> None:
    text = "BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature=sv=2022&sig=x"
    assert Redactor().redact(text) == (
        "BlobEndpoint=https://a.blob.core.windows.net/;SharedAccessSignature=***"
    )


def test_secret_inside_an_exception_message() -> None:
    redactor = Redactor()
    redactor.register(KEY)
    try:
        raise RuntimeError(f"401 from https://eastus.api/?subscription-key={KEY}")
    except RuntimeError as error:
        assert redactor.redact(str(error)) == "401 from https://eastus.api/?subscription-key=***"


def test_longer_secret_wins_over_one_it_contains() -> None:
    redactor = Redactor(["abcd", "abcdefgh"])
    assert redactor.redact("xx abcdefgh yy abcd") == "xx *** yy ***"


def test_multiline_secret_lines_and_url_encoding() -> None:
    forms = secret_forms("-----BEGIN-----\nline-of-key\n}\n")
    assert "line-of-key" in forms and "-----BEGIN-----" in forms
    assert "}" not in forms  # too short to redact on its own
    redactor = Redactor(["p@ss word/1"])
    assert redactor.redact("u=p%40ss%20word%2F1 v=p%40ss+word%2F1") == "u=*** v=***"


def test_repr_does_not_show_secrets() -> None:
    redactor = Redactor([KEY])
    assert KEY not in repr(redactor)


def test_register_returns_only_new_forms() -> None:
    redactor = Redactor()
    assert redactor.register(KEY) == [KEY]
    assert redactor.register(KEY) == []
    assert redactor.register("") == []


@pytest.fixture
def clean_default() -> object:
    before = set(DEFAULT_REDACTOR._secrets)
    yield None
    DEFAULT_REDACTOR._secrets = before
    DEFAULT_REDACTOR._ordered = sorted(before, key=len, reverse=True)


def test_module_level_redact_uses_default(clean_default: object) -> None:
    DEFAULT_REDACTOR.register("module-level-secret")
    assert redact("x module-level-secret y") == "x *** y"
