"""Opening training text: one or several files, plain or compressed (.gz, .bz2, .xz, .zip).

The corpus is streamed as raw bytes in chunks, never decoded and never held whole, so a
pass over it costs memory for one chunk only. Tokenising is not done here (see
w2v/_text.pyx): a chunk may end in the middle of a word.

    >>> corpus = Corpus(["part1.txt.gz", "part2.txt"])          # doctest: +SKIP
    >>> for chunk, end_of_file in corpus.chunks():              # doctest: +SKIP
    ...     counter.feed(chunk, end_of_file)

The compression format is chosen by the file name's extension (case ignored); the
members of a .zip archive are read one after the other, in archive order, each ending
like a file.
"""
import bz2
import contextlib
import gzip
import lzma
import os
import zipfile
import zlib

from .errors import UserError

CHUNK_SIZE = 1 << 20

# What damaged (or misnamed) compressed data raises, depending on the format and on
# where the damage is: gzip.BadGzipFile and bz2's "Invalid data stream" are OSErrors,
# truncation is an EOFError, a bad member CRC is a zipfile.BadZipFile, an unsupported zip
# method a NotImplementedError, an encrypted member a RuntimeError.
READ_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile,
               NotImplementedError, RuntimeError)

_OPENERS = {
    ".gz": lambda raw: gzip.GzipFile(fileobj=raw, mode="rb"),
    ".bz2": lambda raw: bz2.BZ2File(raw, mode="rb"),
    ".xz": lambda raw: lzma.LZMAFile(raw, mode="rb"),
}


class Corpus:
    """One or more text files read one after the other as a single corpus.

    The end of a file ends the token being read but not the sentence: only newlines make
    `</s>`, as if the files were joined with a space between them.

    Attributes:
        paths: the files, in reading order.
        total_bytes: the sum of their sizes on disk (compressed sizes for compressed
            files), for progress reports.
        bytes_read: on-disk bytes consumed so far by the pass in progress (read ahead of
            the consumer by at most a chunk and the decompressor's buffer).
    """

    def __init__(self, paths):
        if isinstance(paths, (str, bytes, os.PathLike)):
            paths = [paths]
        self.paths = [os.fsdecode(p) for p in paths]
        if not self.paths:
            raise UserError("no training corpus given")
        for path in self.paths:
            check_readable(path)
        self.total_bytes = sum(os.path.getsize(p) for p in self.paths)
        self.bytes_read = 0

    def __str__(self):
        return ", ".join(self.paths)

    def __repr__(self):
        return f"Corpus({self.paths!r})"

    def chunks(self, chunk_size=CHUNK_SIZE):
        """Yield (bytes, end_of_file) pairs covering every file in order; end_of_file is True
        on the last chunk of each file (or zip member). Empty files yield nothing.

        A file that cannot be read or decompressed raises UserError naming it.
        """
        if chunk_size < 1:
            raise ValueError("chunk_size must be positive")
        self.bytes_read = 0
        done = 0
        for path in self.paths:
            try:
                with open(path, "rb") as raw:
                    for opened in _streams(path, raw):
                        with opened as stream:
                            chunk = stream.read(chunk_size)
                            while chunk:
                                following = stream.read(chunk_size)
                                self.bytes_read = done + raw.tell()
                                yield chunk, not following
                                chunk = following
            except READ_ERRORS as exc:
                raise UserError(f"cannot read corpus {path}: {_describe(exc)}") from None
            done += os.path.getsize(path)
            self.bytes_read = done


def check_readable(path):
    """UserError unless `path` is an existing, readable file (not a directory)."""
    if not os.path.exists(path):
        raise UserError(f"cannot read corpus {path}: no such file")
    if os.path.isdir(path):
        raise UserError(f"cannot read corpus {path}: it is a directory")
    try:
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise UserError(f"cannot read corpus {path}: {_describe(exc)}") from None


def _streams(path, raw):
    """Context managers giving the binary streams of an open file: the file itself, its
    decompressed content, or one per member of a zip archive."""
    extension = os.path.splitext(path)[1].lower()
    if extension == ".zip":
        with zipfile.ZipFile(raw) as archive:
            for member in archive.infolist():
                if not member.is_dir():
                    yield archive.open(member)
    elif extension in _OPENERS:
        yield _OPENERS[extension](raw)
    else:
        yield contextlib.nullcontext(raw)  # a plain file: its closing is left to its owner


def _describe(exc):
    if isinstance(exc, zipfile.BadZipFile):
        return f"not a valid zip archive ({exc})"
    if isinstance(exc, EOFError):
        return "compressed data ends too early (truncated file?)"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
