"""Scoring: normalization, corpus WER, alignment, confusions, significance, the gate (pure)."""

from speech_action.scoring.normalize import NORMALIZER_NAME, normalize
from speech_action.scoring.wer import CorpusScore, ScoringInputError, UtteranceCounts, score

__all__ = [
    "NORMALIZER_NAME",
    "CorpusScore",
    "ScoringInputError",
    "UtteranceCounts",
    "normalize",
    "score",
]
