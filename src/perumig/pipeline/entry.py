"""The `perumig` command's entry point: stop signals are handled from the first instant.

A Ctrl-C or SIGTERM that arrives while the command line is still importing its modules ends it with
the same one line and exit code 130 as one that arrives later, not with a traceback; so this module
imports nothing heavy before the handlers are set.
"""

import os
import signal
import sys

INTERRUPTED_EXIT_CODE = 130
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
# jsonschema, which nbformat (papermill, myst-nb) imports, loads rfc3987_syntax when it is installed
# (jupyterlab brings it in), and that module builds a parser of the IRI grammar as it is imported: 0.85 s
# of every command that runs a notebook or builds the website (importing papermill: 1.14 s with it, 0.29 s
# without), for the formats "iri" and "iri-reference", which no schema the command validates uses
# (tests/test_environment.py checks nbformat's). Marked absent, jsonschema leaves those formats unchecked.
UNUSED_SLOW_IMPORTS = ("rfc3987_syntax",)


def _stop(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    previous = {stop: signal.signal(stop, _stop) for stop in STOP_SIGNALS}
    for name in UNUSED_SLOW_IMPORTS:
        sys.modules.setdefault(name, None)
    command_ran = False
    try:
        from perumig.pipeline import cli
        # The command puts its own handlers in place and back; a stop in the instant before or after raises
        # KeyboardInterrupt here, never the default silent death by SIGTERM.
        command_ran = True
        return cli.main(argv)
    except KeyboardInterrupt:
        if command_ran:  # the command says itself how it ended; this stop came in the instant after it had
            return INTERRUPTED_EXIT_CODE
        print("perumig: error: interrupted; nothing was changed", file=sys.stderr)
        return INTERRUPTED_EXIT_CODE
    finally:
        for stop, handler in previous.items():
            signal.signal(stop, handler)


def run(argv: list[str] | None = None) -> None:
    """The command as a process (the `perumig` script, `python -m perumig`): exits with main's code.

    An interrupted command leaves at once with 130. Left to the interpreter's own exit it once ended as
    killed by SIGINT (exit code -2) after printing its line, in CI, for a `build-data` stopped (by SIGINT
    and by SIGTERM alike) while it was still importing: Python re-sends itself SIGINT on its way out when
    it believes a KeyboardInterrupt went unhandled, whatever the command returned.
    """
    code = main(argv)
    # The command has finished and said how; a stop during the interpreter's shutdown (a moment after a website
    # build) would only turn that outcome into a silent death by the signal (exit code 143).
    for stop in STOP_SIGNALS:
        signal.signal(stop, signal.SIG_IGN)
    if code == INTERRUPTED_EXIT_CODE:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    run()
