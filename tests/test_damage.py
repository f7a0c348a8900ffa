"""Damaged committed files, unreadable mirrors, full disks and closed pipes: one line on stderr,
never a traceback, and nothing that was published before is lost."""

import errno
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from processes import killed_scratch
from processes import leftovers as folder_leftovers
from sections import install
from test_robustness import leftovers, snapshot

from perumig import paths, publish, stamps
from perumig.data import build, places, sources, tables
from perumig.errors import DataSourceError
from perumig.pipeline import cli
from perumig.present import book

DAMAGED_CONTENTS = {
    "empty": b"",
    "binary": b"\x00\x9f\x92\x96 not text \xff",
    "truncated": None,  # the first half of the real file
    "wrong-shape": b"[1, 2, 3]\n",
}


def damaged_copy(tmp_path, original: Path, kind: str) -> Path:
    content = DAMAGED_CONTENTS[kind]
    if content is None:
        content = original.read_bytes()[: original.stat().st_size // 2]
    copy = tmp_path / original.name
    copy.write_bytes(content)
    return copy


def one_error_line(capsys, err: str | None = None) -> str:
    """The one line a command wrote to stderr (``err``: what was already read from ``capsys``)."""
    lines = (capsys.readouterr().err if err is None else err).strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("perumig: error: "), lines
    return lines[0]


@pytest.fixture
def fresh_caches():
    """Loaded tables, the registry and the country list are cached per process: read them again."""
    def clear():
        tables.forget_loaded()
        sources.registry.cache_clear()
        places._countries.cache_clear()

    clear()
    yield
    clear()


# One field of the first entry edited: data/sources.yaml is code's input and the website's links.
EDITED_ENTRIES = {
    "javascript-page": ("official_page: https://www.un.org/development/desa/pd/content/international-migrant-stock",
                        "official_page: javascript:alert(document.domain)", "is not an http or https address"),
    "path-outside-raw": ("path: undesa_ims/undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx",
                         "path: ../../../precious.txt", "must be a relative path inside data/raw/"),
    "number-for-text": ("official_page: https://www.un.org/development/desa/pd/content/international-migrant-stock",
                        "official_page: 5", "official_page must be text"),
    "empty-path": ("path: undesa_ims/undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx", "path:",
                   "path must be text"),
}


@pytest.mark.parametrize("edit", EDITED_ENTRIES)
@pytest.mark.parametrize("command", [["fetch"], ["site", "--force"]])
def test_a_registry_entry_that_is_not_what_it_should_be_is_one_line(tmp_path, monkeypatch, capsys, fresh_caches,
                                                                     edit, command):
    """Before: the website linked a javascript: page, fetch wrote outside data/raw/ (over a user's file), and a
    number or nothing where text belongs gave a traceback."""
    before, after, message = EDITED_ENTRIES[edit]
    registry = tmp_path / "sources.yaml"
    registry.write_text(paths.SOURCES_REGISTRY.read_text(encoding="utf-8").replace(before, after, 1), encoding="utf-8")
    monkeypatch.setattr(paths, "SOURCES_REGISTRY", registry)
    monkeypatch.setattr(paths, "RAW", tmp_path / "a" / "b" / "raw")
    (tmp_path / "precious.txt").write_text("mine")
    site = tmp_path / "site"
    assert cli.main([*command, "--output", str(site)] if command[0] == "site" else command) == 1
    line = one_error_line(capsys)
    assert "the registry of raw sources, cannot be read" in line and message in line, line
    assert (tmp_path / "precious.txt").read_text() == "mine" and not site.exists()


@pytest.mark.parametrize("kind", DAMAGED_CONTENTS)
def test_damaged_source_registry_is_named_with_its_fix(tmp_path, monkeypatch, capsys, fresh_caches, kind):
    registry = damaged_copy(tmp_path, paths.SOURCES_REGISTRY, kind)
    monkeypatch.setattr(paths, "SOURCES_REGISTRY", registry)
    assert cli.main(["fetch"]) == 1
    line = one_error_line(capsys)
    assert f"{registry}, the registry of raw sources, cannot be read" in line
    assert f"git checkout -- {registry}" in line


@pytest.mark.parametrize("kind", DAMAGED_CONTENTS)
def test_damaged_data_package_is_named_with_its_fix(tmp_path, monkeypatch, capsys, fresh_caches, kind):
    descriptor = damaged_copy(tmp_path, paths.DATAPACKAGE, kind)
    monkeypatch.setattr(paths, "DATAPACKAGE", descriptor)
    # Checking the country reads the first table, whose checksum the descriptor records.
    assert cli.main(["run", "flows", "-p", "country=COL", "--output", str(tmp_path / "out")]) == 1
    line = one_error_line(capsys)
    assert f"{descriptor}, the record of the tables' checksums, cannot be read" in line
    assert "perumig build-data" in line and f"git checkout -- {descriptor}" in line
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "cell, message",
    [
        ("scale = (1,", "the parameters cell of broken.ipynb is not valid Python (line 1: '(' was never closed)"),
        ("scale = 1\n  other = 2", "the parameters cell of broken.ipynb is not valid Python (line 2: unexpected indent)"),
        ("scale = 1 +* 2", "the parameters cell of broken.ipynb is not valid Python (line 1: invalid syntax)"),
        ("import math\nscale = math.pi", "scale in the parameters cell of broken.ipynb (line 2) is not a literal"),
    ],
    ids=["unclosed", "indented", "syntax", "not-a-literal"],
)
@pytest.mark.parametrize("command", [["run", "broken"], ["list"]])
def test_broken_parameters_cell_is_one_line(tmp_path, monkeypatch, capsys, cell, message, command):
    real_notebooks = {section.notebook: section.path for section in cli.SECTIONS.values()}
    notebooks = install(tmp_path, monkeypatch, "broken", "print(scale)", parameters=cell).parent
    for name, path in real_notebooks.items():  # `perumig list` reads them all before the broken one
        (notebooks / name).symlink_to(path)
    assert cli.main(command) == 1
    line = one_error_line(capsys)
    assert message in line and "git checkout -- notebooks/broken.ipynb" in line


