"""Parameter parsing and validation, before any kernel starts."""

import pytest

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
