"""Property-based fuzzing of `perumig run`'s parameters (hypothesis).

The property: whatever a user types after `perumig run` (a section, `-p NAME=VALUE` items, a `-f`
YAML file), the command never shows a Python traceback. It either runs, with exit code 0, or refuses
with exit code 2 and exactly one line on stderr that starts with "perumig: error:". The only other
refusal allowed is argparse's own, when an argument looks like an option or the section is missing:
exit code 2 with its usage and an error line.

Three properties: any text as the section; `-p` items for a real section (mostly values of each
parameter's own type, in or out of range, plus at most one wild item); a `-f` file of any YAML
(aliases included), text, encoding or bytes. No notebook runs: the forked worker is replaced by a stub
that reports success at once, so a combination of parameters that happens to be valid "runs" in a few milliseconds and publishes nothing.
"""

import functools
import io
import re
import tempfile
from contextlib import ExitStack, redirect_stderr, redirect_stdout
from pathlib import Path
from unittest import mock

import pytest
import yaml
from hypothesis import Phase, event, given, settings
from hypothesis import strategies as st

from perumig import paths
from perumig.pipeline import cli, params, runner

SECTION_IDS = list(runner.SECTIONS)
DECLARED = {section_id: params.declared(section.path) for section_id, section in runner.SECTIONS.items()}
# A name shared by sections (country, start_year, end_year) has the same type in each.
EVERY_PARAMETER = {name: parameter for declared in DECLARED.values() for name, parameter in declared.items()}
EVERY_NAME = sorted(EVERY_PARAMETER)

# derandomize: the examples are a fixed function of the test, so CI runs the same ones every time
# and a failure is reproducible; so no example database either (database=None). 300 examples per
# property keep the file within about half a minute on 2 cores. No explain phase: on a failure it
# adds half a minute and little beyond the shrunk example.
FUZZ_SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, database=None,
                         phases=[phase for phase in Phase if phase is not Phase.explain])


def stub_worker(job, folder, runtime, progress, connection, warm, parent, inherited, fork_server):
    """Stands in for runner._worker in the forked process: reports a run at once, starts no kernel.

    A warm worker (the reproduction report of `run all`, which waits for the other sections) first
    waits for the parent's "go" or "stop", as the real one does; answering earlier would close the
    pipe the parent still writes to.
    """
    for other in inherited:
        other.close()
    if not warm or connection.recv() == "go":
        connection.send(runner.Result("ran"))
    connection.close()


def never_current(job):
    return False


@pytest.fixture(scope="module")
def output_folder():
    """Where runs publish; the runner patched so that no notebook runs.

    Patched with unittest.mock for the whole module rather than with pytest's function-scoped
    monkeypatch, which hypothesis would not reset between examples.
    """
    with tempfile.TemporaryDirectory(prefix="perumig-fuzz-") as scratch, ExitStack() as patches:
        patches.enter_context(mock.patch.object(runner, "_worker", stub_worker))
        # No kernel starts, so no fork server either.
        patches.enter_context(mock.patch("perumig.pipeline.kernels.enabled", lambda: False))
        # Nothing is published, so that every example finds the output folder as new.
        patches.enter_context(mock.patch.object(runner, "_publish", lambda job, folder: None))
        # A run found current is skipped without the section's own checks; every fuzzed run must meet them.
        patches.enter_context(mock.patch.object(runner.Job, "is_current", never_current))
        # The stub needs no papermill, whose import costs seconds.
        patches.enter_context(mock.patch.object(runner, "import_execution_stack", lambda: None))
        # A private lock: a real `perumig run` elsewhere in the repository would otherwise make the
        # fuzzed runs wait and print a "waiting for" line.
        patches.enter_context(mock.patch.object(paths, "LOCK", Path(scratch) / "perumig.lock"))
        yield Path(scratch) / "published"


def weighted(*choices):
    """Like st.one_of, with weights: (weight, strategy) pairs."""
    table = [strategy for weight, strategy in choices for _ in range(weight)]
    return st.integers(0, len(table) - 1).flatmap(table.__getitem__)


# Values: anything a user may type. Most examples set the section's own parameters to values of
# their own type, in or out of range, so that they pass the type checks and reach the section's own
# rules; at most one wild item (a wrong type, an unknown name, a malformed item) comes on top.
REAL_ISO3 = st.sampled_from(["PER", "COL", "CHL", "ECU", "BRA", "ARG", "MEX", "DOM", "VEN", "ESP", "USA", "per"])
ISO3_LIKE = st.from_regex(r"[A-Za-z]{3}", fullmatch=True)
YEARS = st.integers(1980, 2030)
# Beyond float range, up to the 4300 digits Python converts between int and text.
HUGE_INTEGERS = st.builds(lambda sign, digits: sign * (10**digits - 1), st.sampled_from([1, -1]),
                          st.integers(309, 4300))
