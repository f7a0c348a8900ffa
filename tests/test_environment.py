"""Environment files: the lock, environment.yml (Binder) and the CI entry point agree."""

import re
import subprocess
import sys
from pathlib import Path

import yaml

from perumig import paths


def _lock() -> dict[str, str]:
    pins = {}
    for line in (paths.ROOT / "requirements" / "lock.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower()] = version
    return pins


def test_lock_pins_exact_versions_of_the_core_packages():
    pins = _lock()
    for package in ("pandas", "seaborn", "statsmodels", "papermill", "nbval", "jupyterlab", "pooch", "pandera",
                    "frictionless", "matplotlib", "pytest"):
        assert re.fullmatch(r"[0-9][0-9A-Za-z.+-]*", pins[package]), package


def test_environment_yml_pins_what_the_lock_pins():
    environment = yaml.safe_load((paths.ROOT / "environment.yml").read_text())
    assert environment["channels"] == ["conda-forge"]
    assert "python=3.11" in environment["dependencies"]
    pip_section = next(d["pip"] for d in environment["dependencies"] if isinstance(d, dict))
    pinned = dict(item.lower().split("==") for item in pip_section if "==" in item)
    assert pinned == _lock(), "regenerate environment.yml's pip section from requirements/lock.txt"
    assert "-e ." in pip_section


def test_ci_calls_the_readme_test_command():
    readme = (paths.ROOT / "README.md").read_text()
    ci = (paths.ROOT / ".ci" / "run").read_text()
    assert "make test" in readme and "make reproduce" in readme
    assert "make test" in ci


def test_binder_conventions():
    """repo2docker reads the root environment.yml; nothing else may take precedence or be missing."""
    root = paths.ROOT
    assert (root / "environment.yml").is_file()
    # repo2docker prefers a binder/ or .binder/ folder, and would also act on these files if present
    for competing in ("binder", ".binder", "requirements.txt", "Pipfile", "setup.py", "runtime.txt", "apt.txt"):
        assert not (root / competing).exists(), competing
    post_build = root / "postBuild"
    assert not post_build.exists() or post_build.stat().st_mode & 0o111, "postBuild must be executable"
    environment = yaml.safe_load((root / "environment.yml").read_text())
    assert environment["channels"] == ["conda-forge"]
    assert "jupyterlab" in _lock(), "Binder opens JupyterLab"
    readme = (root / "README.md").read_text()
    badge = re.search(r"\(https://mybinder\.org/v2/gh/[^)\s]+\)", readme)
    assert badge and "urlpath=lab/tree/notebooks" in badge.group(0)


def test_commands_skip_a_parser_that_no_schema_they_validate_needs():
    """The perumig command marks rfc3987_syntax absent (entry.UNUSED_SLOW_IMPORTS): jsonschema then leaves the
    formats "iri" and "iri-reference" unchecked, and no schema of nbformat (papermill, myst-nb) or frictionless
    uses them."""
    import frictionless
    import nbformat

    for package in (nbformat, frictionless):
        schemas = list(Path(package.__file__).parent.rglob("*.json"))
        assert schemas, package.__name__
        assert [p for p in schemas if re.search(r'"format"\s*:\s*"iri', p.read_text(errors="replace"))] == []
    probe = ("import sys\nfrom perumig.pipeline import entry\nentry.main(['list'])\nimport papermill\n"
             "print('loaded' if sys.modules.get('rfc3987_syntax') else 'skipped')")
    ran = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert ran.stdout.splitlines()[-1] == "skipped"
