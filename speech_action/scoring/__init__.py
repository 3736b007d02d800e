"""Scoring: normalization, corpus WER, alignment, confusions, significance, the gate (pure).

Everything here is pure and deterministic: no I/O, no clock, fixed random seeds.
"""

from speech_action.scoring.alignment import (
    Alignment,
    AlignmentList,
    Column,
    Confusion,
    Edit,
    align,
    align_all,
    render_alignment,
    top_confusions,
)
from speech_action.scoring.compare import Comparison, ModelResult, UtteranceChange, compare
from speech_action.scoring.gate import (
    GateDecision,
    GateScores,
    MinImprovement,
    decide,
    parse_min_improvement,
)
from speech_action.scoring.normalize import NORMALIZER_NAME, normalize
from speech_action.scoring.significance import Significance, bootstrap_columns, paired_bootstrap
from speech_action.scoring.utterances import (
    Utterance,
    pair_utterances,
    unmatched_hypotheses,
    unmatched_references,
)
from speech_action.scoring.wer import (
    CorpusScore,
    CountColumns,
    ScoringInputError,
    UtteranceCounts,
    score,
)

__all__ = [
    "NORMALIZER_NAME",
    "Alignment",
    "AlignmentList",
    "Column",
    "Comparison",
    "Confusion",
    "CorpusScore",
    "CountColumns",
    "Edit",
    "GateDecision",
    "GateScores",
    "MinImprovement",
    "ModelResult",
    "ScoringInputError",
    "Significance",
    "Utterance",
    "UtteranceChange",
    "UtteranceCounts",
    "align",
    "align_all",
    "bootstrap_columns",
    "compare",
    "decide",
    "normalize",
    "pair_utterances",
    "paired_bootstrap",
    "parse_min_improvement",
    "render_alignment",
    "score",
    "top_confusions",
    "unmatched_hypotheses",
    "unmatched_references",
]
