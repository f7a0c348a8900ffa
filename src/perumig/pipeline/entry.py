"""The `perumig` command's entry point: stop signals are handled from the first instant.

A Ctrl-C or SIGTERM that arrives while the command line is still importing its modules ends it with
the same one line and exit code 130 as one that arrives later, not with a traceback; so this module
imports nothing heavy before the handlers are set.
"""

import signal
import sys

INTERRUPTED_EXIT_CODE = 130
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _stop(signum, frame):
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    previous = {stop: signal.signal(stop, _stop) for stop in STOP_SIGNALS}
    try:
        from perumig.pipeline import cli
    except KeyboardInterrupt:
        print("perumig: error: interrupted; nothing was changed", file=sys.stderr)
        return INTERRUPTED_EXIT_CODE
    finally:
        for stop, handler in previous.items():
            signal.signal(stop, handler)
    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
