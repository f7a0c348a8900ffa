"""Raw sources: the registry in ``data/sources.yaml`` and fetching with pooch.

Each file is fetched once into ``data/raw/`` and checked against its sha256. A local mirror
directory (``PERUMIG_DATA_MIRROR`` or ``perumig --data-mirror``) laid out like ``data/raw/`` is
used instead of the network when given; machines without internet rely on it.
"""

from __future__ import annotations

import os
import re
from contextlib import nullcontext
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from perumig import paths, publish, stamps
from perumig.errors import DataSourceError, PerumigError, reason, write_failed

MIRROR_ENV = "PERUMIG_DATA_MIRROR"


@dataclass(frozen=True)
class Source:
    """One raw file of the registry."""

    id: str
    path: str
    url: str
    mirrors: tuple[str, ...]
    sha256: str
    size: int
    licence: str
    citation: str
    description: str
    official_page: str
    provenance: str

    @property
    def local_path(self) -> Path:
        return paths.RAW / self.path


TEXT_FIELDS = ("id", "path", "url", "sha256", "licence", "citation", "description", "official_page", "provenance")
WEB_ADDRESS = re.compile(r"^https?://[^\s]+$")
RAW_PATH = re.compile(r"^(?!/)(?:[\w.+-]+/)*[\w.+-]+$")


class _BadEntry(ValueError):
    """A registry entry with a field that is not what it must be; its message says which, in full."""


def _entry(fields: dict) -> Source:
    """One registry entry, checked: its addresses are web addresses (they become links on the website) and its
    path stays inside data/raw/ (fetch writes there)."""
    if not isinstance(fields, dict):
        raise _BadEntry("an entry is not a mapping of fields")
    label = f"entry {str(fields.get('id'))[:40]!r}"
    for field in TEXT_FIELDS:
        if not isinstance(fields.get(field), str) or not fields[field].strip():
            raise _BadEntry(f"{label}: {field} must be text")
    if not isinstance(fields.get("mirrors"), list) or not isinstance(fields.get("size"), int):
        raise _BadEntry(f"{label}: mirrors must be a list and size a whole number")
    for address in (fields["url"], fields["official_page"], *fields["mirrors"]):
        if not isinstance(address, str) or not WEB_ADDRESS.match(address):
            raise _BadEntry(f"{label}: {str(address)[:60]!r} is not an http or https address")
    if not RAW_PATH.match(fields["path"]) or ".." in fields["path"].split("/"):
        raise _BadEntry(f"{label}: path {fields['path'][:60]!r} must be a relative path inside data/raw/")
    return Source(**{**fields, "mirrors": tuple(fields["mirrors"])})


@cache
def registry() -> dict[str, Source]:
    """All registered raw sources by id."""
    name = paths.input_name(paths.SOURCES_REGISTRY)
    try:
        entries = yaml.safe_load(paths.SOURCES_REGISTRY.read_text(encoding="utf-8"))["sources"]
        return {entry.id: entry for entry in map(_entry, entries)}
    except (OSError, ValueError, yaml.YAMLError, KeyError, TypeError) as exc:  # ValueError: not UTF-8
        raise DataSourceError(
            f"{name}, the registry of raw sources, cannot be read ({exc if isinstance(exc, _BadEntry) else reason(exc)}); "
            f"restore the committed copy with `git checkout -- {name}`"
        ) from None


def source(source_id: str) -> Source:
    try:
        return registry()[source_id]
    except KeyError:
        raise DataSourceError(
            f"unknown data source '{source_id}': it is not in {paths.SOURCES_REGISTRY.name}; "
            f"known ids: {', '.join(sorted(registry()))}"
        ) from None


def mirror_dir(explicit: str | os.PathLike | None = None) -> Path | None:
    """The local mirror directory: the explicit argument, else ``$PERUMIG_DATA_MIRROR``, else none."""
    chosen = explicit or os.environ.get(MIRROR_ENV)
    if not chosen:
        return None
    mirror = Path(chosen).expanduser().resolve()
    if not mirror.is_dir():
        raise DataSourceError(
            f"data mirror '{mirror}' is not a directory: give an existing folder laid out like data/raw/ "
            f"(--data-mirror or {MIRROR_ENV}), or unset it to download from the official URLs"
        )
    return mirror


