"""SpeechClient: the Custom Speech operations the action needs, as typed calls.

Refs: every getter takes an id, a `self` URL, or a resource/EntityRef. Every create is
protected against twins (see `_core`). Long-running work: `wait()` / `begin_wait()`.
"""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Callable, Collection, Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from speech_action.client._core import ClientCore, Ref, parse
from speech_action.client.errors import NoAdaptableBaseModelError, SpeechServiceError, redact_url
from speech_action.client.models import (
    CustomModel,
    Dataset,
    DatasetDefinition,
    Endpoint,
    EndpointDefinition,
    EntityRef,
    Evaluation,
    File,
    ModelDefinition,
    Project,
    SpeechBaseModel,
    Transcription,
    UploadedBlocks,
)
from speech_action.client.results import (
    TranscriptionResult,
    UtteranceTexts,
    parse_transcription_result,
    score_file_side,
)
from speech_action.errors import ConfigError, ServiceError

# customProperties of an accuracy test, as Speech Studio creates and lists them.
ACCURACY_TEST = {"testingKind": "Evaluation"}
BLOCK_SIZE = 8 * 1024 * 1024  # the service's maximum block size (8 MiB)
# (bytes sent, total bytes or None when the size is not known before the end of a stream)
UploadProgress = Callable[[int, int | None], None]


def iter_blocks(chunks: Iterable[bytes], block_size: int = BLOCK_SIZE) -> Iterator[bytes]:
    """The chunks' bytes regrouped into blocks of exactly `block_size` (the last one shorter).

    One block is held at a time, so a failed block PUT can be retried as it is. Views of
    the chunks are joined once per block: growing a bytearray instead costs several times
    more (fresh pages for every block), which showed in the packaging benchmark.
    """
    parts: list[memoryview] = []
    held = 0
    for chunk in chunks:
        view = memoryview(chunk)
        while held + len(view) >= block_size:
            room = block_size - held
            parts.append(view[:room])
            view = view[room:]
            yield b"".join(parts)
            parts, held = [], 0
        if view:
            parts.append(view)
            held += len(view)
    if held:
        yield b"".join(parts)


def block_id(index: int) -> str:
    """Base64 of a fixed-width counter: the service wants equal-length ids for all blocks."""
    return base64.b64encode(f"{index:08d}".encode("ascii")).decode("ascii")


def _eq_filter(field: str, value: str) -> dict[str, str]:
    return {"filter": f"{field} eq '{value.replace(chr(39), chr(39) * 2)}'"}


