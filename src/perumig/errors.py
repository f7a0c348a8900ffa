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


class DataSourceError(PerumigError):
    """A raw file is missing, cannot be fetched or fails its checksum."""


class DataValidationError(PerumigError):
    """A processed or transcribed table does not match its schema or its recorded checksum."""


class NotebookRunError(PerumigError):
    """A notebook failed while executing; the failed copy is kept for debugging."""


class BusyError(PerumigError):
    """Another perumig process is writing data/ or reports/ and this one was told not to wait."""


class InterruptedRun(PerumigError):
    """SIGINT or SIGTERM arrived; what was being built is discarded, published folders are untouched."""

    exit_code = 130