# Longer still as text, which int() refuses past 4300 digits.
LONG_NUMBER_TEXTS = st.builds(lambda sign, digits: sign + "9" * digits, st.sampled_from(["", "-"]),
                              st.integers(309, 5000))
# Any unicode text, with the characters that give a command line its structure (separators, quotes,
# a leading dash, whitespace) made common, and line breaks most of all, since a message must stay on
# one line: st.text() alone seldom draws them.
STRUCTURAL = st.sampled_from(["", " ", "\t", ",", "=", "-", "'", '"'])
LINE_BREAKS = st.sampled_from(["\n", "\r\n"])
TEXT = st.lists(st.one_of(st.text(max_size=4), STRUCTURAL, LINE_BREAKS), max_size=5).map("".join)
KNOWN_WORDS = st.sampled_from(
    ["2020", "2024", "unemployment", "gdp_per_capita_growth", "true", "nan", "inf", "-inf", "1e400", "1_000", "0", ""]
)
IDENTIFIERS = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]*", fullmatch=True)


def own_type_values(parameter):
    """Values of the parameter's type (the type of its default), valid or not."""
    return {
        str: st.one_of(REAL_ISO3, ISO3_LIKE, KNOWN_WORDS, TEXT),
        int: st.one_of(st.sampled_from([2020, 2024, 0, 1, 15, 16]), YEARS, st.integers(), HUGE_INTEGERS),
        float: st.one_of(st.floats(), st.integers(), HUGE_INTEGERS),
        list: st.lists(st.one_of(REAL_ISO3, ISO3_LIKE, TEXT), max_size=6),
    }[type(parameter.default)]


def as_text(value):
    """How a value is typed after `-p name=`: lists comma-separated."""
    return ",".join(value) if isinstance(value, list) else str(value)


ANY_VALUE_TEXT = st.one_of(TEXT, KNOWN_WORDS, st.floats().map(str), LONG_NUMBER_TEXTS,
                           *(own_type_values(parameter).map(as_text) for parameter in EVERY_PARAMETER.values()))


def assignments(names, values):
    return st.builds("{}={}".format, names, values)


def typed_items(section_id, max_size):
    """`-p` items setting some of the section's parameters to values of their type."""
    declared = DECLARED.get(section_id, EVERY_PARAMETER)
    return st.lists(st.one_of(*(assignments(st.just(name), own_type_values(parameter).map(as_text))
                                for name, parameter in declared.items())), max_size=max_size)


def wild_items(section_id):
    """No `-p` item or one of: a value of any type, another name, no '=', no name."""
    return st.lists(st.one_of(
        assignments(st.sampled_from(list(DECLARED.get(section_id, EVERY_PARAMETER))), ANY_VALUE_TEXT),
        assignments(st.one_of(st.sampled_from(EVERY_NAME), IDENTIFIERS, TEXT), ANY_VALUE_TEXT),
        TEXT.map(lambda text: text.replace("=", "")),
        ANY_VALUE_TEXT.map(" ={}".format),
    ), max_size=1)


# `run all` takes no parameters: a few examples check that it says so.
SECTIONS = weighted((8, st.sampled_from(SECTION_IDS)), (1, st.just("all")))

# YAML documents for -f: mostly mappings of the section's parameters to values of their type or any
# YAML value, at times with other keys (of any YAML type); other YAML documents (not mappings); any text.
YAML_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), HUGE_INTEGERS, st.floats(), ANY_VALUE_TEXT)
# Scalars drawn on their own too: st.recursive alone mostly draws collections.
YAML_VALUES = YAML_SCALARS | st.recursive(
    YAML_SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=3),
    max_leaves=8,
)
YAML_KEYS = st.one_of(st.sampled_from(EVERY_NAME), IDENTIFIERS, TEXT, st.integers(), st.none(), st.booleans(),
                      st.floats())
# Nesting deeper than random documents ever are: a parser may recurse once per level.
DEEP_NESTING = st.builds(lambda opener, depth: opener * depth + "x", st.sampled_from(["[", "{a: ", "- "]),
                         st.integers(1, 2000))
# sort_keys=False: keys of mixed types cannot be sorted.
dump_yaml = functools.partial(yaml.safe_dump, sort_keys=False, allow_unicode=True)


