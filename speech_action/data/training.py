"""Which training files make which datasets, where names and sizes are not enough.

Structured text: Learn, "Training and testing datasets", Structured-text data for training,
documents the Markdown the service reads: `@ list <name> =` lists and the
`@ speech:phoneticlexicon` list (items `- ...`), sections of example sentences headed by
`#` and a name of letters, digits and underscores (`#TrainingSentences_Section1`), `//`
comments. A `*.md` file is taken as structured text when it has a list declaration, or a
section heading followed by a `- ` sentence, within its first MiB; any other Markdown (notes,
a changelog) is left out with a notice instead of being uploaded as LanguageMarkdown.

Japanese and Korean related text: the same article, Plain-text data for training, advises
"dividing the dataset into multiple text files with up to 20,000 lines in each", as a large
import "can take a long time or can time out". Each related text file becomes a dataset of
its own (the model trains on all of them), and validation holds each to 20,000 lines.
"""

from __future__ import annotations

import re
from dataclasses import replace
from itertools import pairwise

from speech_action.data.model import DataFile, Limits, Note, TrainingDataSet
from speech_action.data.reader import CHUNK_SIZE, DataReader, UnreadableFileError
from speech_action.data.text import UTF8_BOM

#: Locales (language part) whose related text is held to files of 20,000 lines.
SPLIT_LANGUAGES = frozenset({"ja", "ko"})
_DECLARATION = re.compile(r"@\s*(list\s+[^\s=]+\s*=|speech:phoneticlexicon\b)", re.IGNORECASE)
_SECTION = re.compile(r"#\s*\w+\s*", re.ASCII)
_ITEM = re.compile(r"-\s*\S")


def structured_text_only(dataset: TrainingDataSet) -> tuple[TrainingDataSet | None,
                                                            tuple[Note, ...]]:
    """The dataset without its Markdown files that are not structured text (None when none
    is), and a notice for each file left out. A file that cannot be read stays in, for
    validation to report."""
    kept: list[DataFile] = []
    notes: list[Note] = []
    with DataReader() as reader:
        for data_file in dataset.files:
            if _looks_structured(reader, data_file):
                kept.append(data_file)
            else:
                notes.append(Note(data_file.display, None, (
                    "left out of training: not structured text (no `@ list <name> =` or "
                    "`@ speech:phoneticlexicon` declaration, and no `#Section` heading "
                    "followed by `- ` sentences, in its first MiB); if it is training "
                    "data, write it in that format (Learn: \"Training and testing datasets\", "
                    "structured text), else move it out of the training folder"),
                    level="notice"))
    if not kept and not dataset.problems:
        return None, tuple(notes)
    return replace(dataset, files=tuple(kept)), tuple(notes)


def _looks_structured(reader: DataReader, data_file: DataFile) -> bool:
    try:
        with reader.open(data_file) as stream:
            head = stream.read(CHUNK_SIZE)
    except UnreadableFileError:
        return True  # validation says why it cannot be read
    lines = [line.strip() for line in
             head.removeprefix(UTF8_BOM).decode("utf-8", "replace").splitlines()]
    content = [line for line in lines if line and not line.startswith("//")]
    if any(_DECLARATION.match(line) for line in content):
        return True
    return any(_SECTION.fullmatch(line) and _ITEM.match(after)
               for line, after in pairwise(content))


def split_for_locale(dataset: TrainingDataSet | None,
                     locale: str | None) -> list[TrainingDataSet | None]:
    """Related text as one dataset, or for Japanese and Korean one dataset per file, named
    by the file (its `root`), each held to `Limits.max_split_language_lines` lines."""
    language = (locale or "").split("-")[0].casefold()
    if dataset is None or language not in SPLIT_LANGUAGES:
        return [dataset]
    most = Limits.max_split_language_lines
    split: list[TrainingDataSet | None] = [
        replace(dataset, root=f.display, files=(f,), problems=(), max_lines=most)
        for f in dataset.files]
    if dataset.problems:
        split.append(replace(dataset, files=(), max_lines=most))
    return split
