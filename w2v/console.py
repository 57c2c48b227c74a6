"""Standard streams that never stop a job.

A cron job may run with stderr closed (`2>&-`), piped into `head -1`, on a terminal that
went away (SIGHUP) or on a full disk. Progress and messages are a courtesy: if they
cannot be written, training goes on, writes its output and exits with the status of the
work. Query commands write their answers with `write_stdout`, which turns a failure into
one error line (or a quiet exit when the reader of a pipe has left).
"""
import io
import os
import sys
import unicodedata

from .errors import UserError

_broken = {"stderr": False}


def repair_standard_streams():
    """Give closed descriptors 0, 1, 2 a /dev/null, so that no file w2v opens later takes
    their number (a vectors file on descriptor 2 would receive error messages), and give
    Python stream objects to any that had none."""
    for fd, flags in ((0, os.O_RDONLY), (1, os.O_WRONLY), (2, os.O_WRONLY)):
        try:
            os.fstat(fd)
        except OSError:
            null = os.open(os.devnull, flags)
            if null != fd:
                os.dup2(null, fd)
                os.close(null)
    if sys.stdin is None:
        sys.stdin = io.TextIOWrapper(open(0, "rb", closefd=False))
    if sys.stdout is None:
        sys.stdout = io.TextIOWrapper(open(1, "wb", closefd=False), line_buffering=True)
    if sys.stderr is None:
        sys.stderr = io.TextIOWrapper(open(2, "wb", closefd=False), line_buffering=True)


def _silence(fd):
    """Point a broken descriptor at /dev/null, so that later writes (and Python's flush at
    exit) neither fail nor print 'Exception ignored'."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)
    except OSError:
        pass


def one_line(text):
    """`text` with its line breaks and other control characters written as escapes (\\n,
    \\x1b), as repr writes them: a message naming a file called "a<newline>b", or quoting
    a word holding a terminal's escape sequence, stays one line and means what it says."""
    return "".join(repr(ch)[1:-1] if unicodedata.category(ch) in ("Cc", "Zl", "Zp")
                   else ch for ch in text)


def say(text):
    """One line on stderr, or nothing if stderr cannot be written."""
    if _broken["stderr"]:
        return
    try:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()
    except (OSError, ValueError):
        _stderr_broke()


def say_partial(text):
    """Text on stderr without a newline (a prompt), or nothing if stderr is unusable."""
    if _broken["stderr"]:
        return
    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except (OSError, ValueError):
        _stderr_broke()


def _stderr_broke():
    _broken["stderr"] = True
    try:
        _silence(sys.stderr.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def stderr_is_terminal():
    try:
        return not _broken["stderr"] and sys.stderr.isatty()
    except (OSError, ValueError, AttributeError):
        return False


class SafeStderr:
    """stderr for tqdm: writes that fail are dropped (and stop being attempted)."""

    def write(self, text):
        if not _broken["stderr"]:
            try:
                sys.stderr.write(text)
            except (OSError, ValueError):
                _stderr_broke()
        return len(text)

    def flush(self):
        if not _broken["stderr"]:
            try:
                sys.stderr.flush()
            except (OSError, ValueError):
                _stderr_broke()

    def isatty(self):
        return stderr_is_terminal()

    def fileno(self):
        return sys.stderr.fileno()


class StdoutClosed(Exception):
    """The reader of our standard output has gone (`w2v similar ... | head -1`)."""


def write_stdout(data):
    """Write bytes (or text) to stdout after any text already there, and flush."""
    try:
        sys.stdout.flush()
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogateescape")
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    except BrokenPipeError:
        _silence(1)
        raise StdoutClosed() from None
    except (OSError, ValueError) as exc:
        _silence(1)
        reason = getattr(exc, "strerror", None) or "it is closed"
        raise UserError(f"cannot write to standard output: {reason}") from None


def silence_stdout():
    """Point stdout at /dev/null after a write there failed (see _silence)."""
    _silence(1)


def finish_stdout():
    """Flush stdout at the end of a command; a failure then is a failure of the command."""
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        _silence(1)
    except (OSError, ValueError) as exc:
        _silence(1)
        reason = getattr(exc, "strerror", None) or "it is closed"
        raise UserError(f"cannot write to standard output: {reason}") from None
