"""The `perumig` command as users run it: errors in one line with exit 2, runs for other countries."""

import json

import nbformat
import pytest
from conftest import run_cli

from perumig import paths
from perumig.data import tables
from perumig.pipeline import cli


@pytest.mark.parametrize(
    "arguments, fragment",
    [
        (["run", "flows", "-p", "country=XYZ"], "country: 'XYZ' is not an ISO3 code"),
        (["run", "flows", "-p", "start_year=abc"], "start_year: expected int"),
        (["run", "flows", "-p", "colour=red"], "unknown parameter 'colour'"),
        (["run", "flows", "-p", "end_year=2030"], "end_year: 2030 is outside"),
        (["run", "nowhere"], "unknown section 'nowhere'"),
        (["run", "flows", "-f", "missing.yaml"], "parameter file 'missing.yaml' does not exist"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(arguments, fragment, capsys):
    assert cli.main(arguments) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("perumig: error:") and fragment in lines[0]


def test_bad_parameter_from_the_shell_starts_no_kernel():
    """The real command, in a fresh process: one line on stderr, exit 2, no traceback, nothing published."""
    result = run_cli("run", "flows", "-p", "country=XYZ", "-p", "top_n_origins=3")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "perumig: error: country: 'XYZ' is not an ISO3 code of a country or area in UN DESA's list "
        "(e.g. PER, COL, CHL, ECU, ESP); see data/processed/undesa_locations.csv"
    ]
    assert not (paths.REPORT_RUNS / "flows-country-XYZ_top_n_origins-3").exists()


def test_list_shows_sections_and_parameters(capsys):
    assert cli.main(["list"]) == 0
    out = capsys.readouterr().out
    assert "flows:" in out and "top_n_origins (int, default 6)" in out


def test_bad_mirror_is_one_line(capsys):
    assert cli.main(["--data-mirror", "/nonexistent/mirror", "fetch"]) == 1
    assert "not a directory" in capsys.readouterr().err


def test_run_for_another_country_and_revision(tmp_path):
    """One command reruns Section 2 for Colombia with the 2024 revision; values come from UN DESA."""
    result = run_cli("run", "flows", "-p", "country=COL", "-p", "ims_revision=2024", "-p", "end_year=2024",
                     "--output", str(tmp_path / "col"), "--no-progress")
    assert result.returncode == 0, result.stderr
    out = tmp_path / "col"
    values = json.loads((out / "values.json").read_text())
    destination = tables.load("undesa_destination")
    colombia = destination[(destination["revision"] == 2024) & (destination["location_code"] == 170)].set_index("year")
    assert values["migrant_share_pct.COL.2024"] == pytest.approx(colombia.loc[2024, "migrant_share_pct"], abs=1e-6)
    assert values["migrant_share_pct.WORLD.2024"] > 0
    assert "venezuelans.UNHCR.COL.2019" in values
    for name in ("fig1_origins", "fig2_migrant_share", "venezuelans_by_source"):
        assert (out / "figures" / f"{name}.svg").is_file() and (out / "figures" / f"{name}.png").is_file()
        assert (out / "data" / f"{name}.csv").is_file()
    executed = nbformat.read(out / "01_migration_flows.ipynb", as_version=4)
    skipped = [o for c in executed.cells if c.cell_type == "code" for o in c.get("outputs", [])
               if "text/markdown" in o.get("data", {}) and "only for Peru" in o["data"]["text/markdown"]]
    assert skipped, "Peru-only parts must be skipped with a note"
    assert not any(o.get("output_type") == "error" for c in executed.cells for o in c.get("outputs", []))
