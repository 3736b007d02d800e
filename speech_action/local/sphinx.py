"""The real offline recognizer of the local engine: pocketsphinx with its US English model.

Base model: the stock acoustic model, language model and dictionary of the pocketsphinx
wheel (nothing is downloaded). Training writes a custom model folder:

- `words.dict`: the pronunciation dataset's words (phones derived from the spoken form)
  and the related text's words no dictionary knows (letter-to-sound guesses);
- `domain.arpa`: a trigram model of the related text (and acoustic transcripts);
- `domain.dict`: the pronunciations of the domain model's words;
- `manifest.json`: what the model was built from, with content hashes.

Recognition decodes each WAV in a pool of worker processes; every file is decoded
independently (per-file cepstral normalization), so results do not depend on the
number of workers or the order of the files.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import multiprocessing
import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from pocketsphinx import get_model_path

from speech_action.errors import SpeechActionError
from speech_action.local.lm import arpa_vocabulary, build_arpa
from speech_action.local.recognition import TrainingText
from speech_action.local.sphinx_decode import ModelFiles, SphinxEngine
from speech_action.local.sphinx_lexicon import (
    dictionary_word,
    guess_pronunciations,
    merge_phrases,
    new_words,
    read_dictionary,
    tokens,
)

WORDS_FILE = "words.dict"
DOMAIN_LM_FILE = "domain.arpa"
DOMAIN_DICT_FILE = "domain.dict"
MANIFEST_FILE = "manifest.json"
MANIFEST_SCHEMA_VERSION = 1
RECOGNIZER_NAME = "pocketsphinx-en-us"


class ModelFolderError(SpeechActionError):
    """A custom model folder is missing or incomplete."""


def stock_dictionary() -> dict[str, list[str]]:
    return read_dictionary(Path(get_model_path("en-us/cmudict-en-us.dict")))


def model_sentences(training: TrainingText) -> list[list[str]]:
    """Tokenized related text, multi-word display forms joined into their word."""
    phrases = [dictionary_word(display) for display, _ in training.pronunciations]
    return [merge_phrases(tokens(s), phrases) for s in training.sentences if tokens(s)]


def model_words(
    training: TrainingText, sentences: list[list[str]], lexicon: dict[str, list[str]]
) -> dict[str, list[str]]:
    """Words to add to the stock dictionary: pronunciations first, then text words."""
    words = new_words(training.pronunciations, lexicon)
    for word in sorted({w for sentence in sentences for w in sentence}):
        if word not in lexicon and word not in words:
            guessed = guess_pronunciations(word)
            if guessed:
                words[word] = guessed
    return words


def domain_words(
    vocabulary: list[str], added: dict[str, list[str]], lexicon: dict[str, list[str]]
) -> dict[str, list[str]]:
    """Pronunciations of the domain model's words: added ones first, then the stock ones
    (a word the pronunciation data corrects keeps its stock pronunciations too)."""
    entries = {}
    for word in vocabulary:
        variants = list(dict.fromkeys([*added.get(word, []), *lexicon.get(word, [])]))
        if variants:
            entries[word] = variants
    return entries


def dictionary_text(
    words: dict[str, list[str]], stock: Mapping[str, Sequence[str]] | None = None
) -> str:
    """CMU dictionary format; the 2nd, 3rd... variant of a word is 'word(2)'...

    With `stock` (the dictionary the decoder already has), a word it knows gets its new
    pronunciations as further alternates after the stock ones ('read(3)'), and variants
    it already has are left out: pocketsphinx refuses to add a word twice ("Failed to
    add word"), and the service takes pronunciation files for words it knows, which is
    how teams correct a pronunciation (how-to-custom-speech-test-and-train, pronunciation
    data).
    """
    known = stock or {}
    lines = []
    for word, variants in words.items():
        existing = list(known.get(word, []))
        fresh = [phones for phones in variants if phones not in existing]
        for index, phones in enumerate(fresh, start=len(existing)):
            name = word if index == 0 else f"{word}({index + 1})"
            lines.append(f"{name} {phones}\n")
    return "".join(lines)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class PocketSphinxRecognizer:
    """`speech_action.local.recognition.Recognizer` backed by pocketsphinx."""

    name = RECOGNIZER_NAME

    def __init__(self, *, workers: int | None = None) -> None:
        # Decoding is CPU-bound; one worker per core, at most.
        self._workers = max(1, workers if workers is not None else (os.cpu_count() or 1))

    def build_model(self, training: TrainingText, model_dir: Path) -> None:
        """Write the custom model for `training` into `model_dir` (deterministic bytes)."""
        lexicon = stock_dictionary()
        sentences = model_sentences(training)
        words = model_words(training, sentences, lexicon)
        files = {WORDS_FILE: dictionary_text(words, lexicon)}
        if sentences:
            arpa = build_arpa(sentences)
            vocabulary = arpa_vocabulary(arpa)
            files[DOMAIN_LM_FILE] = arpa
            files[DOMAIN_DICT_FILE] = dictionary_text(domain_words(vocabulary, words, lexicon))
        manifest: dict[str, Any] = {
            "schema_version": MANIFEST_SCHEMA_VERSION,
            "recognizer": self.name,
            "pocketsphinx": importlib.metadata.version("pocketsphinx"),
            "sentences": len(sentences),
            "pronunciations": len(training.pronunciations),
            "added_words": len(words),
            "domain_vocabulary": len(arpa_vocabulary(files.get(DOMAIN_LM_FILE, ""))),
            "files": {name: _sha256(text) for name, text in sorted(files.items())},
        }
        files[MANIFEST_FILE] = json.dumps(manifest, indent=2, sort_keys=True) + "\n"
        model_dir.mkdir(parents=True, exist_ok=True)
        for stale in (DOMAIN_LM_FILE, DOMAIN_DICT_FILE):
            if stale not in files:  # a model rebuilt without related text
                (model_dir / stale).unlink(missing_ok=True)
        for name, text in files.items():  # the manifest last: it marks a complete model
            _write_atomically(model_dir / name, text)

    def recognize(self, model_dir: Path | None, wavs: Sequence[Path]) -> list[str]:
        """One lower-case text per WAV, in the order given; model_dir None = base model."""
        if model_dir is not None:
            check_model_dir(model_dir)
        if not wavs:
            return []
        workers = min(self._workers, len(wavs))
        if workers == 1:
            # A local engine, not the worker global: the service may call from threads.
            engine = SphinxEngine(model_files(model_dir))
            return [lexical(engine.transcribe(wav)) for wav in wavs]
        # spawn, not fork: the local service runs threads, which fork does not copy safely.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(workers, context, _init_worker, (model_dir,)) as pool:
            return list(pool.map(_transcribe, wavs, chunksize=1))


def check_model_dir(model_dir: Path) -> None:
    """Raise ModelFolderError unless `model_dir` holds a model built by build_model."""
    required = [MANIFEST_FILE, WORDS_FILE]
    if (model_dir / DOMAIN_LM_FILE).exists():
        required.append(DOMAIN_DICT_FILE)
    missing = [name for name in required if not (model_dir / name).is_file()]
    if missing:
        raise ModelFolderError(
            f"model folder {model_dir}: {', '.join(missing)} missing; the model was not "
            "built or its files were removed; train the model again"
        )


def read_manifest(model_dir: Path) -> dict[str, Any]:
    """The manifest of a model folder built by build_model."""
    check_model_dir(model_dir)
    path = model_dir / MANIFEST_FILE
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelFolderError(
            f"{path}: not a readable JSON manifest ({exc}); train the model again"
        ) from exc
    if not isinstance(manifest, dict) or manifest.get("schema_version") != MANIFEST_SCHEMA_VERSION:
        raise ModelFolderError(
            f"{path}: not a version {MANIFEST_SCHEMA_VERSION} manifest of this recognizer; "
            "train the model again"
        )
    return manifest


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8", newline="\n")
    os.replace(temporary, path)


def model_files(model_dir: Path | None) -> ModelFiles | None:
    if model_dir is None:
        return None
    return ModelFiles(
        words=model_dir / WORDS_FILE,
        domain_lm=model_dir / DOMAIN_LM_FILE,
        domain_dict=model_dir / DOMAIN_DICT_FILE,
    )


_ENGINE: SphinxEngine | None = None  # one per worker process


def _init_worker(model_dir: Path | None) -> None:
    """Load the decoders once per process (half a second to two seconds)."""
    global _ENGINE
    _ENGINE = SphinxEngine(model_files(model_dir))


def _transcribe(wav: Path) -> str:
    if _ENGINE is None:
        raise RuntimeError("the recognizer worker was not initialized")
    return lexical(_ENGINE.transcribe(wav))


def lexical(text: str) -> str:
    """The decoder's words as text: a multi-word display form's word becomes its words."""
    return text.replace("_", " ")
