"""The `perumig` command: list sections, run them (incrementally, in parallel), sweep a section over
countries, fetch raw data, rebuild processed data, build the website."""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any

from perumig import paths, publish
from perumig.errors import InterruptedRun, ParameterError, PerumigError, UnsafePathError, reason
from perumig.pipeline import params
from perumig.sections import SECTIONS, section


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="perumig",
        description="Reproduce the UNDP policy paper on Peru's response to Venezuelan migration.",
    )
    parser.add_argument("--data-mirror", metavar="DIR",
                        help="local folder laid out like data/raw/ to fetch raw files from (default: $PERUMIG_DATA_MIRROR)")
    writer = argparse.ArgumentParser(add_help=False)
    writer.add_argument("--no-wait", action="store_true",
                        help="refuse at once, instead of waiting, when another perumig process is writing")
    executor = argparse.ArgumentParser(add_help=False, parents=[writer])
    executor.add_argument("--force", action="store_true", help="rerun even what is up to date")
    executor.add_argument("-j", "--jobs", type=int, metavar="N",
                          help="notebooks run at once (default: one more than the number of cores)")
    executor.add_argument("--timings", metavar="FILE", help="write each run's wall time and kernel peak memory as JSON")
    executor.add_argument("--executor", choices=("local", "dask"), default=None,
                          help="where notebooks run: forked processes here (local, the default) or Dask distributed "
                               "(a local cluster, or the one at --scheduler)")
    executor.add_argument("--scheduler", metavar="ADDRESS",
                          help="address of a running Dask scheduler, e.g. tcp://host:8786 (implies --executor dask; "
                               "with --executor dask and no address: $PERUMIG_DASK_SCHEDULER, else a local cluster)")
    parameters = argparse.ArgumentParser(add_help=False)
    parameters.add_argument("-p", "--parameter", action="append", default=[], metavar="NAME=VALUE",
                            help="set a parameter (repeatable); lists are comma-separated, e.g. peers=COL,CHL")
    parameters.add_argument("-f", "--parameters-file", metavar="FILE", help="YAML file of name: value pairs")

    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("list", help="show the sections and their parameters")
    run = commands.add_parser("run", parents=[executor, parameters],
                              help="run a section (or all) and publish its reports; unchanged runs are skipped")
    run.add_argument("section", help="section id, or 'all'")
    run.add_argument("--output", metavar="DIR", help="publish here instead of reports/")
    run.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    sweep = commands.add_parser("sweep", parents=[executor, parameters],
                                help="run a section for many countries in parallel and tabulate the results")
    sweep.add_argument("section", help="a section with a country parameter")
    sweep.add_argument("--countries", required=True, metavar="LIST",
                       help="comma-separated ISO3 codes, or a preset: hosts (the largest Latin American hosts of "
                            "Venezuelans), lac, south-america, all (every country the section can run for)")
    sweep.add_argument("--output", metavar="DIR", help="publish the runs and the tables here instead of reports/")
    commands.add_parser("fetch", parents=[writer], help="fetch and checksum every registered raw file into data/raw/")
    build = commands.add_parser("build-data", parents=[writer],
                                help="rebuild data/processed/ and data/datapackage.json from raw files when they are out of date")
    build.add_argument("--check", action="store_true", help="only report committed files that differ from a rebuild")
    build.add_argument("--force", action="store_true", help="rebuild even when up to date")
    site = commands.add_parser("site", parents=[writer], help="build the website reports/site/ (a Sphinx book) from the published reports")
    site.add_argument("--force", action="store_true", help="build even when up to date")
    site.add_argument("--output", metavar="DIR", help="build the website here instead of reports/site/")
    commands.add_parser("reproduce", parents=[executor],
                        help="fetch, rebuild the data, run every section and build the website, skipping what is current")
    explain = commands.add_parser("explain", help="where a values.json key or a claim id comes from: notebook cell, "
                                                  "function, table and columns, raw source")
    explain.add_argument("key", help="a key of a published values.json, or a claim id of reports/claims.csv")
    return parser


