"""The `perumig` command: list sections, run them, fetch raw data, rebuild processed data."""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from perumig import params, paths
from perumig.errors import ParameterError, PerumigError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="perumig",
        description="Reproduce the UNDP policy paper on Peru's response to Venezuelan migration.",
    )
    parser.add_argument("--data-mirror", metavar="DIR",
                        help="local folder laid out like data/raw/ to fetch raw files from (default: $PERUMIG_DATA_MIRROR)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="show the sections and their parameters")
    run = commands.add_parser("run", help="run a section (or all) and publish its reports")
    run.add_argument("section", help="section id, or 'all'")
    run.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
                     help="set a parameter (repeatable); lists are comma-separated, e.g. peers=COL,CHL")
    run.add_argument("-f", "--parameters-file", metavar="FILE", help="YAML file of name: value pairs")
    run.add_argument("--output", metavar="DIR", help="publish here instead of reports/")
    run.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    commands.add_parser("fetch", help="fetch and checksum every registered raw file into data/raw/")
    build = commands.add_parser("build-data", help="rebuild data/processed/ and data/datapackage.json from raw files")
    build.add_argument("--check", action="store_true", help="only report committed files that differ from a rebuild")
    commands.add_parser("site", help="render the website reports/site/ from the published reports")
    commands.add_parser("reproduce", help="fetch, rebuild the data, run every section and render the website")
    return parser


def _given_parameters(arguments: argparse.Namespace) -> dict[str, Any]:
    given = params.read_file(arguments.parameters_file) if arguments.parameters_file else {}
    given.update(params.parse_assignment(text) for text in arguments.parameter)
    return given


def _list() -> None:
    from perumig import runner

    for section in runner.SECTIONS.values():
        print(f"{section.id}: {section.title}  [{section.notebook}]")
        for parameter in params.declared(section.path).values():
            print(f"    {parameter.name} ({parameter.type_name}, default {parameter.default!r})  {parameter.help}")


def _build_data(check: bool) -> int:
    from perumig import build

    if check:
        differing = build.differences_from_rebuild()
        for name in differing:
            print(f"differs from a rebuild: data/{name}")
        return 1 if differing else 0
    for path in build.build_data():
        print(f"wrote {path.relative_to(paths.ROOT)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        if arguments.data_mirror:
            from perumig import sources

            sources.mirror_dir(arguments.data_mirror)  # fail early on a bad folder
            os.environ[sources.MIRROR_ENV] = arguments.data_mirror
        if arguments.command == "list":
            _list()
        elif arguments.command == "run":
            from perumig import runner

            if arguments.section == "all":
                if arguments.parameter or arguments.parameters_file:
                    raise ParameterError("parameters apply to one section; run sections one by one to change them")
                published = runner.run_all(arguments.output, not arguments.no_progress)
            else:
                published = [runner.run(arguments.section, _given_parameters(arguments), arguments.output,
                                        not arguments.no_progress)]
            for folder in published:
                print(f"published {folder}")
        elif arguments.command == "fetch":
            from perumig import sources

            for path in sources.fetch_all():
                print(f"ok {path.relative_to(paths.ROOT) if path.is_relative_to(paths.ROOT) else path}")
        elif arguments.command == "build-data":
            return _build_data(arguments.check)
        elif arguments.command == "site":
            from perumig import site

            print(f"rendered {site.build_site()}")
        elif arguments.command == "reproduce":
            from perumig import runner, site, sources

            sources.fetch_all()
            _build_data(check=False)
            for folder in runner.run_all():
                print(f"published {folder}")
            print(f"rendered {site.build_site()}")
        return 0
    except PerumigError as error:
        print(f"perumig: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("perumig: interrupted; earlier reports are untouched", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