@pytest.fixture
def mirror_with(tmp_path, monkeypatch, data_mirror):
    """A mirror holding the real files except one, which the test replaces; an empty data/raw/."""
    monkeypatch.setattr(paths, "RAW", tmp_path / "raw")
    entry = sources.source("unhcr_countries")
    mirror_file = tmp_path / "mirror" / entry.path
    mirror_file.parent.mkdir(parents=True)
    return entry, mirror_file


def test_mirror_file_that_cannot_be_read_names_the_mirror_not_the_url(mirror_with):
    """/proc/self/mem is a file that every read of its first bytes fails on (EIO), even for root."""
    entry, mirror_file = mirror_with
    mirror_file.symlink_to("/proc/self/mem")
    with pytest.raises(DataSourceError) as error:
        sources.fetch(entry.id, mirror_file.parents[1])
    message = str(error.value)
    assert f"cannot read '{mirror_file}' in the data mirror (Input/output error)" in message
    assert "could not download" not in message
    assert [p for p in paths.RAW.rglob("*") if p.is_file()] == [], "no partial copy is left in data/raw/"


def test_mirror_file_without_permission_names_the_mirror(mirror_with, monkeypatch, data_mirror):
    """Root may read any file, so the refusal is simulated where the mirror file is opened."""
    entry, mirror_file = mirror_with
    mirror_file.write_bytes((data_mirror / entry.path).read_bytes())

    def refusing_open(file, mode="r", *args, **kwargs):
        if Path(file) == mirror_file:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(file))
        return open(file, mode, *args, **kwargs)

    monkeypatch.setattr(sources, "open", refusing_open, raising=False)
    with pytest.raises(DataSourceError, match=rf"cannot read '{mirror_file}' in the data mirror \(Permission denied\)"):
        sources.fetch(entry.id, mirror_file.parents[1])


@pytest.mark.parametrize("replacement", ["directory", "dangling-link"])
def test_mirror_entry_that_is_not_a_file_is_named(mirror_with, replacement):
    entry, mirror_file = mirror_with
    if replacement == "directory":
        mirror_file.mkdir()
    else:
        mirror_file.symlink_to(mirror_file.parent / "nowhere.rda")
    with pytest.raises(DataSourceError, match=rf"missing from the data mirror \(expected a file at {mirror_file}\)"):
        sources.fetch(entry.id, mirror_file.parents[1])


def test_full_data_raw_is_named_when_copying_from_the_mirror(mirror_with, monkeypatch, data_mirror, capsys):
    entry, mirror_file = mirror_with
    mirror_file.write_bytes((data_mirror / entry.path).read_bytes())

    def full_disk_open(file, mode="r", *args, **kwargs):
        if "w" in mode:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return open(file, mode, *args, **kwargs)

    monkeypatch.setattr(sources, "open", full_disk_open, raising=False)
    monkeypatch.setenv(sources.MIRROR_ENV, str(mirror_file.parents[1]))
    monkeypatch.setattr(sources, "registry", lambda: {entry.id: entry})
    assert cli.main(["fetch"]) == 1
    line = one_error_line(capsys)
    assert f"could not write {paths.RAW / entry.path} (No space left on device): free disk space" in line
    assert "perumig fetch" in line and "download" not in line


def full_disk_at_first_table(monkeypatch):
    """The first processed table is written to /dev/full, where every write fails with ENOSPC."""
    if not os.access("/dev/full", os.W_OK):
        pytest.skip("/dev/full is not available on this system")
    scratch_data_dir = build._scratch_data_dir

    def into_dev_full(scratch):
        data_dir = scratch_data_dir(scratch)
        first = data_dir / build.PROCESSED_TABLES[0].relative_path
        first.parent.mkdir(parents=True)
        first.symlink_to("/dev/full")
        return data_dir

    monkeypatch.setattr(build, "_scratch_data_dir", into_dev_full)


def raising_writer(monkeypatch):
    def no_space(frame, path):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half a table")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(tables, "write_csv", no_space)