def _given_parameters(arguments: argparse.Namespace) -> dict[str, Any]:
    given = params.read_file(arguments.parameters_file) if arguments.parameters_file else {}
    assignments = [params.parse_assignment(text) for text in arguments.parameter]
    names = [name for name, _ in assignments]
    for name in names:
        if names.count(name) > 1:  # the last would win without a word; a -p over -f is the way to override
            raise ParameterError(f"-p {name[:40]} is given {names.count(name)} times; give each parameter once")
    given.update(assignments)
    return given


def _list() -> None:
    for section in SECTIONS.values():
        print(f"{section.id}: {section.title}  [{section.notebook}]")
        for parameter in params.declared(section.path).values():
            print(f"    {parameter.name} ({parameter.type_name}, default {parameter.default!r})  {parameter.help}")


def _build_data(check: bool, force: bool) -> int:
    from perumig import stamps

    if not check and not force and stamps.processed_data_current():
        print("skipped build-data: data/processed/ is current (same raw sources, transcribed tables and code)")
        return 0
    from perumig.data import build

    if check:
        differing = build.differences_from_rebuild()
        for name in differing:
            print(f"differs from a rebuild: data/{name}")
        return 1 if differing else 0
    for path in build.build_data():
        print(f"wrote {path.relative_to(paths.ROOT)}")
    PUBLISHED.append("data/processed/")
    return 0


def _site(force: bool, output: str | None = None) -> None:
    import time

    from perumig.present import book

    start = time.perf_counter()
    built = book.build_site(Path(output) if output else paths.SITE, force=force, user_given=output is not None)
    if built:
        PUBLISHED.append(f"{publish.shown(built)}/")
        print(f"built the website in {time.perf_counter() - start:.1f} s: open {built / 'index.html'} in a browser")
    else:
        print(f"skipped site: {output or 'reports/site/'} is current")


def _jobs(arguments: argparse.Namespace) -> int:
    if arguments.jobs is not None and arguments.jobs < 1:
        raise ParameterError(f"--jobs: {arguments.jobs} must be 1 or more")
    return arguments.jobs


def _execute(jobs, arguments: argparse.Namespace, progress: bool = False, raise_on_failure: bool = True) -> list:
    from perumig.pipeline import runner

    try:
        with _backend(arguments) as backend:
            outcomes = runner.execute(jobs, force=arguments.force, workers=_jobs(arguments), progress=progress,
                                      report=lambda line: print(f"perumig: {line}", file=sys.stderr, flush=True),
                                      backend=backend, raise_on_failure=raise_on_failure)
            # A stop from here on (the sweep's tables, the website) must still say these were published.
            PUBLISHED.extend(outcome.job.key for outcome in outcomes if outcome.status == "ran")
            return outcomes
    finally:
        if arguments.timings:
            _write_timings(arguments.timings, jobs)


@contextmanager
def _backend(arguments: argparse.Namespace):
    """None (the runner's local workers) or a Dask backend, closed afterwards."""
    chosen = arguments.executor or ("dask" if arguments.scheduler else "local")
    if chosen == "local":
        if arguments.scheduler:
            raise ParameterError("--scheduler is a Dask address; it cannot be used with --executor local")
        yield None
        return
    from perumig.pipeline import dask_backend

    backend = dask_backend.DaskBackend.connect(arguments.scheduler or os.environ.get(dask_backend.SCHEDULER_ENV),
                                               _jobs(arguments))
    try:
        yield backend
    finally:
        backend.close()


TIMINGS_KIND = "timings"


def _check_timings(path: str, jobs) -> None:
    """--timings must name a new file, or a timings file perumig wrote before, outside the folders the runs will
    publish; checked before any run."""
    target = publish.check_file_target(path, _earlier_timings(path))
    for job in jobs:
        if job.target is not None and target.is_relative_to(job.target.resolve()):
            raise UnsafePathError(f"--timings: {path} is inside {publish.shown(job.target)}, where {job.key} will be "
                                  "published; give a path outside it")


def _earlier_timings(path: str) -> set[str]:
    """The sha256 of ``path`` if it is a file holding timings perumig wrote (so it may be replaced)."""
    from perumig import stamps

    if not os.path.isfile(path):  # never open a pipe or a device: it could block or never end
        return set()
    try:
        with open(path, "rb") as handle:
            content = json.loads(handle.read(5_000_000))
    except (OSError, ValueError):
        return set()
    made_by_perumig = isinstance(content, dict) and content.get("made_by") == publish.MADE_BY and \
        content.get("kind") == TIMINGS_KIND
    return {stamps.file_digest(Path(path))} if made_by_perumig else set()


