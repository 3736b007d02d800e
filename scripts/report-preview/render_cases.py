"""Write the job summary and the PR comment of each review case as Markdown files.

The first half of the report preview (`run.sh` screenshots the files): the reports are
built with the report tests' builders (`tests/report/builders.py`), so the preview shows
what the tests pin. Usage, from the repository root:

    .venv/bin/python scripts/report-preview/render_cases.py OUT_DIR

writes OUT_DIR/<case>.summary.md and OUT_DIR/<case>.comment.md and prints their paths.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: make `speech_action` and `tests` importable
    sys.path.insert(0, str(ROOT))

from speech_action.report import (  # noqa: E402
    Report,
    ServiceScore,
    render_pr_comment,
    render_summary,
)
from speech_action.scoring import (  # noqa: E402
    GateScores,
    Utterance,
    compare,
    decide,
    parse_min_improvement,
)
from tests.report import scenarios  # noqa: E402
from tests.report.builders import (  # noqa: E402
    UTTERANCES,
    benchmark_test,
    train_and_gate,
    train_and_gate_over,
)

# Two utterances the new model gets wrong that the benchmark got right, one by four
# errors: the overall WER still falls, so the regressions are what a reviewer must see.
REGRESSIONS = (
    Utterance(
        "f.wav",
        "Turn left at the next roundabout",
        "turn left at the next roundabout",
        "turn lift at then ex round about",
    ),
    Utterance("g.wav", "Call me at nine", "call me at nine", "call me at night"),
)

UNAVAILABLE = (
    "The per-utterance results could not be read (the evaluation's files have no "
    "`*_score.json`). The gate uses the service's WERs alone: no per-utterance view, no "
    "significance test (require-significance cannot pass), and no cross-check of the "
    "service's WER against its own results."
)


def _swapped(utterances: tuple[Utterance, ...]) -> tuple[Utterance, ...]:
    """The same test set with the two models' texts exchanged: a win becomes a loss."""
    return tuple(Utterance(u.audio, u.reference, u.candidate, u.benchmark) for u in utterances)


def _first_run() -> Report:
    # benchmark_test() pins a service WER that differs from the recomputed one (a warning);
    # a first run for review agrees with itself.
    wer = compare(UTTERANCES).benchmark.score.wer * 100
    return benchmark_test(benchmark_service=ServiceScore(wer_percent=wer))


def _unavailable() -> Report:
    # As modes/evaluate.py reports it: the service's WERs and a gate without significance.
    report = train_and_gate(utterances=(), significance=None, warnings=(UNAVAILABLE,))
    bench, new = report.benchmark_service, report.candidate_service
    assert bench is not None and new is not None
    gate = decide(GateScores(bench.wer_percent, new.wer_percent), parse_min_improvement("0.5"))
    return report.model_copy(update={"gate": gate})


CASES: dict[str, Callable[[], Report]] = {
    "clear-win": train_and_gate,
    "win-with-regressions": lambda: train_and_gate_over(UTTERANCES + REGRESSIONS),
    "loss": lambda: train_and_gate_over(_swapped(UTTERANCES)),
    "first-run": _first_run,
    "deploy": scenarios.deploy,  # as modes/deploy.py fills it, with the table
    "per-utterance-unavailable": _unavailable,
    "several-test-sets-guard-blocked": scenarios.guard_blocked,  # issue #16
}
"""Case name -> its report; the names become file names."""


def write_cases(out_dir: Path) -> list[Path]:
    """Render every case's summary and PR comment into `out_dir`; the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, build in CASES.items():
        report = build()
        for kind, text in (
            ("summary", render_summary(report)),
            ("comment", render_pr_comment(report)),
        ):
            path = out_dir / f"{name}.{kind}.md"
            path.write_text(text, encoding="utf-8")
            written.append(path)
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: render_cases.py OUT_DIR", file=sys.stderr)
        return 2
    for path in write_cases(Path(argv[0])):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
