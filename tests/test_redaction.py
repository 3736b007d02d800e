"""The redactor: registered secrets and credential patterns become `***`."""

from __future__ import annotations

import base64
import re

import pytest

from speech_action.redaction import (
    DEFAULT_REDACTOR,
    MASK,
    Redactor,
    base64_forms,
    redact,
    secret_forms,
)

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
    first = redactor.register(KEY)
    assert first[0] == KEY and len(first) == len(set(first)) > 1
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


# ---------------------------------------------------------------- encoded forms
# Each form below is what a service, a serializer or our own report writers can make of a
# secret on its way out. The base64 alignments follow the Actions runner's secret masker
# (actions/runner, src/Runner.Sdk/Util/ValueEncoders.cs: base64 of the value shifted by
# one and two bytes), which masks a secret inside `base64("user:" + secret)`.

SAS = "sv=2024-11-04&ss=b&srt=sco&sp=rwdlac&se=2026-12-01T00:00:00Z&sig=Ab%2Bc/d=="
ODD_SECRET = 'k3y<with>&"quotes"/and*md_\\chars+more'


def _secret_everywhere(secret: str) -> list[str]:
    import html
    import json
    from urllib.parse import quote, quote_plus

    from speech_action.report.escape import escape_html, escape_markdown

    raw = secret.encode()
    return [
        f"plain {secret} text",
        f"url {quote(secret, safe='')} and {quote_plus(secret)} and {quote(secret)}",
        "lower-hex " + re.sub("%[0-9A-F]{2}", lambda m: m[0].lower(), quote(secret, safe="")),
        f'json {{"message": {json.dumps(secret)}}}',
        f"json slashes {json.dumps(secret).replace('/', chr(92) + '/')}",
        f"html <p>{html.escape(secret)}</p> {escape_html(secret)}",
        f"markdown {escape_markdown(secret)}",
        *(f"base64 {base64.b64encode(prefix + raw + suffix).decode()}"
          for prefix in (b"", b"u", b"us", b"user:")
          for suffix in (b"", b"@", b"@h", b"@host")),
        *(f"urlsafe {base64.urlsafe_b64encode(prefix + raw).decode()}"
          for prefix in (b"", b"u", b"us")),
    ]


@pytest.mark.parametrize("secret", [KEY, ACCOUNT_KEY, SAS, CONNECTION, ODD_SECRET])
def test_every_encoded_form_is_redacted(secret: str) -> None:
    redactor = Redactor([secret])
    for text in _secret_everywhere(secret):
        redacted = redactor.redact(text)
        assert MASK in redacted and secret not in redacted, text


@pytest.mark.parametrize("secret", [KEY, ACCOUNT_KEY, SAS, ODD_SECRET])
def test_no_long_run_of_a_base64_form_survives(secret: str) -> None:
    redactor = Redactor([secret])
    for prefix in (b"", b"u", b"us", b"use"):
        encoded = base64.b64encode(prefix + secret.encode() + b"tail").decode()
        redacted = redactor.redact(encoded)
        # At most the characters that mix the secret's edge bits with its neighbours stay.
        assert len(redacted) <= len(prefix) * 2 + 4 + 8 + len(MASK), (prefix, redacted)


def test_base64_forms_skip_only_the_mixed_characters() -> None:
    forms = base64_forms("abcdef")  # 6 bytes: "YWJjZGVm" at offset 0
    assert forms[0] == "YWJjZGVm"
    encodings = [encode(prefix + b"abcdef" + b"!").decode()
                 for prefix in (b"", b"x", b"xy") for encode in (base64.b64encode,
                                                               base64.urlsafe_b64encode)]
    assert all(any(form in text for text in encodings) for form in forms)


def test_short_secrets_add_no_short_encoded_forms() -> None:
    # The base64 of a 3-character value would be 4 characters: ordinary text.
    assert all(len(form) >= 8 for form in secret_forms("abc")[1:])
    assert secret_forms("abc")[0] == "abc"


def test_markdown_escaped_key_in_a_summary_is_redacted() -> None:
    from speech_action.report.escape import escape_markdown

    secret = "pa*ss_w|rd`42-long-enough"
    summary = f"### Warnings\n\n- service said: {escape_markdown('key ' + secret)}"
    assert "***" in Redactor([secret]).redact(summary)
    assert escape_markdown(secret) not in Redactor([secret]).redact(summary)


@pytest.mark.parametrize(
    "text",
    [
        "Ocp-Apim-Subscription-Key: 0123456789abcdef0123456789abcdef",
        '{"Ocp-Apim-Subscription-Key": "0123456789abcdef0123456789abcdef"}',
        '{\\"Ocp-Apim-Subscription-Key\\": \\"0123456789abcdef0123456789abcdef\\"}',
        "GET /x?subscription-key=0123456789abcdef0123456789abcdef&a=1",
    ],
)
def test_an_unregistered_echoed_subscription_key_by_pattern(text: str) -> None:
    assert "0123456789abcdef" not in Redactor().redact(text)


def test_redact_before_cut_leaves_nothing_of_the_secret() -> None:
    """A cut before redaction leaves a prefix no pass can recognise (31 of 32 characters):
    whoever cuts an error body must redact the whole body first, as here."""
    body = "x" * 263 + f"echo: {KEY} and more"
    redactor = Redactor([KEY])
    assert KEY[:31] in body[:300]  # what a cut-then-redact would keep
    assert KEY[:8] not in redactor.redact(body)[:300]


def test_redact_json_keeps_the_shape_and_json_escapes() -> None:
    secret = 'a"b\\c/d-long-enough-secret'
    redactor = Redactor([secret])
    data = {"k": [f"x {secret} y", {"inner": secret}], secret: 1, "n": 2.5}
    redacted = redactor.redact_json(data)
    assert redacted == {"k": ["x *** y", {"inner": "***"}], "***": 1, "n": 2.5}
    untouched = {"a": "b"}
    assert redactor.redact_json(untouched) is untouched


def test_redact_json_text_stays_valid_json_when_a_secret_holds_a_quote() -> None:
    import json

    secret = '", "evil": "'  # as raw text it spans JSON structure
    redactor = Redactor([secret])
    text = json.dumps({"a": "1", "evil": "2"}, indent=2) + "\n"
    redacted = redactor.redact_json_text(text)
    assert json.loads(redacted) == json.loads(text) or "***" in redacted
    json.loads(redacted)


def test_a_json_escaped_secret_inside_a_json_string_is_redacted() -> None:
    """A service's message quoting the key JSON-escaped (`{\"key\": \"...\"}`) is escaped
    once more in a record or report: the strings are redacted, not the serialized text."""
    import json

    secret = 'a"b\\c/d-long-enough-secret'
    message = 'said {"key": ' + json.dumps(secret) + "}"
    text = json.dumps({"message": message}, indent=2) + "\n"
    out = Redactor([secret]).redact_json_text(text)
    assert json.loads(out) == {"message": 'said {"key": "***"}'}
    assert out.endswith("}\n") and out.startswith("{\n  ")
    assert Redactor([secret]).redact_json_text("not json " + secret) == "not json ***"