@pytest.mark.parametrize("full_disk", [raising_writer, full_disk_at_first_table], ids=["ENOSPC-raised", "dev-full"])
def test_full_disk_during_build_data_keeps_the_data(tmp_path, monkeypatch, capsys, data_mirror, full_disk):
    monkeypatch.setattr(paths, "RAW", tmp_path / "raw")  # fetched from the mirror into a private folder
    full_disk(monkeypatch)
    before = snapshot()
    assert cli.main(["build-data", "--force"]) == 1
    line = one_error_line(capsys)
    assert line == ("perumig: error: could not write data/processed/ (No space left on device): free disk space and "
                    "run `perumig build-data` again; what was there before is unchanged")
    assert snapshot() == before
    assert leftovers() == []


@pytest.fixture(scope="module")
def built_site(tmp_path_factory):
    """A website built once into a folder of this module's own (a fresh clone has none in reports/site/)."""
    site = tmp_path_factory.mktemp("built") / "site"
    with pytest.MonkeyPatch.context() as patch:  # a lock of its own, as every test has (conftest.private_lock)
        patch.setattr(paths, "LOCK", site.parent / ".perumig.lock")
        assert cli.main(["site", "--output", str(site)]) == 0
    return site


@pytest.fixture
def published_site(tmp_path, built_site):
    """A copy of that website, published by perumig, for one test to damage."""
    site = tmp_path / "site"
    shutil.copytree(built_site, site, symlinks=True)
    return site


def render_into_dev_full(monkeypatch):
    """The landing page's source is written to /dev/full."""
    if not os.access("/dev/full", os.W_OK):
        pytest.skip("/dev/full is not available on this system")
    write = book._write

    def landing_page_on_dev_full(path, text):
        if path.name == "index.md" and path.parent.name == "source":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.symlink_to("/dev/full")
        write(path, text)

    monkeypatch.setattr(book, "_write", landing_page_on_dev_full)


def render_raising(monkeypatch):
    def no_space(source, digest):
        source.mkdir(parents=True)
        (source / "index.md").write_text("half a page")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(book, "_write_sources", no_space)


@pytest.mark.parametrize("full_disk", [render_raising, render_into_dev_full], ids=["ENOSPC-raised", "dev-full"])
def test_full_disk_during_site_keeps_the_website(monkeypatch, capsys, published_site, full_disk):
    """Also: what an earlier killed build of the site left beside it is removed first."""
    before = stamps.folder_files(published_site)
    killed_build, users = killed_scratch(published_site.parent, "site")
    capsys.readouterr()
    full_disk(monkeypatch)
    assert cli.main(["site", "--force", "--output", str(published_site)]) == 1
    captured = capsys.readouterr()
    assert f"removed {killed_build}, left behind by an earlier run that was killed" in captured.out
    assert (users / "thesis.txt").read_text() == "mine", "a folder of the user's named like a scratch folder stays"
    shutil.rmtree(users)
    line = one_error_line(capsys, captured.err)
    assert line == (f"perumig: error: could not write the website {publish.shown(published_site)}/ (No space left on "
                    "device): free disk space and run `perumig site` again; what was there before is unchanged")
    assert stamps.folder_files(published_site) == before
    assert folder_leftovers(published_site.parent) == [], "no scratch folder is left beside it"
    assert leftovers() == []


def test_failed_swap_puts_the_old_folder_back(tmp_path, monkeypatch):
    """Where the system cannot exchange two folders in one step, the swap takes two renames."""
    from perumig import publish

    monkeypatch.setattr(publish, "_exchange", lambda first, second: False)
    target, built = tmp_path / "site", tmp_path / "built"
    target.mkdir()
    (target / "page.html").write_text("earlier")
    built.mkdir()
    rename = Path.rename

    def failing_for_built(self, destination):
        if self == built:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return rename(self, destination)

    monkeypatch.setattr(Path, "rename", failing_for_built)
    with pytest.raises(OSError):
        publish.swap_in(built, target)
    assert (target / "page.html").read_text() == "earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["built", "site"]


def test_other_system_errors_are_one_line(monkeypatch, capsys):
    def failing_list():
        raise OSError(errno.EIO, os.strerror(errno.EIO), "notebooks/01_migration_flows.ipynb")

    monkeypatch.setattr(cli, "_list", failing_list)
    assert cli.main(["list"]) == 1
    assert one_error_line(capsys) == ("perumig: error: Input/output error (notebooks/01_migration_flows.ipynb); "
                                      "check free disk space and permissions, then run the command again")


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
def test_output_into_a_closed_pipe_is_quiet(buffered):
    """`perumig list | head -1`: the reader is gone before perumig writes. No traceback, and the exit
    status of a program stopped by SIGPIPE (128 + 13), as `yes | head -1` gives."""
    reader, writer = os.pipe()
    os.close(reader)
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONUNBUFFERED"}
    if not buffered:
        environment["PYTHONUNBUFFERED"] = "1"
    try:
        result = subprocess.run([sys.executable, "-m", "perumig.pipeline.cli", "list"], stdout=writer,
                                stderr=subprocess.PIPE, text=True, env=environment, cwd=paths.ROOT, timeout=60)
    finally:
        os.close(writer)
    assert result.stderr == "" and result.returncode == 141, result.stderr
