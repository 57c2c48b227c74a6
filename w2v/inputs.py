"""The one way w2v reads files: plain or compressed, regular files or pipes, one set of
error messages for every command (train, phrases, the vectors readers, vocabulary,
questions and word-pair files).

- The format is chosen by the name's extension, case ignored: `.gz`, `.bz2`, `.xz`, or
  `.zip` (its members are read one after the other, in archive order); anything else is
  read as it is.
- Damaged compressed data is "corrupt or truncated", named with the file, never a
  traceback and never mistaken for an interruption.
- Nothing is held whole: readers get streams, and `lines` bounds every line it returns.
- A pipe, a FIFO or a terminal (`/dev/stdin`, `<(zcat x.gz)`, `-` for standard input)
  can be read only once; commands that read their input several times (training,
  phrases) `spool` it to a temporary file first.
"""
import bz2
import contextlib
import gzip
import lzma
import os
import select
import stat
import sys
import zipfile
import zlib

from .errors import UsageError, UserError
from .outputs import file_name, temporary_file

STDIN = "-"
MAX_LINE_BYTES = 1 << 20  # vocabulary, word-list, questions and word-pair lines

# What damaged (or misnamed) compressed data raises, depending on the format and on where
# the damage is: gzip.BadGzipFile and bz2's "Invalid data stream" are OSErrors, truncation
# is an EOFError, a bad member CRC a zipfile.BadZipFile, an unsupported zip method a
# NotImplementedError, an encrypted member a RuntimeError.
READ_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile,
               NotImplementedError, RuntimeError)

_DECOMPRESSORS = {
    ".gz": lambda raw: gzip.GzipFile(fileobj=raw, mode="rb"),
    ".bz2": lambda raw: bz2.BZ2File(raw, mode="rb"),
    ".xz": lambda raw: lzma.LZMAFile(raw, mode="rb"),
}


def compression(path):
    """'gz', 'bz2', 'xz', 'zip' or None, from the name."""
    extension = os.path.splitext(os.fspath(path))[1].lower()
    return extension[1:] if extension in _DECOMPRESSORS or extension == ".zip" else None


def is_stdin(path):
    return os.fspath(path) == STDIN


def check_readable(path, what="file", shown=None):
    """UserError unless `path` is an existing, readable file (not a directory); messages
    name it as `shown` (a spooled copy's original name) if given."""
    path = file_name(path, what)
    if is_stdin(path):
        return
    shown = shown or path
    if path == "":
        raise UsageError(f"the {what} path is empty")
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise UserError(f"cannot read {what} {shown}: no such file") from None
    except OSError as exc:
        raise UserError(f"cannot read {what} {shown}: {exc.strerror}") from None
    if stat.S_ISDIR(status.st_mode):
        raise UserError(f"cannot read {what} {shown}: it is a directory")
    if not os.access(path, os.R_OK):
        raise UserError(f"cannot read {what} {shown}: permission denied")


def is_regular(path):
    """True for a regular file (which can be read again, and holds the bytes its size
    says), False for a pipe, FIFO, device, or a /proc file: those tell a size of 0 and
    generate their content when read, which may differ from one read to the next."""
    if is_stdin(path):
        return False
    try:
        status = os.stat(path)
    except OSError:
        return False
    if not stat.S_ISREG(status.st_mode):
        return False
    if status.st_size == 0:
        try:
            with open(path, "rb") as f:
                return not f.read(1)
        except OSError:
            return True  # its reader reports why it cannot be read
    return True


def describe(exc):
    """A read error as a few words for a one-line message."""
    if isinstance(exc, EOFError):
        return "corrupt or truncated compressed data (it ends too early)"
    if isinstance(exc, (zlib.error, lzma.LZMAError, gzip.BadGzipFile)):
        return f"corrupt or truncated compressed data ({exc})"
    if isinstance(exc, zipfile.BadZipFile):
        return f"not a valid zip archive, or a damaged one ({exc})"
    if isinstance(exc, (NotImplementedError, RuntimeError)):
        return f"unsupported zip archive ({exc})"
    if isinstance(exc, OSError) and exc.errno is None:
        return f"corrupt or truncated compressed data ({exc})"  # bz2's "Invalid data stream"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


@contextlib.contextmanager
def read_errors(path, what="file"):
    """Turn any read or decompression error inside the block into one UserError line."""
    try:
        yield
    except READ_ERRORS as exc:
        raise UserError(f"cannot read {what} {os.fspath(path)}: {describe(exc)}") from None


