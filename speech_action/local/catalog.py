"""The base models the local service offers: the recognizer's stock US English model.

Two entries, like a real region: an older model past its adaptation date (so `latest`
logic has something to skip) and the current one. Dates are derived from the clock so
the current model never expires under a long-lived data dir.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

__all__ = ["BASE_COLLECTION", "base_model", "base_models"]

BASE_COLLECTION = "models/base"
_NAMESPACE = uuid.UUID("6f1c2b9e-4a57-4e0e-9d8a-3b1f5c7e2a10")


def _stamp(year: int, month: int = 1, day: int = 15) -> str:
    return f"{year:04d}-{month:02d}-{day:02d}T00:00:00Z"


def base_models(now: datetime) -> list[dict[str, Any]]:
    """Base models as stored-entity dicts (oldest first), for the given current time."""
    entries = [
        ("2023", "en-US stock model 2023 (pocketsphinx)", _stamp(2023), _stamp(2024),
         _stamp(now.year + 1)),
        ("2025", "en-US stock model 2025 (pocketsphinx)", _stamp(2025), _stamp(now.year + 1),
         _stamp(now.year + 2)),
    ]
    return [
        {
            "collection": BASE_COLLECTION,
            "id": str(uuid.uuid5(_NAMESPACE, f"en-US/{tag}")),
            "displayName": name,
            "description": "The bundled US English acoustic and language model.",
            "locale": "en-US",
            "createdDateTime": created,
            "lastActionDateTime": created,
            "status": "Succeeded",
            "adaptationDateTime": adaptation,
            "transcriptionDateTime": transcription,
        }
        for tag, name, created, adaptation, transcription in entries
    ]


def base_model(model_id: str, now: datetime) -> dict[str, Any] | None:
    return next((m for m in base_models(now) if m["id"] == model_id), None)