def _write_timings(path: str, jobs) -> None:
    """Each run's wall time and kernel peak memory, written whole or not at all."""
    rows = [{"job": job.key, "status": job.outcome.status, "seconds": round(job.outcome.seconds, 2),
             "kernel_peak_mib": None if job.outcome.kernel_peak_mib is None else round(job.outcome.kernel_peak_mib, 1),
             "cpu_seconds": None if job.outcome.cpu_seconds is None else round(job.outcome.cpu_seconds, 2)}
            for job in jobs if job.outcome is not None]
    target = publish.check_file_target(path, _earlier_timings(path))
    text = json.dumps({"made_by": publish.MADE_BY, "kind": TIMINGS_KIND, "runs": rows}, indent=1) + "\n"
    publish.write_file(target, lambda partial: partial.write_text(text, encoding="utf-8"))


def _plan(arguments: argparse.Namespace) -> list | None:
    """The jobs of `run` or `sweep`, their parameters typed and checked against the notebooks.

    Done before waiting for the write lock, so that a misspelt parameter is reported at once even
    while another run holds it; the checks against the data run under the lock.
    """
    from perumig.pipeline import runner, sweep

    if arguments.command == "run":
        if arguments.section == "all":
            if arguments.parameter or arguments.parameters_file:
                raise ParameterError("parameters apply to one section; run sections one by one to change them")
            jobs = runner.plan_all(arguments.output)
        else:
            jobs = [runner.Job(section(arguments.section), _given_parameters(arguments), arguments.output)]
    elif arguments.command == "sweep":
        section(arguments.section)
        jobs = sweep.plan(arguments.section, sweep.countries(_swept(arguments), arguments.section), _given_parameters(arguments),
                          arguments.output)
    else:
        return None
    if arguments.output and (arguments.command == "sweep" or arguments.section == "all"):
        publish.check_container(arguments.output)  # the runs' folders go inside it
    for job in jobs:
        job.resolve()
    if arguments.timings:
        _check_timings(arguments.timings, jobs)
    if arguments.command == "sweep":
        sweep.check_table_target(arguments.section, _sweep_label(arguments, jobs), arguments.output)
    return jobs


def _swept(arguments: argparse.Namespace) -> list[str]:
    return [code.strip() for code in arguments.countries.split(",") if code.strip()]


def _run(arguments: argparse.Namespace, jobs: list) -> None:
    _execute(jobs, arguments, progress=len(jobs) == 1 and not arguments.no_progress)
    for job in jobs:
        print(f"published {job.target}")


def _sweep_label(arguments: argparse.Namespace, jobs: list) -> str:
    from perumig.pipeline import runner, sweep

    chosen, given = _swept(arguments), _given_parameters(arguments)
    label = chosen[0].lower() if len(chosen) == 1 and chosen[0].lower() in sweep.PRESETS else "+".join(
        job.given["country"] for job in jobs)
    if given:
        label += f"_{runner.slug(given)}"
    return runner.slug({"countries": label}).removeprefix("countries-")


def _sweep(arguments: argparse.Namespace, jobs: list) -> None:
    from perumig.errors import NotebookRunError
    from perumig.pipeline import sweep

    outcomes = _execute(jobs, arguments, raise_on_failure=False)
    folder = sweep.write(arguments.section, _sweep_label(arguments, jobs), jobs, arguments.output)
    failed = [outcome for outcome in outcomes if outcome.status not in ("ran", "skipped")]
    print(f"published {folder} ({len(jobs) - len(failed)} of {len(jobs)} countries: "
          f"{', '.join(job.resolved['country'] for job in jobs if job.outcome.status in ('ran', 'skipped'))})")
    if failed:
        raise NotebookRunError(f"{len(failed)} of {len(jobs)} countries failed ({', '.join(o.job.resolved['country'] for o in failed)}); "
                               f"their reasons are in {folder.name}/runs.csv")


