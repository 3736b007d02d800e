"""Choosing between the base and the domain hypothesis of an utterance (pure).

pocketsphinx 5.1.1 cannot write its binary base model as ARPA, so the base and the
domain language model cannot be interpolated offline into one model. They are
interpolated at the hypothesis level instead: the utterance is decoded once with each
model, every distinct hypothesis is force-aligned to get its acoustic score, and the
hypothesis with the best acoustic score + lw * log P_mix wins, where

    P_mix(w | h) = base_weight * P_base(w | h) + (1 - base_weight) * P_domain(w | h).

On domain speech the domain hypothesis wins on its language-model score; on general
speech the domain model cannot produce an acoustically fitting hypothesis (its vocabulary
lacks the words), so the base hypothesis wins on its acoustic score. Measured on
examples/sharjah, this keeps the general set at the base WER.

All scores are in pocketsphinx's log units (natural log / ln(LOG_BASE)).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

LOG_BASE = 1.0001  # pocketsphinx's default logmath base
# Weight of the base model in the mixture. On examples/sharjah any weight from 0.1 to
# 0.5 gives the same domain WER; the even split assumes nothing about the test speech.
BASE_WEIGHT = 0.5


@dataclass(frozen=True)
class Candidate:
    """One hypothesis with the scores that rank it."""

    words: tuple[str, ...]
    acoustic: float  # forced-alignment acoustic score
    base_lm: tuple[float, ...]  # log P_base per word and for </s>, unweighted
    domain_lm: tuple[float, ...]  # log P_domain per word and for </s>, unweighted


def log_add(a: float, b: float) -> float:
    """log(exp(a) + exp(b)) in LOG_BASE units, without overflow."""
    high, low = max(a, b), min(a, b)
    return high + math.log1p(LOG_BASE ** (low - high)) / math.log(LOG_BASE)


def mixture_log_prob(candidate: Candidate, base_weight: float = BASE_WEIGHT) -> float:
    """log P_mix of the candidate's words (and the sentence end)."""
    log_b = math.log(base_weight) / math.log(LOG_BASE)
    log_d = math.log(1.0 - base_weight) / math.log(LOG_BASE)
    return sum(
        log_add(log_b + b, log_d + d)
        for b, d in zip(candidate.base_lm, candidate.domain_lm, strict=True)
    )


def total_score(
    candidate: Candidate, *, lw: float, log_wip: float, base_weight: float = BASE_WEIGHT
) -> float:
    """Acoustic + weighted mixture LM score + word insertion penalty."""
    lm = mixture_log_prob(candidate, base_weight)
    return candidate.acoustic + lw * lm + log_wip * len(candidate.words)


def best_candidate(
    candidates: Sequence[Candidate],
    *,
    lw: float,
    log_wip: float,
    base_weight: float = BASE_WEIGHT,
) -> Candidate:
    """The highest-scoring candidate; the earliest wins a tie, so results are stable."""
    if not candidates:
        raise ValueError("best_candidate needs at least one candidate")
    scores = [total_score(c, lw=lw, log_wip=log_wip, base_weight=base_weight) for c in candidates]
    return candidates[scores.index(max(scores))]
