"""The evaluation job: decode the test audio with both models, write two transcriptions
in the batch transcription result format, and score them like the service does.
"""

from __future__ import annotations

import json
import shutil
import string
import uuid
import wave
from datetime import datetime
from pathlib import Path
from typing import Any

from speech_action.local import content
from speech_action.local.jobs import (
    JobContext,
    JobError,
    add_file,
    read_content,
    require_succeeded,
    stamp,
)
from speech_action.local.recognition import read_transcripts
from speech_action.local.render import iso_duration
from speech_action.local.store import Entity
from speech_action.scoring import CorpusScore, normalize, score
from speech_action.scoring.alignment import align

__all__ = ["evaluation_properties", "evaluation_work", "score_result", "scoring_result",
           "transcription_result"]
_TAGS = {"substitute": "substitution", "delete": "deletion", "insert": "insertion"}

_CONFIDENCE = 0.9  # the stand-in engines give no per-utterance confidence


def _wav_ms(path: Path) -> int:
    try:
        with wave.open(str(path)) as audio:
            return int(audio.getnframes() * 1000 / audio.getframerate())
    except (wave.Error, EOFError, ZeroDivisionError):
        return 0


def _display(text: str) -> str:
    if not text:
        return ""
    shown = text[0].upper() + text[1:]
    return shown if shown[-1] in string.punctuation else f"{shown}."


def transcription_result(source: str, text: str, duration_ms: int, now: datetime) -> dict[str, Any]:
    """One file of a batch transcription's results (`<audio>.json`) for one channel."""
    lexical = " ".join(text.lower().split())
    forms = {"lexical": lexical, "itn": lexical, "maskedITN": lexical, "display": _display(text)}
    ticks = duration_ms * 10_000
    phrases = []
    if lexical:
        phrases.append({
            "recognitionStatus": "Success",
            "channel": 0,
            "offset": "PT0S",
            "duration": iso_duration(duration_ms),
            "offsetInTicks": 0.0,
            "durationInTicks": float(ticks),
            "nBest": [{"confidence": _CONFIDENCE, **forms}],
        })
    return {
        "source": source,
        "timestamp": stamp(now),
        "durationInTicks": ticks,
        "duration": iso_duration(duration_ms),
        "combinedRecognizedPhrases": [{"channel": 0, **forms}],
        "recognizedPhrases": phrases,
    }


def scoring_result(reference: str, hypothesis: str) -> str:
    """The aligned words of one utterance, comma-separated, errors tagged:
    `we,flew,to,<substitution>charger</substitution>,<deletion>last</deletion>,...`.

    The API description and Learn name the `<wav>.model1_score.json` files (example
    `get_evaluation_files.json`, kind EvaluationDetails) but not their content; public
    clients of the service read `recognizedPhrases[].nBest[0].scoringResult` from them
    and turn these three tags into colours. Which word a tag holds is our choice: the
    recognized word for substitutions and insertions, the missed reference word for
    deletions (so the words read as what the model said, plus what it left out).
    """
    # The words as scored: the normalization the WER properties use.
    [alignment] = align([normalize(reference)], [normalize(hypothesis)])
    ref, hyp = alignment.reference, alignment.hypothesis
    tokens: list[str] = []
    for edit in alignment.edits:
        words = ref[edit.ref_start:edit.ref_end] if edit.op == "delete" else hyp[
            edit.hyp_start:edit.hyp_end]
        tag = _TAGS.get(edit.op)
        tokens += [f"<{tag}>{w}</{tag}>" if tag else w for w in words]
    return ",".join(tokens)


def score_result(source: str, reference: str, text: str, duration_ms: int,
                 now: datetime) -> dict[str, Any]:
    """One `<wav>.modelN_score.json`: the batch transcription result of the utterance
    (as in the model's transcription) with `scoringResult` on its best phrase; a silent
    utterance still gets one (empty) phrase, so its deletions are visible."""
    result = transcription_result(source, text, duration_ms, now)
    if not result["recognizedPhrases"]:
        result["recognizedPhrases"] = [{
            "recognitionStatus": "Success", "channel": 0, "offset": "PT0S",
            "duration": iso_duration(duration_ms), "offsetInTicks": 0.0,
            "durationInTicks": float(duration_ms * 10_000),
            "nBest": [{"confidence": 0.0, "lexical": "", "itn": "", "maskedITN": "",
                       "display": ""}],
        }]
    result["recognizedPhrases"][0]["nBest"][0]["scoringResult"] = scoring_result(
        reference, text)
    return result


def _score_files(context: JobContext, evaluation: Entity, wavs: list[Path], refs: list[str],
                 decoded: list[list[str]]) -> list[dict[str, Any]]:
    """The per-utterance EvaluationDetails files, named as in `get_evaluation_files.json`
    (`<wav>.model1_score.json`, `<wav>.model2_score.json`), model1 then model2 per WAV."""
    now, files = context.now(), []
    for position, (wav, ref) in enumerate(zip(wavs, refs, strict=True)):
        duration = _wav_ms(wav)
        for index, texts in enumerate(decoded, start=1):
            data = score_result(wav.name, ref, texts[position], duration, now)
            files.append(add_file(context.store, evaluation, f"{wav.name}.model{index}_score.json",
                                  "EvaluationDetails", json.dumps(data, indent=1).encode(), now))
    return files


