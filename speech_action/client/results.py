"""Batch transcription result files (the JSON behind a `Transcription` file's contentUrl),
and an evaluation's per-utterance texts read from them or from its score files.

Shape: `source`, durations, `combinedRecognizedPhrases[]` (one per channel: `lexical`,
`itn`, `maskedITN`, `display`) and `recognizedPhrases[]` (`nBest[]` alternatives).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from pydantic import Field, ValidationError

from speech_action.client.models import Resource
from speech_action.errors import ServiceError


class CombinedPhrase(Resource):
    channel: int | None = None
    lexical: str = ""
    itn: str = ""
    masked_itn: str = Field(default="", alias="maskedITN")
    display: str = ""


class NBest(Resource):
    confidence: float | None = None
    lexical: str = ""
    itn: str = ""
    masked_itn: str = Field(default="", alias="maskedITN")
    display: str = ""


class RecognizedPhrase(Resource):
    recognition_status: str | None = None
    channel: int | None = None
    speaker: int | None = None
    offset_milliseconds: float | None = None
    duration_milliseconds: float | None = None
    n_best: list[NBest] = Field(default_factory=list)


class TranscriptionResult(Resource):
    source: str = ""
    timestamp: str | None = None
    duration_milliseconds: float | None = None
    duration_in_ticks: float | None = None
    duration: str | None = None
    combined_recognized_phrases: list[CombinedPhrase] = Field(default_factory=list)
    recognized_phrases: list[RecognizedPhrase] = Field(default_factory=list)

    @property
    def audio_name(self) -> str:
        """File name of the source audio (SAS query and folders stripped)."""
        return unquote(urlsplit(self.source).path.rsplit("/", 1)[-1])

    def _combined(self, field: str) -> str:
        texts = [getattr(p, field) for p in self.combined_recognized_phrases]
        if texts:
            return " ".join(t for t in texts if t).strip()
        # Fall back to the best alternative of each phrase, in order.
        best = [getattr(p.n_best[0], field) for p in self.recognized_phrases if p.n_best]
        return " ".join(t for t in best if t).strip()

    @property
    def display(self) -> str:
        return self._combined("display")

    @property
    def lexical(self) -> str:
        return self._combined("lexical")


class ResultFileError(ServiceError):
    """A result file that is not the JSON it should be."""


def parse_transcription_result(data: bytes | str, *, origin: str) -> TranscriptionResult:
    """Parse one result file; `origin` (file name, no secrets) goes into error messages."""
    try:
        return TranscriptionResult.model_validate(json.loads(data))
    except (ValueError, ValidationError) as exc:
        raise ResultFileError(
            f"transcription result {origin} is not valid batch-transcription JSON "
            f"({str(exc).splitlines()[0][:200]}); re-run the evaluation or report the file"
        ) from exc


@dataclass(frozen=True)
class UtteranceTexts:
    """What each model of an evaluation recognized, utterance by utterance.

    `by_side[1]` is model1's text by audio file name, `by_side[2]` model2's. `source` says
    where they were read from; when they could not be read at all (a resource with its own
    storage returns file links without SAS, a link expired, a file is not JSON), both are
    empty and `unavailable` says why: the run then gates on the service's scores alone.
    """

    by_side: dict[int, dict[str, str]]
    source: str
    unavailable: str | None = None

    @classmethod
    def none(cls, why: str) -> UtteranceTexts:
        return cls({1: {}, 2: {}}, "", why)


# `<audio>.model1_score.json`: the documented per-utterance file of an evaluation (kind
# EvaluationDetails; API description example get_evaluation_files.json).
SCORE_FILE = re.compile(r"(?P<audio>.+)\.model(?P<side>[12])_score\.json")


def score_file_side(name: str) -> tuple[str, int] | None:
    """(audio file name, side) of a score file's name, or None for any other file."""
    match = SCORE_FILE.fullmatch(name)
    return None if match is None else (match["audio"], int(match["side"]))
