"""Opening training text: plain, .gz, .bz2, .xz or .zip files, one or several.

The corpus is streamed as raw bytes in chunks (never decoded, never held whole), so
every pass over it costs memory for one chunk only.
"""
import bz2
import gzip
import lzma
import os
import zipfile
import zlib

from .errors import UserError

CHUNK_SIZE = 1 << 20

# What a damaged compressed file raises, depending on where the damage is.
CORRUPTION_ERRORS = (OSError, EOFError, zlib.error, lzma.LZMAError, zipfile.BadZipFile)


class Corpus:
    """One or more text files read one after the other as a single corpus.

    The end of a file ends the token being read but not the sentence: only newlines make
    `</s>`, as if the files were concatenated with a space between them.
    """

    def __init__(self, paths):
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        self.paths = [os.fspath(p) for p in paths]
        if not self.paths:
            raise UserError("no training corpus given")
        for path in self.paths:
            check_readable(path)
        self.total_bytes = sum(os.path.getsize(p) for p in self.paths)

    def __str__(self):
        return ", ".join(self.paths)

    def chunks(self, chunk_size=CHUNK_SIZE):
        """Yield (bytes, end_of_file) pairs covering every file in order."""
        for path in self.paths:
            yield from _file_chunks(path, chunk_size)


def check_readable(path):
    if not os.path.exists(path):
        raise UserError(f"cannot read corpus {path}: no such file")
    if os.path.isdir(path):
        raise UserError(f"cannot read corpus {path}: it is a directory")
    if not os.access(path, os.R_OK):
        raise UserError(f"cannot read corpus {path}: permission denied")


def _file_chunks(path, chunk_size):
    try:
        for stream in _open_streams(path):
            with stream:
                previous = stream.read(chunk_size)
                while previous:
                    following = stream.read(chunk_size)
                    yield previous, not following
                    previous = following
    except CORRUPTION_ERRORS as exc:
        detail = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise UserError(f"cannot read corpus {path}: {detail}") from None


def _open_streams(path):
    """The binary streams of a file: one, or one per member of a zip archive."""
    lower = path.lower()
    if lower.endswith(".gz"):
        yield gzip.open(path, "rb")
    elif lower.endswith(".bz2"):
        yield bz2.open(path, "rb")
    elif lower.endswith(".xz"):
        yield lzma.open(path, "rb")
    elif lower.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist():
                if not member.is_dir():
                    yield archive.open(member)
    else:
        yield open(path, "rb")
