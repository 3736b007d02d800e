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
    GuardDecision,
    MinImprovement,
    decide,
    parse_min_improvement,
)
from speech_action.scoring.guard import MaxRegression, apply_guards, guard, parse_max_regression
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
    "GuardDecision",
    "MaxRegression",
    "MinImprovement",
    "ModelResult",
    "ScoringInputError",
    "Significance",
    "Utterance",
    "UtteranceChange",
    "UtteranceCounts",
    "align",
    "align_all",
    "apply_guards",
    "bootstrap_columns",
    "compare",
    "decide",
    "guard",
    "normalize",
    "pair_utterances",
    "paired_bootstrap",
    "parse_max_regression",
    "parse_min_improvement",
    "render_alignment",
    "score",
    "top_confusions",
    "unmatched_hypotheses",
    "unmatched_references",
]
