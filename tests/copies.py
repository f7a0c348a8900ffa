"""Copies of the project's files for tests that change them in a root of their own."""

import shutil
from pathlib import Path

from perumig import paths, publish


def copy_data(destination: Path) -> Path:
    """A copy of the project's data/ for one test: no raw files, no local stamps, and none of the scratch
    folders that another test's build (run at the same time by pytest-xdist) may have there at that moment."""
    def ignored(folder, names):
        return [name for name in names
                if name == "raw" or name.startswith(paths.STAMP) or publish.LEFTOVER.match(name)]

    shutil.copytree(paths.DATA, destination, ignore=ignored)
    return destination
