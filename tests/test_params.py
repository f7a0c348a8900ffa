"""Parameter parsing and validation, before any kernel starts."""

import os
import resource
import subprocess
import sys

import pytest

from perumig import errors, paths
from perumig.pipeline import params, runner
from perumig.errors import ParameterError

FLOWS = runner.section("flows")


def check(**given):
    return runner.validated_parameters(FLOWS, given)


def test_defaults_are_read_from_the_notebook():
    declared = params.declared(FLOWS.path)
    assert list(declared) == ["country", "ims_revision", "start_year", "end_year", "top_n_origins"]
    assert declared["country"].default == "PER" and declared["ims_revision"].default == 2020
    assert "ISO3" in declared["country"].help


def test_values_are_coerced_to_the_defaults_type():
    resolved = check(country="col", ims_revision="2024", start_year="2000", end_year="2024")
    assert resolved == {"country": "COL", "ims_revision": 2024, "start_year": 2000, "end_year": 2024, "top_n_origins": 6}


@pytest.mark.parametrize(
    "given, message",
    [
        ({"contry": "COL"}, "unknown parameter 'contry'"),
        ({"start_year": "abc"}, "start_year: expected int"),
        ({"start_year": 1.5}, "start_year: expected int"),
        ({"country": "XYZ"}, "country: 'XYZ' is not an ISO3 code"),
        ({"ims_revision": "2019"}, "ims_revision: 2019 is not one of 2020, 2024"),
        ({"end_year": "2024"}, "end_year: 2024 is outside the years of UN DESA IMS 2020"),
        ({"start_year": "1980"}, "start_year: 1980 is outside"),
        ({"start_year": "2020", "end_year": "2015"}, "must be before end_year"),
        ({"top_n_origins": "0"}, "top_n_origins: 0 is outside 1-15"),
    ],
)
def test_bad_parameters_give_one_line(given, message):
    with pytest.raises(ParameterError) as error:
        check(**given)
    assert message in str(error.value)
    assert "\n" not in str(error.value)


def test_assignment_and_yaml_file(tmp_path):
    assert params.parse_assignment("country=COL") == ("country", "COL")
    with pytest.raises(ParameterError, match="name=value"):
        params.parse_assignment("country")
    file = tmp_path / "p.yaml"
    file.write_text("country: ECU\nims_revision: 2024\nend_year: 2024\n")
    assert check(**params.read_file(str(file)))["end_year"] == 2024
    (tmp_path / "bad.yaml").write_text("- a list\n")
    with pytest.raises(ParameterError, match="name: value"):
        params.read_file(str(tmp_path / "bad.yaml"))
    with pytest.raises(ParameterError, match="does not exist"):
        params.read_file(str(tmp_path / "missing.yaml"))


def test_list_and_bool_coercion():
    as_list = params.Parameter("peers", ["COL"], "")
    assert params.coerce(as_list, "COL, CHL") == ["COL", "CHL"]
    assert params.coerce(as_list, ["ECU"]) == ["ECU"]
    flag = params.Parameter("flag", False, "")
    assert params.coerce(flag, "true") is True
    with pytest.raises(ParameterError):
        params.coerce(flag, "yes")


def test_destination_folders():
    defaults = check()
    target, changed = runner.destination(FLOWS, defaults)
    assert target.name == "flows" and changed == {}
    target, changed = runner.destination(FLOWS, check(country="COL", ims_revision="2024", end_year="2024"))
    assert target.parent.name == "runs" and target.name == "flows-country-COL_end_year-2024_ims_revision-2024"


def test_unknown_section():
    with pytest.raises(ParameterError, match="unknown section 'flow'"):
        runner.section("flow")


