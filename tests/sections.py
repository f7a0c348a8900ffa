"""Small stand-in sections for runner tests: real notebooks run by the real runner, in seconds."""

import shutil

import nbformat
import pytest

from perumig import paths, publish
from perumig.pipeline import kernels, runner

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


@pytest.fixture(scope="module")
def shared_fork_server():
    """One kernel fork server for all the in-process runs of a module.

    The runner starts a server for each `execute` and stops it at the end; its imports cost about 1.2 s before
    the first kernel, most of a stand-in run. A module that runs many checks the runner's decisions (what
    reruns, what is skipped), not the server's life, which the command-line tests cover. Kernels still get
    each job's own environment with every fork.
    """
    if not kernels.enabled():
        yield
        return
    folder = publish.new_kernel_runtime()
    environment = {"PYTHONHASHSEED": "0", "PERUMIG_ROOT": str(paths.ROOT), **runner.KERNEL_THREADS}
    server = kernels.ForkServer(kernels.notebook_imports(), environment, folder)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner.LocalBackend, "_kernel_server", lambda backend, job: server)
        yield server
    server.close()
    shutil.rmtree(folder, ignore_errors=True)