def evaluation_properties(index: int, result: CorpusScore) -> dict[str, Any]:
    """`wordErrorRate1`, `wordCount1`, ... for model `index` (1 or 2); rates are fractions."""
    return {
        f"wordErrorRate{index}": round(result.wer, 6),
        f"sentenceErrorRate{index}": round(result.sentence_error_rate, 6),
        f"sentenceCount{index}": result.sentences,
        f"wordCount{index}": result.reference_words,
        f"correctWordCount{index}": result.hits,
        f"wordSubstitutionCount{index}": result.substitutions,
        f"wordDeletionCount{index}": result.deletions,
        f"wordInsertionCount{index}": result.insertions,
    }


def _model_dir(context: JobContext, ref: str) -> Path | None:
    model = require_succeeded(context.store, ref, "model")
    return None if model is None else context.store.blob_dir("models", model["id"]) / "model"


def _write_transcription(
    context: JobContext, evaluation: Entity, index: int, wavs: list[Path], texts: list[str],
) -> str:
    now = context.now()
    transcription: Entity = {
        "collection": "transcriptions",
        "id": str(uuid.uuid4()),
        "displayName": f"{evaluation['displayName']} - model{index}",
        "locale": evaluation["locale"],
        "createdDateTime": stamp(now),
        "lastActionDateTime": stamp(now),
        "status": "Succeeded",
        "model": evaluation[f"model{index}"],
        "dataset": evaluation["dataset"],
        "project": evaluation.get("project"),
        "evaluation": evaluation["id"],
    }
    files, total_ms = [], 0
    for wav, text in zip(wavs, texts, strict=True):
        duration = _wav_ms(wav)
        total_ms += duration
        result = transcription_result(wav.name, text, duration, now)
        data = json.dumps(result, indent=1).encode("utf-8")
        files.append(add_file(context.store, transcription, f"{wav.name}.json", "Transcription",
                              data, now))
    report = {"successfulTranscriptionsCount": len(wavs), "failedTranscriptionsCount": 0,
              "details": [{"source": w.name, "status": "Succeeded"} for w in wavs]}
    files.append(add_file(context.store, transcription, "report.json", "TranscriptionReport",
                          json.dumps(report, indent=1).encode("utf-8"), now))
    transcription["files"] = files
    transcription["properties"] = {"timeToLiveHours": 48, "durationMilliseconds": total_ms}
    context.store.put(transcription)
    return f"transcriptions/{transcription['id']}"


def _extract_test_set(context: JobContext, evaluation: Entity) -> tuple[list[Path], list[str]]:
    """The test dataset's WAVs (extracted next to its trans.txt) and their references."""
    store = context.store
    dataset = require_succeeded(store, evaluation["dataset"], "test dataset")
    if dataset is None or dataset["kind"] != "Acoustic":
        raise JobError("InvalidDataset", "the test dataset must be an Acoustic dataset")
    folder = store.blob_dir("evaluations", evaluation["id"]) / "audio"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    try:
        names = content.extract_acoustic(read_content(store, dataset), folder)
    except content.ContentError as exc:
        raise JobError("InvalidDataset", str(exc)) from exc
    references = read_transcripts(folder)
    return [folder / name for name in names], [references[name] for name in names]


def _decode(context: JobContext, evaluation: Entity, wavs: list[Path]) -> list[list[str]]:
    """Hypotheses of model1 and model2; one decoding when both are the same model
    (benchmark-test evaluates the benchmark model on both sides)."""
    decoded: dict[str, list[str]] = {}
    for ref in (evaluation["model1"], evaluation["model2"]):
        if ref not in decoded:
            texts = context.recognizer().recognize(_model_dir(context, ref), wavs)
            if len(texts) != len(wavs):
                raise JobError("InternalError", f"the recognizer returned {len(texts)} texts "
                               f"for {len(wavs)} audio files")
            decoded[ref] = texts
    return [decoded[evaluation["model1"]], decoded[evaluation["model2"]]]


def evaluation_work(context: JobContext, evaluation: Entity) -> None:
    wavs, refs = _extract_test_set(context, evaluation)
    properties: dict[str, Any] = {}
    updates: dict[str, Any] = {}
    details: list[dict[str, Any]] = [
        {"source": wav.name, "reference": ref} for wav, ref in zip(wavs, refs, strict=True)
    ]
    decoded = _decode(context, evaluation, wavs)
    for index, texts in enumerate(decoded, start=1):
        updates[f"transcription{index}"] = _write_transcription(
            context, evaluation, index, wavs, texts)
        properties |= evaluation_properties(index, score(refs, texts))
        for row, text in zip(details, texts, strict=True):
            row[f"hypothesis{index}"] = text
    data = json.dumps({"utterances": details}, indent=1).encode("utf-8")
    # evaluation_details.json (all utterances in one file) is this engine's own and stays
    # for the clients that read it; the documented files follow it.
    files = [add_file(context.store, evaluation, "evaluation_details.json", "EvaluationDetails",
                      data, context.now())]
    files += _score_files(context, evaluation, wavs, refs, decoded)
    context.store.update("evaluations", evaluation["id"],
                         lambda e: e.update(properties=properties, files=files, **updates))
