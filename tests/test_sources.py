"""The raw-source registry and fetching (always from the local mirror, never the network)."""

import hashlib
import re
import shutil
from pathlib import Path

import pytest

from perumig import paths
from perumig.data import sources
from perumig.errors import DataSourceError

REQUIRED = {"id", "path", "url", "mirrors", "sha256", "size", "licence", "citation", "description", "official_page", "provenance"}


def test_registry_entries_are_complete():
    registry = sources.registry()
    assert len(registry) >= 30
    for entry in registry.values():
        assert set(vars(entry)) == REQUIRED
        assert re.fullmatch(r"[0-9a-f]{64}", entry.sha256), entry.id
        assert entry.url.startswith("https://"), entry.id
        assert entry.licence and entry.citation and entry.provenance, entry.id


def test_mirror_matches_registry(data_mirror):
    """Every registered file is in the mirror with the registered size and checksum."""
    for entry in sources.registry().values():
        data = (data_mirror / entry.path).read_bytes()
        assert len(data) == entry.size, entry.path
        assert hashlib.sha256(data).hexdigest() == entry.sha256, entry.path


@pytest.fixture
def empty_raw(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "RAW", tmp_path / "raw")
    return tmp_path / "raw"


def test_fetch_copies_from_mirror_and_checks_hash(empty_raw, data_mirror):
    fetched = sources.fetch("unhcr_countries", data_mirror)
    assert fetched == empty_raw / "unhcr" / "countries.rda"
    assert hashlib.sha256(fetched.read_bytes()).hexdigest() == sources.source("unhcr_countries").sha256


def test_wrong_checksum_names_file_and_fix(empty_raw, tmp_path, data_mirror):
    corrupt_mirror = tmp_path / "mirror"
    (corrupt_mirror / "unhcr").mkdir(parents=True)
    original = (data_mirror / "unhcr" / "countries.rda").read_bytes()
    (corrupt_mirror / "unhcr" / "countries.rda").write_bytes(original[:-10] + b"corrupted!")
    with pytest.raises(DataSourceError) as error:
        sources.fetch("unhcr_countries", corrupt_mirror)
    message = str(error.value)
    assert "unhcr/countries.rda" in message and "checksum" in message and "perumig fetch" in message
    assert not (empty_raw / "unhcr" / "countries.rda").exists()


def test_corrupted_local_copy_is_fetched_again(empty_raw, data_mirror):
    target = empty_raw / "unhcr" / "countries.rda"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"edited by hand")
    sources.fetch("unhcr_countries", data_mirror)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == sources.source("unhcr_countries").sha256


def test_fetched_files_have_the_permissions_of_any_new_file(empty_raw, data_mirror):
    """pooch's temporary file is the owner's only, and the fetched file kept that mode."""
    import stat

    from perumig import publish

    fetched = sources.fetch("unhcr_countries", data_mirror)
    assert stat.S_IMODE(fetched.stat().st_mode) == 0o666 & ~publish.current_umask()
    assert sorted(p.name for p in fetched.parent.iterdir()) == ["countries.rda"], "no scratch or temporary file"


def test_a_pipe_in_place_of_a_raw_file_is_replaced_not_read(empty_raw, data_mirror):
    """A pipe where a raw file belongs made fetch wait forever (reading it for its checksum)."""
    import os

    target = empty_raw / "unhcr" / "countries.rda"
    target.parent.mkdir(parents=True)
    os.mkfifo(target)
    assert not sources.is_here("unhcr_countries")
    sources.fetch("unhcr_countries", data_mirror)
    assert target.is_file() and sources.is_here("unhcr_countries")


def test_file_missing_from_mirror(empty_raw, tmp_path):
    (tmp_path / "mirror").mkdir()
    with pytest.raises(DataSourceError, match="missing from the data mirror"):
        sources.fetch("unhcr_countries", tmp_path / "mirror")


def test_mirror_that_is_not_a_folder(tmp_path):
    with pytest.raises(DataSourceError, match="not a directory"):
        sources.mirror_dir(tmp_path / "nowhere")


def test_unknown_source_id():
    with pytest.raises(DataSourceError, match="unknown data source"):
        sources.fetch("no_such_source")


def test_mirror_from_environment(monkeypatch, tmp_path, data_mirror):
    monkeypatch.setenv(sources.MIRROR_ENV, str(data_mirror))
    assert sources.mirror_dir() == data_mirror.resolve()
    monkeypatch.delenv(sources.MIRROR_ENV)
    assert sources.mirror_dir() is None


def test_raw_files_are_not_committed():
    ignored = (paths.ROOT / ".gitignore").read_text()
    assert "/data/raw/" in ignored
    assert not shutil.which("git") or "data/raw" not in _tracked_files()


def _tracked_files() -> str:
    import subprocess

    return subprocess.run(["git", "ls-files", "data"], capture_output=True, text=True, cwd=paths.ROOT).stdout


def test_an_interrupted_fetch_says_what_it_fetched_and_leaves_no_partial_file(empty_raw, data_mirror, monkeypatch,
                                                                              capsys):
    """It said 'nothing was changed' with half the raw files fetched, and left pooch's temporary file behind."""
    from perumig.pipeline import cli

    import pooch

    real_retrieve = pooch.retrieve
    calls = []

    def interrupted_on_the_third(*arguments, **options):
        calls.append(options["fname"])
        if len(calls) == 3:
            (Path(options["path"]) / "tmp-half-written").write_bytes(b"half")  # as pooch's temporary file
            raise KeyboardInterrupt
        return real_retrieve(*arguments, **options)

    monkeypatch.setattr("pooch.retrieve", interrupted_on_the_third)
    assert cli.main(["fetch"]) == 130
    assert capsys.readouterr().err.strip() == (
        "perumig: error: interrupted; published before the interruption: data/raw/ (2 raw files fetched)")
    left = sorted(str(p.relative_to(empty_raw)) for p in empty_raw.rglob("*") if p.is_file())
    assert len(left) == 2 and not any("tmp" in name or "partial" in name for name in left), left