@pytest.mark.parametrize("section", list(runner.SECTIONS.values()), ids=lambda s: s.id)
def test_declared_parameters_agree_with_papermill(section):
    """The fast reader of the parameters cell gives what papermill itself would inject against."""
    import ast

    import papermill

    inspected = papermill.inspect_notebook(str(section.path))
    declared = params.declared(section.path)
    assert list(declared) == list(inspected)
    for name, parameter in declared.items():
        assert parameter.default == ast.literal_eval(inspected[name]["default"])
        assert parameter.help == inspected[name]["help"].strip()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"1: 2\ncountry: PER\n", "each name a word"),
        (b"\xff\xfe not text", "cannot be read as UTF-8 text"),
        (b"start_year: " + b"9" * 5000 + b"\n", "is not valid YAML"),
        (b"start_year: " + b"9" * 40 + b"\n", "start_year: expected int"),
        (b"tolerance_scale: " + b"9" * 400 + b"\n", "tolerance_scale: expected float"),
    ],
    ids=["number-as-name", "not-utf8", "unreadable-int", "huge-int", "float-overflow"],
)
def test_parameter_files_found_by_fuzzing_give_one_line(tmp_path, content, message, capsys):
    """Inputs on which hypothesis once found a traceback (tests/test_fuzz.py), kept as regressions."""
    from perumig.pipeline import cli

    parameters = tmp_path / "parameters.yaml"
    parameters.write_bytes(content)
    section = "reproduction_report" if b"tolerance_scale" in content else "flows"
    assert cli.main(["run", section, "-f", str(parameters)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("perumig: error:") and message in line


def test_a_name_given_twice_is_refused(tmp_path, capsys):
    """YAML keeps the last of two values without a word; a run would quietly use the other country."""
    from perumig.pipeline import cli

    parameters = tmp_path / "parameters.yaml"
    parameters.write_text("country: COL\nend_year: 2020\ncountry: ECU\n")
    assert cli.main(["run", "flows", "-f", str(parameters)]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert line.endswith("gives 'country' twice (lines 1 and 3); keep one"), line
    parameters.write_text("<<: {country: COL}\ncountry: PER\n")
    assert cli.main(["run", "flows", "-f", str(parameters)]) == 2
    assert "uses a YAML merge key (<<, line 1)" in capsys.readouterr().err
    assert cli.main(["run", "flows", "-p", "country=COL", "-p", "country=PER"]) == 2
    assert "-p country is given 2 times; give each parameter once" in capsys.readouterr().err


def test_line_breaks_typed_by_the_user_stay_on_one_line(capsys):
    from perumig.pipeline import cli

    assert cli.main(["run", "\n"]) == 2 and cli.main(["run", "flows", "-p", "a\nb"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 2


def test_long_parameter_values_give_a_bounded_folder_name():
    """53 peers (any valid list) must give a folder name the file system accepts, and distinct lists distinct names."""
    from perumig.data import places

    codes = places.known_iso3()
    first = runner.slug({"peers": codes[:53], "country": "PER"})
    second = runner.slug({"peers": codes[1:54], "country": "PER"})
    assert len(first) <= runner.SLUG_LIMIT and len(second) <= runner.SLUG_LIMIT
    assert first != second and first.startswith("country-PER_peers-")
    assert runner.slug({"country": "COL"}) == "country-COL"


def alias_bomb() -> bytes:
    """Nine levels of nine aliases: 387 million values written out ("billion laughs")."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]" for level in range(1, 10)]
    return "\n".join([*lines, "peers: *a9", ""]).encode()


def run_bounded(*arguments: str) -> subprocess.CompletedProcess:
    """`perumig ARGUMENTS` in a process limited to 2 GiB of memory and a minute.

    The limits protect the machine when the bounds under test are missing: the alias bomb then grew
    to 2.7 GB, and `-f /dev/zero` reads until memory runs out.
    """
    def limit_memory():
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    return subprocess.run([sys.executable, "-m", "perumig", *arguments], capture_output=True, text=True,
                          timeout=60, preexec_fn=limit_memory, cwd=paths.ROOT)


def hostile_file(tmp_path, kind: str) -> str:
    if kind in ("/dev/zero", "/dev/urandom"):
        return kind
    target = tmp_path / f"{kind}.yaml"
    if kind == "alias-bomb":
        target.write_bytes(alias_bomb())
    elif kind == "huge-but-valid":  # valid YAML whose one parameter is wrong, so that no run starts
        target.write_text("country: XYZ\n" + "# a comment line of padding\n" * 10_000)
    elif kind == "deeply-nested":
        target.write_text("peers: " + "[" * 50 + "COL" + "]" * 50 + "\n")
    elif kind == "nul-bytes":
        target.write_bytes(b"country: PER\x00\n")
    elif kind == "directory":
        target.mkdir()
    elif kind == "named-pipe-without-writer":
        os.mkfifo(target)
    return str(target)


@pytest.mark.parametrize(
    "kind, message",
    [
        ("alias-bomb", "uses a YAML alias (*a0, line 2); write each value out in full"),
        ("/dev/zero", "contains NUL bytes"),
        ("/dev/urandom", "contains NUL bytes"),
        ("huge-but-valid", f"is larger than {params.MAX_FILE_BYTES // 1024} KiB"),
        ("deeply-nested", f"nests values more than {params.MAX_NESTING} levels deep"),
        ("nul-bytes", "contains NUL bytes"),
        ("directory", "cannot be read (Is a directory)"),
        ("named-pipe-without-writer", "must hold name: value pairs"),  # read as empty instead of waiting
    ],
)
def test_hostile_parameter_files_are_refused_in_one_line(tmp_path, kind, message):
    result = run_bounded("run", "government_response", "-f", hostile_file(tmp_path, kind))
    assert result.returncode == 2, result.stderr[-2000:]
    (line,) = result.stderr.splitlines()
    assert line.startswith("perumig: error: parameter file") and message in line, line


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "1e400", float("inf"), float("nan")])
def test_tolerance_scale_must_be_finite(value):
    with pytest.raises(ParameterError, match=r"tolerance_scale: .* is not a finite number; give a number such as 1.0"):
        runner.validated_parameters(runner.section("reproduction_report"), {"tolerance_scale": value})


@pytest.mark.parametrize("section", list(runner.SECTIONS.values()), ids=lambda s: s.id)
def test_no_float_parameter_takes_a_non_finite_value(section):
    """Checked where values are typed, so that a float parameter added later is covered too."""
    for parameter in params.declared(section.path).values():
        if isinstance(parameter.default, float):
            for value in ("inf", "nan", "-Infinity", "1e999", float("inf"), float("nan")):
                with pytest.raises(ParameterError, match="is not a finite number"):
                    params.coerce(parameter, value)


@pytest.mark.parametrize(
    "given, fragment",
    [
        ({"country": "A" * 100_000}, "country: the value is longer than 2000 characters"),
        ({"peers": ["COL"] * 1000}, "peers: the value is longer than 2000 characters"),
        ({"peers": "COL," * 1000}, "peers: the value is longer than 2000 characters"),
        ({"peers": ["COL", "A" * 100_000]}, "peers: the value is longer than 2000 characters"),
        ({"contry" * 20_000: "PER"}, "unknown parameter 'contry"),
    ],
    ids=["long-string", "long-list", "long-list-as-text", "long-item", "long-unknown-name"],
)
def test_long_values_give_a_short_message(given, fragment):
    with pytest.raises(ParameterError) as error:
        runner.validated_parameters(runner.section("government_response"), given)
    assert fragment in str(error.value) and len(str(error.value)) < 300, str(error.value)[:300]


def test_values_are_cut_before_they_are_shown():
    """A message quotes a few items of a huge value, without writing the value out first."""
    nested = ["x"] * 9
    for _ in range(9):
        nested = [nested] * 9  # 9**10 values written out: what the alias bomb builds
    quoted = errors.shown(nested)
    assert quoted.startswith("[[[") and len(quoted) <= 63
    assert errors.shown("A" * 10**8).startswith("'AAA") and len(errors.shown("A" * 10**8)) <= 63
    assert errors.shown(10**5000) == "a number too long to show"
    with pytest.raises(ParameterError, match="longer than 2000 characters"):
        params.coerce(params.Parameter("peers", ["COL"], ""), nested)