def _mirror_chunks(mirror_file: Path, url: str):
    """The bytes of a mirror file; an error reading them names the mirror file, not the download URL."""
    try:
        with open(mirror_file, "rb") as source:
            while chunk := source.read(1 << 20):
                yield chunk
    except OSError as exc:
        raise DataSourceError(
            f"cannot read '{mirror_file}' in the data mirror ({reason(exc)}): make it readable or replace it "
            f"with the file from {url}, or unset {MIRROR_ENV} to download it"
        ) from None


def _copy_from_mirror(mirror_file: Path):
    """A pooch downloader that copies a file of the local mirror instead of using the network."""

    def download(url: str, output_file, pooch_instance) -> None:  # signature required by pooch
        if not mirror_file.is_file():
            raise DataSourceError(
                f"'{mirror_file.name}' is missing from the data mirror (expected a file at {mirror_file}); "
                f"put the file there or unset {MIRROR_ENV} to download it from {url}"
            )
        with open(output_file, "wb") if isinstance(output_file, (str, os.PathLike)) else nullcontext(output_file) as copy:
            for chunk in _mirror_chunks(mirror_file, url):
                copy.write(chunk)

    return download


def is_here(source_id: str) -> bool:
    """Whether the raw file ``source_id`` is in data/raw/, intact."""
    entry = source(source_id)
    return stamps.file_digest(entry.local_path) == entry.sha256


def fetch(source_id: str, mirror: str | os.PathLike | None = None) -> Path:
    """Path of the raw file ``source_id``, fetched and checksummed if it is not already here.

    The file is fetched into a scratch folder beside its place and moved there once its checksum holds: an
    interrupted fetch leaves no partial file behind, and the file gets the permissions of any new file.
    """
    entry = source(source_id)
    target = entry.local_path
    if is_here(source_id):
        return target  # already here and intact: no need to import pooch (a second) to say so
    import pooch  # deferred: pooch pulls in tqdm, whose notebook import warns inside kernels
    import requests  # pooch's HTTP client: its errors are OSErrors too

    pooch.get_logger().setLevel("WARNING")  # its "Downloading ..." line is misleading for mirror copies
    local_mirror = mirror_dir(mirror)
    candidates = (
        [(entry.url, _copy_from_mirror(local_mirror / entry.path))]
        if local_mirror
        else [(url, None) for url in (entry.url, *entry.mirrors)]
    )
    errors = []
    for url, downloader in candidates:
        try:
            with publish.scratch_beside(target) as scratch:
                fetched = Path(pooch.retrieve(url=url, known_hash=f"sha256:{entry.sha256}", fname=target.name,
                                              path=scratch, downloader=downloader, progressbar=False))
                fetched.chmod(0o666 & ~publish.current_umask())
                publish.replace_file(fetched, target)
            return target
        except PerumigError:
            raise
        except ValueError as exc:
            if "hash" not in str(exc).lower():
                raise
            origin = local_mirror / entry.path if local_mirror else url
            raise DataSourceError(
                f"checksum mismatch for '{entry.path}' (source '{entry.id}') fetched from {origin}: "
                f"expected sha256 {entry.sha256}. The copy is corrupted or is another version; replace it "
                f"with the file from {entry.url} (see data/sources.yaml) and run `perumig fetch` again"
            ) from None
        except Exception as exc:  # network errors differ by backend; keep trying the next mirror
            if isinstance(exc, OSError) and not isinstance(exc, requests.RequestException):  # not the network's: ours
                raise write_failed(paths.input_name(target), "perumig fetch", exc) from None
            errors.append(f"{url}: {type(exc).__name__}")
    raise DataSourceError(
        f"could not download '{entry.path}' (source '{entry.id}') from {len(errors)} location(s) "
        f"[{'; '.join(errors)}]; without internet, set {MIRROR_ENV} (or --data-mirror) to a folder holding the raw files"
    )


def fetch_all(mirror: str | os.PathLike | None = None, fetched=lambda path: None) -> list[Path]:
    """Fetch every registered raw file; returns their local paths. ``fetched`` hears of each file that was not
    here before, as soon as it is in place. What a killed fetch left beside the files is removed first."""
    publish.remove_leftovers(sorted({entry.local_path.parent for entry in registry().values()}))
    found = []
    for source_id in registry():
        was_here = is_here(source_id)
        found.append(fetch(source_id, mirror))
        if not was_here:
            fetched(found[-1])
    return found
