"""`speech.yml`'s `test-sets` (PRODUCT.md, "Test sets"): the first set gates with
`min-improvement`, every other set guards against regressions with its `max-regression`.

Pinned here: the sets reach `Config.data` (`testing` is the gating set's path), the
defaults, every refusal with its file and line (all at once), the refusal of `test-sets`
with a given `testing-data` in the words of each door, and that a repository without
`test-sets` is unchanged.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from speech_action.config import (
    Config,
    ConfigError,
    ConfigErrors,
    ConfigFileError,
    Hints,
    load_config,
)
from speech_action.data.layout import DataLayout, TestSetSpec
from speech_action.records.models import MAX_TEST_SETS
from speech_action.scoring.guard import MaxRegression

HEAD = "mode: train-and-gate\nspeech-endpoint: local\n"  # lines 1 and 2
TWO_SETS = """\
test-sets:
  - name: domain
    path: testing_data
  - name: general
    path: general_testing_data
    max-regression: 0.5
"""
TERMINAL = Hints(cli=True, actions=False)


def load(workspace: Path, body: str, inputs: dict[str, str] | None = None,
         hints: Hints | None = None) -> Config:
    (workspace / "speech.yml").write_text(HEAD + body, encoding="utf-8")
    if hints is None:
        return load_config(inputs or {}, workspace=workspace)
    return load_config(inputs or {}, workspace=workspace, hints=hints)


def problems(workspace: Path, body: str, inputs: dict[str, str] | None = None,
             hints: Hints | None = None) -> list[ConfigError]:
    with pytest.raises(ConfigError) as caught:
        load(workspace, body, inputs, hints)
    error = caught.value
    return error.errors if isinstance(error, ConfigErrors) else [error]


def problem(workspace: Path, body: str, inputs: dict[str, str] | None = None,
            hints: Hints | None = None) -> ConfigError:
    [only] = problems(workspace, body, inputs, hints)
    assert only.input_name == "config"
    return only


def at(error: ConfigError) -> tuple[str, int | None]:
    """The file and line an annotation of `error` points at."""
    assert isinstance(error, ConfigFileError)
    return error.file, error.line


def test_the_sets_reach_the_data_layout_gating_first(tmp_path: Path) -> None:
    ws = tmp_path.resolve()
    config = load(tmp_path, TWO_SETS + "  - name: Accents.v2_x\n    path: data/acc.zip\n"
                  "    max-regression: 5%\n")
    assert config.data.test_sets == (
        TestSetSpec("domain", ws / "testing_data", None),
        TestSetSpec("general", ws / "general_testing_data", MaxRegression(0.5)),
        TestSetSpec("Accents.v2_x", ws / "data/acc.zip", MaxRegression(5.0, relative=True)),
    )
    assert config.data.test_sets[0].gating and not config.data.test_sets[1].gating
    assert config.data.test_set_specs() == config.data.test_sets
    # Code that knows one set reads the gating set.
    assert config.data.testing == ws / "testing_data" == config.testing_data


def test_the_gating_set_need_not_be_called_testing_data(tmp_path: Path) -> None:
    config = load(tmp_path, "test-sets:\n  - name: calls\n    path: data/calls\n")
    assert config.testing_data == tmp_path.resolve() / "data/calls"
    assert config.data.test_sets == (TestSetSpec("calls", tmp_path.resolve() / "data/calls"),)


@pytest.mark.parametrize("line", ["", "    max-regression:\n", "    max-regression: ''\n"])
def test_a_guard_set_without_max_regression_must_not_get_worse(tmp_path: Path,
                                                               line: str) -> None:
    config = load(tmp_path, "test-sets:\n  - name: a\n    path: a\n  - name: b\n    path: b\n"
                  + line)
    assert config.data.test_sets[1].max_regression == MaxRegression(0.0, relative=False)
    assert config.data.test_sets[0].max_regression is None


def test_max_test_sets_are_allowed(tmp_path: Path) -> None:
    body = "test-sets:\n" + "".join(f"  - {{name: s{n}, path: d{n}}}\n"
                                    for n in range(MAX_TEST_SETS))
    assert len(load(tmp_path, body).data.test_sets) == MAX_TEST_SETS


def test_keys_in_any_order_and_flow_style(tmp_path: Path) -> None:
    config = load(tmp_path, "test-sets: [{path: a, name: a}, {max-regression: '1', path: b, "
                  "name: b}]\n")
    assert [spec.name for spec in config.data.test_sets] == ["a", "b"]
    assert config.data.test_sets[1].max_regression == MaxRegression(1.0)


def test_without_test_sets_nothing_changes(tmp_path: Path) -> None:
    with_file = load(tmp_path, "data:\n  testing: t\n")
    assert with_file.data.test_sets == ()
    assert with_file.data == DataLayout(testing=tmp_path.resolve() / "t",
                                        training=tmp_path.resolve() / "training_data")
    [one] = with_file.data.test_set_specs()
    assert one == TestSetSpec("t", tmp_path.resolve() / "t")
    without_file = load_config({"mode": "deploy", "speech-endpoint": "local"},
                               workspace=tmp_path / "empty")
    assert without_file.data.test_sets == ()
    assert without_file.testing_data == (tmp_path / "empty").resolve() / "testing_data"


# --- the list itself (read by config.file: one ConfigError for the file, input `config`) ---

@pytest.mark.parametrize("value", [" testing_data", " []", "", " {name: a, path: a}"])
def test_test_sets_must_be_a_non_empty_list(tmp_path: Path, value: str) -> None:
    error = problem(tmp_path, f"test-sets:{value}\n")
    assert str(error) == ("speech.yml line 3: `test-sets` needs a list of one or more sets, "
                          "each with `name` and `path` (`- name: domain`); the first set gates")


def test_more_than_max_test_sets_are_refused(tmp_path: Path) -> None:
    # A pull request controls the file: it must not make a run evaluate 1000 sets.
    body = "test-sets:\n" + "".join(f"  - {{name: s{n}, path: d{n}}}\n" for n in range(1000))
    error = problem(tmp_path, body)
    assert str(error) == (f"speech.yml line 3: `test-sets` lists 1000 sets; at most "
                          f"{MAX_TEST_SETS} are evaluated in a run: merge or drop some")


def test_an_entry_must_be_a_mapping(tmp_path: Path) -> None:
    error = problem(tmp_path, "test-sets:\n  - name: a\n    path: a\n  - testing_data\n")
    assert str(error) == ("speech.yml line 6: test set 2 must be a mapping with `name` and "
                          "`path` (and `max-regression` for a set after the first)")


def test_an_unknown_key_in_a_set_gets_did_you_mean(tmp_path: Path) -> None:
    error = problem(tmp_path, TWO_SETS + "    max_regression: 1\n")
    assert str(error) == ("speech.yml line 9: unknown test set key `max_regression` (did you "
                          "mean `max-regression`?); known: `name`, `path`, `max-regression`")


def test_a_key_twice_in_a_set_is_refused(tmp_path: Path) -> None:
    error = problem(tmp_path, "test-sets:\n  - name: a\n    path: a\n    path: b\n")
    assert str(error) == "speech.yml line 6: `path` is set twice; keep one"


def test_a_value_must_be_a_single_value(tmp_path: Path) -> None:
    error = problem(tmp_path, "test-sets:\n  - name: a\n    path: [a, b]\n")
    assert str(error) == ("speech.yml line 5: `path` must be a single value, not a list or a "
                          "mapping")


def test_a_misspelt_section_gets_did_you_mean(tmp_path: Path) -> None:
    error = problem(tmp_path, "test-set:\n  - name: a\n    path: a\n")
    assert str(error).startswith("speech.yml line 3: unknown setting `test-set` (did you mean "
                                 "`test-sets`?)")


def test_file_problems_in_several_sets_come_together(tmp_path: Path) -> None:
    error = problem(tmp_path, "test-sets:\n  - nme: a\n  - b\n  - {name: c, path: c, x: 1}\n")
    assert [line.split(":")[0] for line in str(error).splitlines()] == [
        "speech.yml line 4", "speech.yml line 5", "speech.yml line 6"]


def test_test_sets_is_no_input_or_flag(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config({"test-sets": "a"}, workspace=tmp_path)
    assert str(caught.value) == ("`test-sets` is no input: list the sets in the config file "
                                 "(`speech.yml`)")


# --- each set (checked by config.sets: ConfigFileErrors on their file and line) ---

def test_name_and_path_are_required(tmp_path: Path) -> None:
    [name, path] = problems(tmp_path, "test-sets:\n  - name: a\n    path: a\n"
                                      "  - path: b\n  - name: c\n")
    assert str(name) == ("test set 2 in speech.yml line 6: `name` is required: a short name for "
                         "the set, shown on the service, in the records and the summary")
    assert at(name) == ("speech.yml", 6)
    assert str(path) == ("test set `c` in speech.yml line 7: `path` is required: the folder (or "
                         ".zip) of the set's audio and transcript")
    assert at(path) == ("speech.yml", 7)


@pytest.mark.parametrize("name", ["two words", "-dash", ".hidden", "_x", "a/b", "ü", "x" * 41,
                                  "a`b"])
def test_a_name_must_fit_display_names(tmp_path: Path, name: str) -> None:
    error = problem(tmp_path, f"test-sets:\n  - name: '{name}'\n    path: a\n")
    assert str(error).startswith("`name` of test set `")
    assert str(error).endswith(
        f" in speech.yml line 4: `{name}` is not a test set name; "
        "use 1 to 40 letters, digits, `.`, `_` or `-`, starting with a letter or digit (it "
        "appears in display names on the service, in the records and the summary)")
    assert at(error) == ("speech.yml", 4)


def test_a_name_of_40_characters_is_fine(tmp_path: Path) -> None:
    name = "A" + "b.-_9" * 7 + "zzzz"
    assert len(name) == 40
    body = f"test-sets:\n  - name: {name}\n    path: a\n"
    assert load(tmp_path, body).data.test_sets[0].name == name


def test_names_are_unique_ignoring_case(tmp_path: Path) -> None:
    error = problem(tmp_path, "test-sets:\n  - name: Domain\n    path: a\n"
                              "  - name: domain\n    path: b\n")
    assert str(error) == ("`name` of test set `domain` in speech.yml line 6: `domain` is also "
                          "the name of test set `Domain` (line 4), ignoring case; give each set "
                          "its own name")
    assert at(error) == ("speech.yml", 6)


def test_two_sets_may_not_share_a_path_after_resolving(tmp_path: Path) -> None:
    error = problem(tmp_path, "test-sets:\n  - name: a\n    path: data/x\n"
                              "  - name: b\n    path: ./data/../data/x/\n")
    assert str(error) == ("`path` of test set `b` in speech.yml line 7: `./data/../data/x/` is "
                          "also the path of test set `a` (line 4); give each set its own path")
    assert at(error) == ("speech.yml", 7)


@pytest.mark.parametrize(("path", "message"), [
    ("../elsewhere", "`../elsewhere` resolves outside the workspace; give a path inside it"),
    (".git/objects", "`.git/objects` is inside `.git`, which the action never reads or "
                     "writes; give another folder of the workspace"),
])
def test_a_path_stays_inside_the_workspace_and_out_of_git(tmp_path: Path, path: str,
                                                          message: str) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    error = problem(workspace, f"test-sets:\n  - name: a\n    path: a\n  - name: b\n"
                               f"    path: {path}\n")
    assert str(error) == f"`path` of test set `b` in speech.yml line 7: {message}"
    assert at(error) == ("speech.yml", 7)


def test_the_gating_set_takes_no_max_regression(tmp_path: Path) -> None:
    error = problem(tmp_path, "test-sets:\n  - name: domain\n    path: a\n"
                              "    max-regression: 0.5\n")
    assert str(error) == (
        "`max-regression` of test set `domain` in speech.yml line 6: the first test set gates "
        "with `min-improvement`; `max-regression` is for the other sets (each may get worse "
        "by at most its own): remove it here, or put the set after the gating one")
    assert at(error) == ("speech.yml", 6)


@pytest.mark.parametrize("value", ["-1", "lots", "5 points", "0.5%%", "nan"])
def test_a_bad_max_regression_names_file_line_and_set(tmp_path: Path, value: str) -> None:
    error = problem(tmp_path, TWO_SETS.replace("0.5", f"'{value}'"))
    assert str(error) == (
        f"`max-regression` of test set `general` in speech.yml line 8: {value!r} is not a "
        "valid max-regression. Use WER points such as 0.5, a percentage of the set's "
        "benchmark WER such as 5%, or 0 (it must not get worse).")
    assert at(error) == ("speech.yml", 8)


def test_every_problem_of_the_sets_at_once(tmp_path: Path) -> None:
    errors = problems(tmp_path, """\