class Source:
    """One input file opened for reading: `raw` is the file as stored (its position tells
    how much was consumed), `streams()` gives the decompressed content, one stream per zip
    member, else just one. Use as a context manager, and wrap reads in `read_errors`."""

    def __init__(self, path, what="file", read_from=None):
        self.path = os.fspath(path)
        self.what = what
        self.read_from = read_from or self.path  # a spooled copy of a pipe, if any
        self.raw = None

    def __enter__(self):
        check_readable(self.read_from, self.what)
        with read_errors(self.path, self.what):
            if is_stdin(self.read_from):
                self.raw = os.fdopen(os.dup(sys.stdin.fileno()), "rb")
            else:
                self.raw = open(self.read_from, "rb")
        return self

    def __exit__(self, *exc_info):
        self.raw.close()

    def streams(self):
        """Context managers of binary streams: the decompressed file, or its zip members."""
        kind = compression(self.path)
        if kind == "zip":
            with zipfile.ZipFile(self.raw) as archive:
                for member in archive.infolist():
                    if not member.is_dir():
                        yield archive.open(member)
        elif kind is not None:
            if kind == "gz" and not self.raw.peek(1):
                # gzip.GzipFile reads no bytes as no text, where bz2, xz and `gzip -t`
                # see a truncated file: an empty .gz is damaged, not an empty text
                raise EOFError("an empty file")
            yield _DECOMPRESSORS["." + kind](self.raw)
        else:
            yield contextlib.nullcontext(self.raw)  # closed with the Source


@contextlib.contextmanager
def open_stream(path, what="file"):
    """The whole decompressed content of `path` as one binary stream (zip members joined)."""
    with Source(path, what) as source:
        streams = list(source.streams()) if compression(path) == "zip" else None
        if streams is None:
            (only,) = source.streams()
            with only as stream:
                yield stream
        else:
            yield _Joined(streams)


class _Joined:
    """Zip members read one after the other as one stream."""

    def __init__(self, members):
        self.members = list(members)

    def read(self, size=-1):
        out = []
        while self.members and (size < 0 or size > 0):
            data = self.members[0].read(size)
            if not data:
                self.members.pop(0).close()
                continue
            out.append(data)
            if size > 0:
                size -= len(data)
        return b"".join(out)

    def readline(self, limit=-1):
        while self.members:
            line = self.members[0].readline(limit)
            if line:
                return line  # a member's last line ends there, newline or not
            self.members.pop(0).close()
        return b""


def lines(stream, path, what="file", max_bytes=MAX_LINE_BYTES):
    """(line number, line without its newline) of a binary stream; a line longer than
    `max_bytes` is a UserError rather than a reason to hold gigabytes."""
    number = 0
    while True:
        line = stream.readline(max_bytes + 1)
        if not line:
            return
        number += 1
        if len(line) > max_bytes and not line.endswith(b"\n"):
            raise UserError(f"{what} {path}, line {number}: longer than {max_bytes} bytes "
                            "(not a text file of this kind?)")
        yield number, line.rstrip(b"\n")


def read_text_file(path, what="file", max_line_bytes=MAX_LINE_BYTES):
    """Yield (line number, line bytes) of a (possibly compressed) text file, each bounded."""
    path = file_name(path, what)
    with read_errors(path, what), open_stream(path, what) as stream:
        yield from lines(stream, path, what, max_line_bytes)


@contextlib.contextmanager
def spooled(path, beside, what="corpus", progress=None):
    """`path` itself when it is a regular file, else a temporary copy of its bytes (as
    stored, still compressed) that lives as long as the block: for inputs read twice."""
    if is_regular(path):
        yield os.fspath(path)
        return
    check_readable(path, what)
    with temporary_file(beside, "spool") as (fd, temp):
        shown = "standard input" if is_stdin(path) else path
        if progress:
            progress(f"Reading {shown} into a temporary file ({temp}): the {what} is read "
                     "more than once")
        with read_errors(path, what):
            source = os.dup(sys.stdin.fileno()) if is_stdin(path) else os.open(path, os.O_RDONLY)
        try:
            _copy_descriptor(source, fd, path, what, f"cannot copy {shown} to {temp}")
        finally:
            os.close(source)
        yield temp


def _copy_descriptor(source, target, path, what, failure):
    """Copy everything `source` gives to `target`. It waits for data with poll and a
    timeout rather than in read(): a signal that comes between two reads (not during one,
    which it would interrupt) is then acted on within a second, instead of when the
    writer of an idle pipe sends more, if ever."""
    poller = select.poll()
    poller.register(source, select.POLLIN)
    while True:
        with read_errors(path, what):
            if not poller.poll(1000):
                continue
            data = os.read(source, 1 << 20)
        if not data:
            return
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(target, view):]
        except OSError as exc:  # a full disk is not a read error
            raise UserError(f"{failure}: {exc.strerror or exc}") from None
