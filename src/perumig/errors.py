"""Errors meant for people: each says what went wrong and how to fix it, in one message.

The command line prints ``str(error)`` on one line and exits with ``exit_code``; it never shows a
traceback for these.
"""

import errno
import reprlib


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


class WriteError(PerumigError):
    """A file could not be written (a full disk, a quota, a read-only folder); what was published before is unchanged."""


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

def reason(error: Exception) -> str:
    """An exception in a few words: what the operating system said ("No space left on device"), or
    the error's type and the start of its first line."""
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    first_line = next(iter(str(error).splitlines()), "")
    return f"{type(error).__name__}: {first_line[:80]}" if first_line else type(error).__name__


def write_failed(what: str, command: str, error: OSError) -> WriteError:
    """The error for an OSError met while writing ``what``: what failed, why, and how to fix it."""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = "free disk space"
    else:
        fix = f"check {error.filename}" if error.filename else "make sure the folder is writable"
    return WriteError(f"could not write {what} ({reason(error)}): {fix} and run `{command}` again; "
                      "what was there before is unchanged")


def shown(value, limit: int = 60) -> str:
    """A value as a message quotes it: a repr cut short without ever building the full text.

    A value typed by a user can be anything YAML or a command line gives: a string of 100,000
    characters, a list nested a hundred levels deep, an integer too long to print.
    """
    brief = reprlib.Repr()
    brief.maxlevel, brief.maxstring, brief.maxother = 3, limit, limit
    brief.maxlist = brief.maxtuple = brief.maxdict = brief.maxset = 6
    try:
        text = brief.repr(value)
    except ValueError:  # an int of more than 4300 digits has no repr
        return "a number too long to show"
    return text if len(text) <= limit else f"{text[:limit]}..."
