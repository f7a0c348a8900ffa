"""Small stand-in sections for runner tests: real notebooks run by the real runner, in seconds."""

import nbformat

from perumig import paths
from perumig.pipeline import runner

KERNELSPEC = {"name": "python3", "display_name": "Python 3", "language": "python"}

# Reads an upstream values.json as data (like the reproduction report), so a data change can be simulated.
DOUBLER = '''from perumig import paths
from perumig.data import tables
from perumig.present.report import SectionReport

report = SectionReport("doubler")
upstream = tables.read_json(paths.section_reports() / "upstream" / "values.json")
report.value("doubled", upstream["x"] * 2 * scale, "upstream/values.json")
report.finish()
print(report.values)'''


def install(tmp_path, monkeypatch, section_id: str, code: str, parameters: str = "scale = 1", **options):
    """Write a notebook into a private notebooks/ folder and register it as a section."""
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir(exist_ok=True)
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(code),
    ], metadata={"kernelspec": KERNELSPEC})
    nbformat.write(notebook, notebooks / f"{section_id}.ipynb")
    monkeypatch.setattr(paths, "NOTEBOOKS", notebooks)
    monkeypatch.setattr(paths, "FAILED_RUNS", tmp_path / "failed")
    monkeypatch.setitem(runner.SECTIONS, section_id,
                        runner.Section(section_id, f"{section_id}.ipynb", section_id, "data.places", **options))
    monkeypatch.setattr("perumig.data.places.check_parameters", lambda resolved: None, raising=False)
    return notebooks / f"{section_id}.ipynb"