test-sets:
  - name: a
    path: a
    max-regression: 1
  - name: A
    path: ../b
  - name: c d
    path: a
    max-regression: x
""")
    assert [at(error) for error in errors] == [("speech.yml", line) for line in (6, 7, 8, 9, 10,
                                                                                  11)]
    assert all(error.input_name == "config" for error in errors)


def test_set_problems_come_with_the_other_settings_problems(tmp_path: Path) -> None:
    errors = problems(tmp_path, "locale: nope\ntest-sets:\n  - name: a b\n    path: a\n")
    assert [str(error).split(":")[0] for error in errors] == [
        "`locale` in speech.yml line 3", "`name` of test set `a b` in speech.yml line 5"]


# --- test-sets with a given testing-data: which set gates must never be ambiguous ---


def keep_one(named: str) -> str:
    return ("are both set; keep one: with `test-sets` the first set is the one that gates, "
            f"so remove {named} (or make its path the first set's), or remove `test-sets`")


@pytest.mark.parametrize(("given", "before", "named"), [
    ({"testing-data": "testing_data"}, "", "input `testing-data`"),
    ({}, "testing-data: testing_data\n", "`testing-data` in speech.yml line 3"),
    ({}, "data:\n  testing: t\n", "`data.testing` in speech.yml line 4"),
])
def test_test_sets_and_a_given_testing_data_are_refused(tmp_path: Path, given: dict[str, str],
                                                        before: str, named: str) -> None:
    # Even a testing-data equal to the gating set's path, or to the default, is refused:
    # given is given.
    error = problem(tmp_path, before + TWO_SETS, given)
    line = 3 + before.count("\n")
    assert str(error) == f"`test-sets` in speech.yml line {line} and {named} {keep_one(named)}"
    assert at(error) == ("speech.yml", line)


def test_on_the_command_line_the_flag_is_named(tmp_path: Path) -> None:
    error = problem(tmp_path, TWO_SETS, {"testing-data": "x"}, TERMINAL)
    assert str(error) == ("`test-sets` in speech.yml line 3 and `--testing-data` "
                          f"{keep_one('`--testing-data`')}")


def test_an_empty_testing_data_in_the_file_is_unset(tmp_path: Path) -> None:
    config = load(tmp_path, "testing-data:\n" + TWO_SETS)
    assert config.testing_data == tmp_path.resolve() / "testing_data"
    assert len(config.data.test_sets) == 2
