"""Parts of the summary that name service entities: the deploy table and the entity list.

A person reading the summary cannot open the service's REST URLs (they need the key), and
the local engine's port is gone after the run. So entities are named by id, in code spans,
with a link to Speech Studio's Custom speech page (the address Microsoft Learn links to,
https://aka.ms/speechstudio/customspeech) when they live on an Azure resource. Learn
documents no address for a single model or evaluation, so none is made up here. The
`links` of the report keep the REST URLs for scripts (JSON report, outputs).
"""

from __future__ import annotations

from ipaddress import ip_address
from urllib.parse import unquote, urlsplit

from speech_action.report.escape import code_span, escape_markdown
from speech_action.report.figures import fixed
from speech_action.report.model import DeployedModel, EndpointChange, Report

__all__ = ["SPEECH_STUDIO_URL", "deploy_table", "entities", "entity_id", "is_local"]

SPEECH_STUDIO_URL = "https://aka.ms/speechstudio/customspeech"
NONE = "\u2014"
_HASH_CHARS = 12


def entity_id(url: str) -> str:
    """The last path segment of an entity's `self` URL (its id)."""
    return unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])


def is_local(url: str) -> bool:
    """A loopback or unnamed host: the local engine, whose port is gone after the run."""
    host = urlsplit(url).hostname or ""
    if host in ("", "localhost"):
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def entities(report: Report, *, compact: bool) -> str | None:
    """The service entities by id, and where a person can open them."""
    links = [*report.links.items(),
             *((f"{label} ({test_set.name})", url) for test_set in report.guard_sets
               for label, url in test_set.links.items())]
    items = [f"{escape_markdown(label)} {code_span(entity_id(url))}"
             for label, url in links if entity_id(url)]
    if not items:
        return None
    remote = any(not is_local(url) for _, url in links)
    where = (f"Open them in [Speech Studio]({SPEECH_STUDIO_URL}) \u203a Custom speech \u203a "
             "your project." if remote else
             "They live in the local engine's state folder (`.speech-local`).")
    if compact:
        return "**Service entities**: " + " \u00b7 ".join(items) + f". {where}"
    return "### Service entities\n\n" + "\n".join(f"- {item}" for item in items) + \
        f"\n\n{where}"


def deploy_table(deployment: EndpointChange) -> str:
    """The previous and the deployed model side by side, and the endpoint."""
    columns = [("Deployed", deployment.deployed)]
    if deployment.previous is not None:
        columns.insert(0, ("Previous benchmark", deployment.previous))
    rows = [
        ("Model", [_model(m) for _, m in columns]),
        ("WER", [NONE if m.wer_percent is None else f"{fixed(m.wer_percent)} %"
                 for _, m in columns]),
        ("Test data", [_hash(m.test_data_hash) for _, m in columns]),
        ("Trained", [_trained(m) for _, m in columns]),
    ]
    header = "| | " + " | ".join(title for title, _ in columns) + " |"
    rule = "|---|" + "---|" * len(columns)
    body = [f"| {label} | " + " | ".join(cells) + " |" for label, cells in rows]
    endpoint = (f"Endpoint: **{escape_markdown(deployment.endpoint_name)}** "
                f"{code_span(deployment.endpoint_id)}")
    return "\n".join(["### Models", "", header, rule, *body, "", endpoint])


def _model(model: DeployedModel) -> str:
    name = escape_markdown(model.name)
    return f"{name} {code_span(model.id)}" if model.id and model.id != model.name else name


def _hash(value: str) -> str:
    return code_span(value[:_HASH_CHARS]) if value else NONE


def _trained(model: DeployedModel) -> str:
    if model.trained_at is None:
        return "not by speech-action"
    by = f" by {code_span(model.trained_commit[:7])}" if model.trained_commit else ""
    return f"{model.trained_at:%Y-%m-%d %H:%M} UTC{by}"