def shared_values(names):
    """A mapping whose value holds one list several times: PyYAML writes it once with an anchor (&id001)
    and then as aliases (*id001), the ingredient of an alias bomb."""
    return st.builds(lambda name, shared, times: {name: [shared] * times},
                     names, st.lists(YAML_SCALARS, min_size=1, max_size=3), st.integers(2, 4))


def parameter_files(section_id):
    """YAML text for the section's `-f` file."""
    declared = DECLARED.get(section_id, EVERY_PARAMETER)
    own = st.fixed_dictionaries({}, optional={
        name: weighted((3, own_type_values(parameter)), (1, YAML_VALUES)) for name, parameter in declared.items()
    })
    others = weighted((1, st.just({})), (1, st.dictionaries(YAML_KEYS, YAML_VALUES, max_size=3)))
    mappings = st.builds(lambda own, others: {**own, **others}, own, others)
    aliased = shared_values(st.sampled_from(list(declared)))
    return weighted((4, mappings.map(dump_yaml)), (1, YAML_VALUES.map(dump_yaml)), (1, TEXT), (1, DEEP_NESTING),
                    (1, aliased.map(dump_yaml)))


# A parameter file saved by an editor that does not write UTF-8 is as likely as any YAML mistake; now and
# then the file is not text at all (any bytes, NUL bytes among them).
FILE_ENCODINGS = weighted((4, st.just("utf-8")), (1, st.sampled_from(["utf-8-sig", "latin-1", "utf-16"])))

ARGPARSE_ERROR = re.compile(r"^perumig( run)?: error: ", re.MULTILINE)


def with_p_options(items):
    return [argument for item in items for argument in ("-p", item)]


def assert_one_line_or_a_run(argv):
    """Run `perumig ARGV` in-process; exit 0 after a run, or exit 2 with one line: never a traceback."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with redirect_stdout(stdout), redirect_stderr(stderr):
        try:
            code = cli.main(argv)
            refused_by_argparse = False
        except SystemExit as exit_:
            code, refused_by_argparse = exit_.code, True
    out, err = stdout.getvalue(), stderr.getvalue()
    shown = f"argv={argv!r}\nexit code {code}\nstdout:\n{out}\nstderr:\n{err}"
    assert "Traceback" not in out + err, shown
    if refused_by_argparse:
        event(f"argparse exit {code}")
        if code == 0:  # a section drawn as -h or a prefix of --help asks for the help
            assert out.startswith("usage: perumig run") and not err, shown
        else:  # argparse's own message, from the `run` parser or the top one: usage (one or more lines), error line
            assert code == 2 and err.startswith("usage: perumig") and ARGPARSE_ERROR.search(err), shown
    elif code == 0:
        event("exit 0 (valid parameters)")
        ran = err.splitlines()
        assert ran and all(line.startswith("perumig: ran ") for line in ran), shown
        assert [line.split(" ", 1)[0] for line in out.splitlines()] == ["published"] * len(ran), shown
    else:
        event(f"exit {code}")
        assert code == 2, shown
        assert err.startswith("perumig: error: ") and err.count("\n") == 1 and err.endswith("\n"), shown


@FUZZ_SETTINGS
@given(section=TEXT)
def test_any_section_gives_a_run_or_one_line(output_folder, section):
    assert_one_line_or_a_run(["run", section, "--output", str(output_folder), "--no-progress"])


@FUZZ_SETTINGS
@given(data=st.data())
def test_p_parameters_give_a_run_or_one_line(output_folder, data):
    section = data.draw(SECTIONS, label="section")
    items = data.draw(typed_items(section, max_size=4), label="-p items")
    items += data.draw(wild_items(section), label="wild -p item")
    assert_one_line_or_a_run(["run", section, *with_p_options(items), "--output", str(output_folder), "--no-progress"])


@FUZZ_SETTINGS
@given(data=st.data())
def test_parameter_file_gives_a_run_or_one_line(output_folder, data):
    section = data.draw(SECTIONS, label="section")
    document = data.draw(parameter_files(section), label="file content")
    encoding = data.draw(FILE_ENCODINGS, label="file encoding")
    content = data.draw(weighted((8, st.just(document.encode(encoding, errors="replace"))), (1, st.binary())),
                        label="file bytes")
    items = data.draw(typed_items(section, max_size=1), label="-p items")
    parameter_file = output_folder.parent / "parameters.yaml"
    parameter_file.write_bytes(content)
    assert_one_line_or_a_run(["run", section, "-f", str(parameter_file), *with_p_options(items),
                              "--output", str(output_folder), "--no-progress"])
