"""Report: the job summary and PR comment (Markdown) and the JSON report (pure)."""

from speech_action.report.analysis import Analysis, analyze, expiry_warnings, wer_discrepancies
from speech_action.report.figures import WerChange, clean_percent, fixed
from speech_action.report.json_report import SCHEMA_VERSION, ReportFormatError, from_json, to_json
from speech_action.report.markdown import (
    COMMENT_MARKER,
    SUMMARY_LIMIT_BYTES,
    render_pr_comment,
    render_summary,
)
from speech_action.report.model import (
    DeployedModel,
    EndpointChange,
    Expiry,
    HistoryPoint,
    Mode,
    ModelInfo,
    Report,
    ServiceScore,
    TestSetResult,
)
from speech_action.report.verdict import Verdict, verdict, wer_change

__all__ = [
    "COMMENT_MARKER",
    "SCHEMA_VERSION",
    "SUMMARY_LIMIT_BYTES",
    "Analysis",
    "DeployedModel",
    "EndpointChange",
    "Expiry",
    "HistoryPoint",
    "Mode",
    "ModelInfo",
    "Report",
    "ReportFormatError",
    "ServiceScore",
    "TestSetResult",
    "Verdict",
    "WerChange",
    "analyze",
    "clean_percent",
    "expiry_warnings",
    "fixed",
    "from_json",
    "render_pr_comment",
    "render_summary",
    "to_json",
    "verdict",
    "wer_change",
    "wer_discrepancies",
]
