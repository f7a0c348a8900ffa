"""Errors meant for people: each says what went wrong and how to fix it, in one message.

The command line prints ``str(error)`` on one line and exits with ``exit_code``; it never shows a
traceback for these.
"""


class PerumigError(Exception):
    """Base class of every error the compendium reports to its user."""

    exit_code = 1


class ParameterError(PerumigError):
    """A bad run parameter or command-line argument (exit code 2, as for argparse)."""

    exit_code = 2


class UnsafePathError(ParameterError):
    """A path the user gave is one perumig must not write: a link, a file, a folder it did not make."""


class DataSourceError(PerumigError):
    """A raw file is missing, cannot be fetched or fails its checksum."""


class DataValidationError(PerumigError):
    """A processed or transcribed table does not match its schema or its recorded checksum."""


class NotebookRunError(PerumigError):
    """A notebook failed while executing; the failed copy is kept for debugging."""


class BusyError(PerumigError):
    """Another perumig process is writing data/ or reports/ and this one was told not to wait."""


class InterruptedRun(PerumigError):
    """SIGINT or SIGTERM arrived; what was being built is discarded, published folders are untouched.

    ``published`` and ``discarded`` name what the interrupted work had and had not published.
    """

    exit_code = 130

    def __init__(self, published: list[str] | tuple = (), discarded: list[str] | tuple = ()):
        self.published, self.discarded = list(published), list(discarded)
        super().__init__(self.line())

    def line(self, published_before: list[str] | tuple = ()) -> str:
        published = [*published_before, *self.published]
        parts = ["interrupted"]
        if published:
            parts.append(f"published before the interruption: {', '.join(published)}")
        if self.discarded:
            parts.append(f"discarded: {', '.join(self.discarded)} (their earlier outputs are untouched)")
        elif not published:
            parts.append("nothing was changed")
        return "; ".join(parts)