def _fetch_all() -> list[Path]:
    """Every raw file; those fetched now are counted among what this command published, as they land."""
    from perumig.data import sources

    fetched = []

    def landed(path: Path) -> None:
        fetched.append(path)
        PUBLISHED[:] = [entry for entry in PUBLISHED if not entry.startswith("data/raw/")]
        PUBLISHED.append(f"data/raw/ ({len(fetched)} raw file{'s' if len(fetched) > 1 else ''} fetched)")

    return sources.fetch_all(fetched=landed)


def _reproduce(arguments: argparse.Namespace, jobs: None) -> None:
    from perumig.data import sources
    from perumig.pipeline import runner

    _fetch_all()
    _build_data(check=False, force=arguments.force)
    _execute(runner.plan_all(), arguments)
    _site(force=arguments.force)


COMMANDS = {"run": _run, "sweep": _sweep, "reproduce": _reproduce}
# What this process published so far (data, site), for a truthful message when it is interrupted.
PUBLISHED: list[str] = []
# Whether this command has said it was interrupted: a second stop does not make it say so twice.
_interruption_reported = False


def main(argv: list[str] | None = None) -> int:
    try:
        code = _main(argv)
        sys.stdout.flush()  # here rather than at exit, so that a closed pipe is caught below
        return code
    except BrokenPipeError:
        # The reader went away (`perumig list | head -1`): stop quietly, with the status of a program
        # ended by SIGPIPE (128 + 13), as other command-line tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except OSError as error:  # the places that know what they were writing say so themselves (errors.WriteError)
        where = f" ({error.filename})" if error.filename else ""
        print(f"perumig: error: {reason(error)}{where}; check free disk space and permissions, then run the command again",
              file=sys.stderr)
        return 1


def _report_interruption(error: InterruptedRun | None = None) -> int:
    global _interruption_reported
    print(f"perumig: error: {(error or InterruptedRun()).line(PUBLISHED)}", file=sys.stderr)
    _interruption_reported = True
    return InterruptedRun.exit_code


def _main(argv: list[str] | None) -> int:
    global _interruption_reported
    PUBLISHED.clear()
    publish.forget_stop()
    _interruption_reported = False
    code = None
    try:
        arguments = _parser().parse_args(argv)
        # SIGTERM stops a command as Ctrl-C does: scratch folders are removed, nothing half-made is published.
        with publish.stops_handled():
            code = _handled(arguments)
    except KeyboardInterrupt:
        # A stop that lands as the command ends, while its handlers are put back (in CI: one re-sent after
        # Python had dropped the first): an outcome already decided stands, and is said once.
        if code is None:
            code = InterruptedRun.exit_code if _interruption_reported else _report_interruption()
    return code


def _handled(arguments: argparse.Namespace) -> int:
    try:
        return _dispatch(arguments)
    except InterruptedRun as error:
        return _report_interruption(error)
    except PerumigError as error:
        if publish.stop_requested():
            return _report_interruption()
        # One line, whatever the user typed into the message (a value with a line break, say).
        print(f"perumig: error: {' '.join(str(error).splitlines())}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return _report_interruption()
    except Exception:
        if publish.stop_requested():  # a library turned the interruption into another error on its way up
            return _report_interruption()
        raise


def _dispatch(arguments: argparse.Namespace) -> int:
    if arguments.data_mirror:
        from perumig.data import sources

        sources.mirror_dir(arguments.data_mirror)  # fail early on a bad folder
        os.environ[sources.MIRROR_ENV] = arguments.data_mirror
    if arguments.command == "list":
        _list()
        return 0
    if arguments.command == "explain":
        from perumig.present import trail

        print(trail.explain(arguments.key))
        return 0
    if arguments.command == "build-data" and arguments.check:
        return _build_data(check=True, force=False)
    from perumig import locking

    jobs = _plan(arguments)
    with locking.exclusive(wait=not arguments.no_wait) if hasattr(arguments, "no_wait") else nullcontext():
        if arguments.command in COMMANDS:
            COMMANDS[arguments.command](arguments, jobs)
        elif arguments.command == "fetch":
            for path in _fetch_all():
                print(f"ok {publish.shown(path)}")
        elif arguments.command == "build-data":
            publish.remove_leftovers([paths.DATA])
            return _build_data(check=False, force=arguments.force)
        elif arguments.command == "site":
            publish.remove_leftovers([Path(arguments.output).parent if arguments.output else paths.SITE.parent])
            _site(arguments.force, arguments.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