class SpeechClient(ClientCore):
    # ---- base models -------------------------------------------------------------------

    def list_base_models(self, locale: str | None = None) -> Iterator[SpeechBaseModel]:
        query = _eq_filter("locale", locale) if locale else None
        return self.list(self.url("/models/base", query), SpeechBaseModel)

    def get_base_model(self, ref: Ref) -> SpeechBaseModel:
        return self.get(self.entity_url("models/base", ref), SpeechBaseModel)

    def latest_adaptable_base_model(self, locale: str, now: datetime,
                                    dataset_kinds: Collection[str] = ()) -> SpeechBaseModel:
        """Newest base model of `locale` that can be adapted before its adaptation date,
        with every one of `dataset_kinds`, and deployed to an endpoint (`SpeechBaseModel.
        lacks`). Not every base model takes every kind: structured text, for one, needs a
        recent base model (Learn: how-to-custom-speech-test-and-train)."""
        adaptable = [m for m in self.list_base_models(locale)
                     if m.locale in (None, locale) and _adaptable(m, now)]
        candidates = [m for m in adaptable if not m.lacks(dataset_kinds)]
        if not candidates:
            raise NoAdaptableBaseModelError(
                _no_base_model(locale, self.endpoint, adaptable, dataset_kinds), locale=locale)
        return _newest(candidates)

    # ---- projects ----------------------------------------------------------------------

    def find_or_create_project(self, display_name: str, locale: str, *,
                               description: str | None = None,
                               custom_properties: dict[str, str] | None = None) -> Project | None:
        """The project with this display name (created if absent); None if the version has
        no projects (2024-11-15)."""
        if not self.has_projects:
            return None
        for project in self.list(self.url("/projects", _eq_filter("displayName", display_name)),
                                 Project):
            if project.display_name == display_name and project.locale in (None, locale):
                return project
        body: dict[str, Any] = {"displayName": display_name, "locale": locale,
                                "customProperties": dict(custom_properties or {})}
        if description:
            body["description"] = description
        return self.create("/projects", body, Project)

    def get_project(self, ref: Ref) -> Project:
        return self.get(self.entity_url("projects", ref), Project)

    # ---- datasets ----------------------------------------------------------------------

    def create_dataset(self, definition: DatasetDefinition) -> Dataset:
        """Create a dataset; with `content_url` the service fetches the data itself."""
        return self.create("/datasets", self._link(definition.to_body()), Dataset)

    def create_dataset_from_file(self, definition: DatasetDefinition, path: Path, *,
                                 on_progress: UploadProgress | None = None) -> Dataset:
        """Create a dataset and upload `path` with the block API (<= 8 MiB per block)."""
        with path.open("rb") as stream:
            chunks = iter(lambda: stream.read(BLOCK_SIZE), b"")
            return self._create_and_upload(definition, chunks, path.stat().st_size,
                                           f"{path.name}: the file", on_progress)

    def create_dataset_from_chunks(self, definition: DatasetDefinition,
                                   chunks: Iterable[bytes], *,
                                   on_progress: UploadProgress | None = None) -> Dataset:
        """Create a dataset and upload the chunks' bytes (say `stream_package`) with the
        block API: regrouped into blocks of 8 MiB, one in memory at a time, no file.
        `on_progress` gets None as the total: a stream's size is known only at its end."""
        return self._create_and_upload(definition, chunks, None, "the dataset stream",
                                       on_progress)

    def _create_and_upload(self, definition: DatasetDefinition, chunks: Iterable[bytes],
                           total: int | None, source: str,
                           on_progress: UploadProgress | None) -> Dataset:
        if definition.content_url:
            raise ConfigError(f"uploading {source} to dataset {definition.display_name!r}: "
                              "the definition must not set content_url")
        blocks = iter_blocks(chunks)
        # Read the first block before creating the dataset: an empty upload creates nothing.
        first = next(blocks, None)
        if first is None:
            raise ConfigError(f"{source} for dataset {definition.display_name!r} is empty; "
                              "nothing to upload")
        dataset = self.create_dataset(definition)
        ids = self._upload_blocks(dataset, itertools.chain([first], blocks), total, on_progress)
        self._commit_blocks(dataset, ids)
        return self.get_dataset(dataset)

    def _commit_blocks(self, dataset: Dataset, ids: list[str]) -> None:
        commit = self.version.sub_url(dataset.self_url, "/blocks:commit")
        try:
            self.request("POST", commit, json_body=[{"kind": "Latest", "id": i} for i in ids])
        except SpeechServiceError as exc:
            # A retried commit whose first attempt went through is refused (4xx) although
            # the data was accepted: the dataset has left NotStarted.
            if exc.status not in (400, 409) or self.get_dataset(dataset).status == "NotStarted":
                raise

    def _upload_blocks(self, dataset: Dataset, blocks: Iterable[bytes], total: int | None,
                       on_progress: UploadProgress | None) -> list[str]:
        ids: list[str] = []
        sent = 0
        for block in blocks:  # the request holds the block: a retry sends it again
            ids.append(block_id(len(ids)))
            url = self.version.sub_url(dataset.self_url, "/blocks", {"blockid": ids[-1]})
            self.request("PUT", url, data=block, content_type="application/octet-stream")
            sent += len(block)
            if on_progress is not None:
                on_progress(sent, total)
        return ids

    def get_dataset(self, ref: Ref) -> Dataset:
        return self.get(self.entity_url("datasets", ref), Dataset)

    def get_dataset_blocks(self, ref: Ref) -> UploadedBlocks:
        """The blocks uploaded to a dataset, committed and uncommitted: `GET
        /datasets/{id}/blocks` (Datasets_GetBlocks, "Gets the list of uploaded blocks for this
        dataset"; same path and `UploadedBlocks` shape in v3.2, 2024-11-15 and 2025-10-15)."""
        url = self.version.sub_url(self.entity_url("datasets", ref), "/blocks")
        return self.get(url, UploadedBlocks)

    def dataset_can_finish(self, dataset: Dataset) -> bool:
        """False only for a dataset that will never leave NotStarted: created for the block
        API (no `content_url`) whose blocks were never committed, as a run cancelled during
        its upload leaves it. Waiting on such a dataset can only time out.

        True otherwise: Running or Succeeded (or already Failed: a wait ends at once); with
        a `content_url` the service fetches the data itself; NotStarted with committed
        blocks has its data and is about to start.
        """
        if dataset.status != "NotStarted" or dataset.content_url:
            return True
        return bool(self.get_dataset_blocks(dataset).committed_blocks)

    def list_datasets(self, filter: str | None = None) -> Iterator[Dataset]:
        return self.list(self.url("/datasets", {"filter": filter} if filter else None), Dataset)

    def list_dataset_files(self, ref: Ref) -> Iterator[File]:
        return self.list(self.version.sub_url(self.entity_url("datasets", ref), "/files"), File)

    def dataset_report(self, ref: Ref) -> dict[str, Any] | None:
        """The parsed `DatasetReport` file of a dataset (None if it has none yet)."""
        for file in self.list_dataset_files(ref):
            if file.kind == "DatasetReport" and file.content_url:
                try:
                    report: dict[str, Any] = json.loads(self.download(file.content_url))
                except ValueError as exc:
                    raise ServiceError(f"dataset report {file.name} of "
                                       f"{redact_url(file.self_url or '')} is not JSON") from exc
                return report
        return None

    # ---- custom models -----------------------------------------------------------------

    def create_model(self, definition: ModelDefinition) -> CustomModel:
        return self.create("/models", self._link(definition.to_body()), CustomModel)

    def get_model(self, ref: Ref) -> CustomModel:
        return self.get(self.entity_url("models", ref), CustomModel)

    def list_models(self, filter: str | None = None) -> Iterator[CustomModel]:
        return self.list(self.url("/models", {"filter": filter} if filter else None),
                         CustomModel)

    # ---- evaluations -------------------------------------------------------------------

    def create_evaluation(self, display_name: str, model1_url: str, model2_url: str,
                          dataset_url: str, locale: str, project_url: str | None = None,
                          custom_properties: dict[str, str] | None = None,
                          description: str | None = None) -> Evaluation:
        """An accuracy test of two models on one dataset. `testingKind: Evaluation` is what
        Speech Studio reads to show it as an accuracy test rather than a quality-inspection
        test (Learn: how-to-custom-speech-evaluate-data, "Create a test", REST example)."""
        body: dict[str, Any] = {
            "displayName": display_name, "locale": locale,
            "model1": {"self": model1_url}, "model2": {"self": model2_url},
            "dataset": {"self": dataset_url},
            "customProperties": {**(custom_properties or {}), **ACCURACY_TEST},
        }
        if description:
            body["description"] = description
        if project_url:
            body["project"] = {"self": project_url}
        return self.create("/evaluations", self._link(body), Evaluation)

    def get_evaluation(self, ref: Ref) -> Evaluation:
        return self.get(self.entity_url("evaluations", ref), Evaluation)

    def list_evaluations(self, filter: str | None = None) -> Iterator[Evaluation]:
        return self.list(self.url("/evaluations", {"filter": filter} if filter else None),
                         Evaluation)

    def list_evaluation_files(self, ref: Ref) -> Iterator[File]:
        return self.list(self.version.sub_url(self.entity_url("evaluations", ref), "/files"),
                         File)

    def evaluation_utterance_texts(self, evaluation: Evaluation) -> UtteranceTexts:
        """What each model recognized, per utterance. First from the evaluation's own score
        files, the documented source (`evaluations/{id}/files` of kind EvaluationDetails
        named `<audio>.model1_score.json` / `.model2_score.json`: API description example
        get_evaluation_files.json; their content is not documented, and is read as a batch
        transcription result). Else from the two batch transcriptions the evaluation links,
        whose files name the audio in `source` (documented for transcriptions, not promised
        for evaluations). When neither can be read (a resource with its own storage returns
        file links without SAS; a link expired; a file is not JSON), the result says why
        instead of raising: the service's scores still stand."""
        problems: list[str] = []
        for source, read in (("the evaluation's score files", self._score_file_texts),
                             ("its transcriptions", self._transcription_texts)):
            try:
                by_side = read(evaluation)
            except ServiceError as exc:  # HTTP errors, files not JSON, no transcription
                problems.append(f"{source}: {exc}")
                continue
            if by_side[1] and by_side[2]:
                return UtteranceTexts(by_side, source)
            problems.append(f"{source}: none listed")
        return UtteranceTexts.none("; ".join(problems))

    def _score_file_texts(self, evaluation: Evaluation) -> dict[int, dict[str, str]]:
        by_side: dict[int, dict[str, str]] = {1: {}, 2: {}}
        for file in self.list_evaluation_files(evaluation):
            named = score_file_side(file.name or "")
            if file.kind != "EvaluationDetails" or named is None or not file.content_url:
                continue  # the engine's own summary files and the like
            audio, side = named
            result = parse_transcription_result(self.download(file.content_url),
                                                origin=file.name or audio)
            by_side[side][audio] = result.lexical
        return by_side

    def _transcription_texts(self, evaluation: Evaluation) -> dict[int, dict[str, str]]:
        results = self.evaluation_transcription_results(evaluation)
        return {side: {r.audio_name: r.lexical for r in results[f"transcription{side}"]}
                for side in (1, 2)}

    def evaluation_transcription_results(
        self, evaluation: Evaluation
    ) -> dict[str, list[TranscriptionResult]]:
        """Per-utterance results of both sides, keyed "transcription1"/"transcription2".

        An evaluation links its two batch transcriptions; their files of kind
        `Transcription` hold one result JSON per audio file (downloaded from `contentUrl`,
        without the key when it points to another host such as a SAS URL).
        """
        results: dict[str, list[TranscriptionResult]] = {}
        for side in ("transcription1", "transcription2"):
            ref: EntityRef | None = getattr(evaluation, side)
            if ref is None:
                raise ServiceError(
                    f"evaluation {evaluation.self_url.split('?')[0]} has no {side} "
                    f"(status {evaluation.status}); wait until it succeeded before reading "
                    "results")
            results[side] = [
                parse_transcription_result(self.download(f.content_url), origin=f.name)
                for f in self.list_transcription_files(ref)
                if f.kind == "Transcription" and f.content_url
            ]
        return results

    def get_transcription(self, ref: Ref) -> Transcription:
        return self.get(self.entity_url("transcriptions", ref), Transcription)

    def list_transcription_files(self, ref: Ref) -> Iterator[File]:
        return self.list(self.version.sub_url(self.entity_url("transcriptions", ref), "/files"),
                         File)

    # ---- endpoints ---------------------------------------------------------------------

    def create_endpoint(self, definition: EndpointDefinition) -> Endpoint:
        return self.create("/endpoints", self._link(definition.to_body()), Endpoint)

    def get_endpoint(self, ref: Ref) -> Endpoint:
        return self.get(self.entity_url("endpoints", ref), Endpoint)

    def list_endpoints(self, filter: str | None = None) -> Iterator[Endpoint]:
        return self.list(self.url("/endpoints", {"filter": filter} if filter else None),
                         Endpoint)

    def endpoints_named(self, display_name: str) -> list[Endpoint]:
        """Every endpoint with exactly this display name (the filter narrows the listing;
        the exact comparison guards against a service that matches loosely)."""
        return [e for e in self.list_endpoints(_eq_filter("displayName", display_name)["filter"])
                if e.display_name == display_name]

    def delete_endpoint(self, ref: Ref) -> None:
        """Delete an endpoint; one already gone (a retried DELETE that went through) is fine."""
        try:
            self.request("DELETE", self.entity_url("endpoints", ref))
        except SpeechServiceError as exc:
            if exc.status != 404:
                raise

    def update_endpoint_model(self, ref: Ref, model_url: str, *,
                              content_logging_enabled: bool | None = None) -> Endpoint:
        """Point an endpoint at another model in place (PATCH; the old model serves until the
        update succeeds), changing its content logging in the same request when given."""
        body: dict[str, Any] = {"model": {"self": model_url}}
        if content_logging_enabled is not None:
            body["properties"] = {"contentLoggingEnabled": content_logging_enabled}
        return self._patch_endpoint(ref, body)

    def update_endpoint_logging(self, ref: Ref, enabled: bool) -> Endpoint:
        """Turn an endpoint's content logging on or off: `EndpointUpdate.properties` is
        `EndpointPropertiesUpdate` with `contentLoggingEnabled` (API description; Learn,
        "Turn off logging for a custom model endpoint"), not the `loggingEnabled` that
        creation takes."""
        return self._patch_endpoint(ref, {"properties": {"contentLoggingEnabled": enabled}})

    def _patch_endpoint(self, ref: Ref, body: dict[str, Any]) -> Endpoint:
        url = self.entity_url("endpoints", ref)
        return parse(Endpoint, self.request("PATCH", url, json_body=body), url)

    # ---- helpers -----------------------------------------------------------------------

    def _link(self, body: dict[str, Any]) -> dict[str, Any]:
        """Drop a project link on versions without projects, so one definition fits all."""
        if not self.has_projects:
            body.pop("project", None)
        return body



def _newest(models: list[SpeechBaseModel]) -> SpeechBaseModel:
    return max(models, key=lambda m: (m.created_date_time or datetime.min.astimezone(),
                                      m.self_url))


def _no_base_model(locale: str, endpoint: str, adaptable: list[SpeechBaseModel],
                   dataset_kinds: Collection[str]) -> str:
    if not adaptable:
        return (f"no base model of locale {locale!r} on {endpoint} supports adaptation "
                "before its adaptation deadline; pick another locale or give base-model")
    newest = _newest(adaptable)
    return (f"no adaptable base model of locale {locale!r} on {endpoint} supports what the "
            f"training data needs ({', '.join(sorted(dataset_kinds)) or 'no datasets'} and "
            f"endpoints); the newest, {newest.display_name}, lacks "
            f"{', '.join(newest.lacks(dataset_kinds))}. Remove that kind of training data, "
            "or give a base-model that supports it")


def _adaptable(model: SpeechBaseModel, now: datetime) -> bool:
    features = model.properties.features
    if features is None or not features.supports_adaptations_with:
        return False
    dates = model.properties.deprecation_dates
    deadline = dates.adaptation_date_time if dates else None
    return deadline is None or deadline > now
