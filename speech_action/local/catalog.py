"""The base models the local service offers: the recognizer's stock US English model.

By default two entries, like a real region: an older model past its adaptation date (so
`latest` logic has something to skip) and the current one. Tests can offer other base
models (`start_local_service(base_models=...)`): ones that adapt with only some dataset
kinds or cannot be deployed, as newer real base models do (example `get_base_model.json`
lists `supportsAdaptationsWith: ["Language", "Acoustic"]`). Dates are derived from the
clock so an adaptable model never expires under a long-lived data dir.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["ALL_KINDS", "BASE_COLLECTION", "DEFAULT_BASE_MODELS", "BaseModelSpec", "Catalog"]

BASE_COLLECTION = "models/base"
_NAMESPACE = uuid.UUID("6f1c2b9e-4a57-4e0e-9d8a-3b1f5c7e2a10")
# Every kind the local engine trains from (`content.DATA_FILE`); OutputFormatting is not
# offered because the local engine has no display formatting to customize.
ALL_KINDS = ("Language", "Acoustic", "Pronunciation", "AudioFiles", "LanguageMarkdown")


@dataclass(frozen=True)
class BaseModelSpec:
    """One base model of the catalog.

    `tag` makes the id (uuid5 of "<locale>/<tag>", stable across restarts); `adaptable`
    False puts `adaptationDateTime` in the past, so the model can no longer be trained;
    `supports_adaptations_with` is `BaseModelFeatures.supportsAdaptationsWith` and
    `supports_endpoints` is `SharedModelFeatures.supportsEndpoints`.
    """

    tag: str
    display_name: str
    created_year: int
    adaptable: bool = True
    supports_adaptations_with: tuple[str, ...] = ALL_KINDS
    supports_endpoints: bool = True
    locale: str = "en-US"

    @property
    def id(self) -> str:
        return str(uuid.uuid5(_NAMESPACE, f"{self.locale}/{self.tag}"))


DEFAULT_BASE_MODELS = (
    BaseModelSpec("2023", "en-US stock model 2023 (pocketsphinx)", 2023, adaptable=False),
    BaseModelSpec("2025", "en-US stock model 2025 (pocketsphinx)", 2025),
)


def _stamp(year: int, month: int = 1, day: int = 15) -> str:
    return f"{year:04d}-{month:02d}-{day:02d}T00:00:00Z"


def _entity(spec: BaseModelSpec, now: datetime) -> dict[str, Any]:
    if spec.adaptable:
        adaptation, transcription = _stamp(now.year + 1), _stamp(now.year + 2)
    else:
        adaptation = _stamp(min(spec.created_year + 1, now.year - 1))
        transcription = _stamp(now.year + 1)
    created = _stamp(spec.created_year)
    return {
        "collection": BASE_COLLECTION,
        "id": spec.id,
        "displayName": spec.display_name,
        "description": "The bundled US English acoustic and language model.",
        "locale": spec.locale,
        "createdDateTime": created,
        "lastActionDateTime": created,
        "status": "Succeeded",
        "adaptationDateTime": adaptation,
        "transcriptionDateTime": transcription,
        "supportsAdaptationsWith": list(spec.supports_adaptations_with),
        "supportsEndpoints": spec.supports_endpoints,
    }


class Catalog:
    """The base models of one running service, as stored-entity dicts."""

    def __init__(self, specs: Sequence[BaseModelSpec] = DEFAULT_BASE_MODELS) -> None:
        ids = [spec.id for spec in specs]
        if len(set(ids)) != len(ids):
            raise ValueError("base model tags must be unique per locale")
        self.specs = tuple(specs)

    def models(self, now: datetime) -> list[dict[str, Any]]:
        """Base models for the given current time, in catalog order (oldest first)."""
        return [_entity(spec, now) for spec in self.specs]

    def get(self, model_id: str, now: datetime) -> dict[str, Any] | None:
        return next((m for m in self.models(now) if m["id"] == model_id), None)
