"""Training text: one or several files, plain or compressed, streamed in chunks, watched
for changes, and resumable from any chunk boundary.

The corpus is streamed as raw bytes in chunks, never decoded and never held whole, so a
pass over it costs memory for one chunk only. Tokenising is not done here (see
w2v/_text.pyx): a chunk may end in the middle of a word.

    >>> corpus = Corpus(["part1.txt.gz", "part2.txt"])          # doctest: +SKIP
    >>> for chunk in corpus.chunks():                           # doctest: +SKIP
    ...     counter.feed(chunk.data, chunk.end_of_file)

Files are opened by w2v.inputs (.gz, .bz2, .xz, .zip by extension); the members of a
.zip archive are read one after the other, each ending like a file.

Training reads the corpus once to count it and once per pass. Each file's size,
modification time and identity are recorded when the Corpus is made; before every pass
(and on resuming) they are checked again:

- a file that was truncated, replaced or rewritten is an error: the vocabulary, the
  learning-rate schedule and the progress all assume the text that was counted;
- a file that grew (a log being appended to) keeps its counted part, checked to be
  unchanged at its start and end; the new text is ignored by this run, with a warning.

Chunks are read at fixed offsets of each file's (decompressed) content, so a pass can
restart at the position a chunk ends at (`Chunk.position`) and read the same chunks.
"""
import dataclasses
import hashlib
import os
import re
import stat
from typing import NamedTuple, Optional

from .errors import UserError
from .inputs import Source, check_readable, compression, read_errors

CHUNK_SIZE = 1 << 20
SIGNATURE_BYTES = 4096  # bytes hashed at each end of a file to tell an append from an edit


class Position(NamedTuple):
    """Where a chunk ends: file index, zip member index, bytes of that member's content."""
    file: int
    member: int
    offset: int


class Chunk(NamedTuple):
    data: bytes
    end_of_file: bool    # the last chunk of a file (or zip member): it ends a token
    position: Position   # where the next chunk starts


@dataclasses.dataclass
class FileState:
    """What a corpus file looked like when it was counted."""
    path: str
    size: int
    mtime_ns: int
    inode: int
    device: int
    signature: str       # hash of the first and last SIGNATURE_BYTES

    @classmethod
    def of(cls, path):
        try:
            status = os.stat(path)
        except OSError as exc:
            raise UserError(f"cannot read corpus {path}: {exc.strerror}") from None
        return cls(path, status.st_size, status.st_mtime_ns, status.st_ino, status.st_dev,
                   _signature(path, status.st_size))

    def to_json(self):
        return dataclasses.asdict(self)

    @classmethod
    def from_json(cls, data):
        return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls)})

    def found_again(self):
        """This state with the identity (inode, device) the file has now, if it is the
        same file by everything a user can see: its size, modification time and the
        bytes at its ends. A job resumed after a reboot that numbered the disks anew, on
        another node of a batch system (NFS tells each its own device), or from a copy
        restored with its times (cp -p, rsync -t), reads the text it was counted on: it
        was refused as "replaced by another file", and its checkpoint dropped. Any other
        difference is left for `change` to name."""
        try:
            now = os.stat(self.path)
        except OSError:
            return self
        if (now.st_ino, now.st_dev) == (self.inode, self.device) or not (
                now.st_size == self.size and now.st_mtime_ns == self.mtime_ns
                and _signature(self.path, self.size) == self.signature):
            return self
        return dataclasses.replace(self, inode=now.st_ino, device=now.st_dev)

    def change(self, shown=None):
        """None if the file is as counted; "grew" if text was only appended; else a
        UserError describing the change."""
        shown = shown or self.path
        try:
            now = os.stat(self.path)
        except FileNotFoundError:
            raise UserError(f"corpus {shown} was removed") from None
        except OSError as exc:
            raise UserError(f"cannot read corpus {shown}: {exc.strerror}") from None
        if (now.st_ino, now.st_dev) != (self.inode, self.device):
            raise UserError(f"corpus {shown} was replaced by another file")
        if now.st_size < self.size:
            raise UserError(f"corpus {shown} was truncated (from {self.size} to "
                            f"{now.st_size} bytes)")
        if now.st_size == self.size and now.st_mtime_ns == self.mtime_ns:
            return None
        if (now.st_size > self.size and compression(self.path) != "zip"
                and _signature(self.path, self.size) == self.signature):
            return "grew"
        raise UserError(f"corpus {shown} was modified (its size or modification time "
                        "changed)")


def _signature(path, size):
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            digest.update(f.read(min(size, SIGNATURE_BYTES)))
            f.seek(max(0, size - SIGNATURE_BYTES))
            digest.update(f.read(min(size, SIGNATURE_BYTES)))
    except OSError:
        return ""  # not a regular file: nothing to compare
    return digest.hexdigest()


class Corpus:
    """One or more text files read one after the other as a single corpus.

    The end of a file ends the token being read but not the sentence: only newlines make
    `</s>`, as if the files were joined with a space between them.

    Attributes:
        paths: the files, in reading order (possibly spooled copies of pipes).
        names: how to show them (the names the user gave).
        files: their FileState when the Corpus was made.
        total_bytes: the sum of their sizes on disk (compressed sizes for compressed
            files), for progress reports.
        bytes_read: on-disk bytes consumed so far by the pass in progress (read ahead of
            the consumer by at most a chunk and the decompressor's buffer).
        warnings: a callable taking a one-line warning (the corpus grew).
    """

    def __init__(self, paths, names=None, files=None, warnings=None):
        if isinstance(paths, (str, bytes, os.PathLike)):
            paths = [paths]
        self.paths = [os.fsdecode(p) for p in paths]
        if not self.paths:
            raise UserError("no training corpus given")
        self.names = list(names) if names else list(self.paths)
        for path, name in zip(self.paths, self.names):
            _check_corpus_file(path, name)
        self.files = files or [FileState.of(p) for p in self.paths]
        self.total_bytes = sum(f.size for f in self.files)
        self.bytes_read = 0
        self.warnings = warnings
        self._warned = set()

    def __str__(self):
        return ", ".join(self.names)

    def __repr__(self):
        return f"Corpus({self.paths!r})"

    def check_unchanged(self):
        """UserError if a file changed since it was counted (see the module's docstring)."""
        for state, name in zip(self.files, self.names):
            if state.change(name) == "grew" and name not in self._warned:
                self._warned.add(name)
                if self.warnings:
                    self.warnings(f"warning: corpus {name} grew since it was counted; "
                                  "this run ignores the new text")

    def chunks(self, chunk_size=CHUNK_SIZE, start: Optional[Position] = None,
               stop: Optional[Position] = None):
        """Yield Chunks covering every file in order, from `start` (a Position a chunk
        ended at) or from the beginning, up to `stop` (a position in a plain file, see
        region_starts) or to the end. Empty files yield nothing.

        A file that cannot be read, cannot be decompressed, or ends before its counted
        size raises UserError naming it.
        """
        if chunk_size < 1:
            raise ValueError("chunk_size must be positive")
        start = start or Position(0, 0, 0)
        self.bytes_read = sum(f.size for f in self.files[:start.file])
        done = self.bytes_read
        for index in range(start.file, len(self.paths) if stop is None else stop.file + 1):
            state, name = self.files[index], self.names[index]
            limit = stop.offset if stop is not None and index == stop.file else None
            with Source(name, "corpus", read_from=self.paths[index]) as source, \
                    read_errors(name, "corpus"):
                if compression(name) != "zip":
                    source.raw = _Limited(source.raw, state.size)
                for member, opened in enumerate(source.streams()):
                    if (index, member) < (start.file, start.member):
                        opened.close()
                        continue
                    offset = start.offset if (index, member) == (start.file, start.member) else 0
                    with opened as stream:
                        yield from self._member_chunks(stream, source.raw, index, member,
                                                       offset, chunk_size, done, limit)
                if (limit is None and source.raw.tell() < state.size
                        and compression(name) != "zip"):
                    raise UserError(f"corpus {name} was truncated while being read")
            done += state.size
            self.bytes_read = done

    def _member_chunks(self, stream, raw, index, member, offset, chunk_size, done,
                       limit=None):
        def read(at):  # a chunk, or less: up to `limit`
            size = chunk_size if limit is None else max(0, min(chunk_size, limit - at))
            return stream.read(size)

        if offset:
            _skip(stream, offset)
        chunk = read(offset)
        while chunk:
            offset += len(chunk)
            following = read(offset)
            self.bytes_read = done + raw.tell()
            yield Chunk(chunk, not following, Position(index, member, offset))
            chunk = following

    def region_starts(self, count):
        """Where `count` readers should start to share a pass as word2vec.c's threads
        do, each reading one contiguous part of the text: Positions near equal fractions
        of the bytes, each just after a space, tab or newline so that no token is cut.
        The first is the corpus's start. Only plain files can be entered in the middle:
        with a compressed file, or one region, the list is the start alone."""
        if count <= 1 or any(compression(name) for name in self.names):
            return [Position(0, 0, 0)]
        starts = [Position(0, 0, 0)]
        for k in range(1, count):
            target = self.total_bytes * k // count
            index = 0
            while index < len(self.files) - 1 and target >= self.files[index].size:
                target -= self.files[index].size
                index += 1
            start = self._after_separator(index, target)
            position = (Position(index, 0, start) if start is not None
                        else Position(index + 1, 0, 0))
            if position > starts[-1] and position.file < len(self.files):
                starts.append(position)
        return starts

    def _after_separator(self, index, offset):
        """The offset just after the first separator at or after `offset` in plain file
        `index`'s counted bytes, or None if there is none. Opened like every corpus read,
        so an unreadable or vanished file is the usual one-line error."""
        name, size = self.names[index], self.files[index].size
        with Source(name, "corpus", read_from=self.paths[index]) as source, \
                read_errors(name, "corpus"):
            source.raw.seek(offset)
            while offset < size:
                block = source.raw.read(min(CHUNK_SIZE, size - offset))
                if not block:
                    return None
                found = _SEPARATOR.search(block)
                if found:
                    return offset + found.end()
                offset += len(block)
        return None


_SEPARATOR = re.compile(rb"[ \t\n]")  # ends a token (w2v/_text.pyx, word2vec.c's ReadWord)


def _check_corpus_file(path, name):
    """inputs.check_readable, then: a corpus is read 1 + passes times, so a pipe or a
    device (which the training job spools first) cannot be one."""
    check_readable(path, "corpus", shown=name)
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise UserError(f"corpus {name} is not a regular file (a pipe or a device?): "
                        "it is read more than once, so save it to a file first")


def _skip(stream, count):
    """Move a stream `count` bytes forward: seek when it can, else read and drop."""
    try:
        if stream.seekable():
            stream.seek(count)
            return
    except (AttributeError, OSError):
        pass
    while count > 0:
        data = stream.read(min(count, CHUNK_SIZE))
        if not data:
            return
        count -= len(data)


class _Limited:
    """A raw file read up to `size` bytes only: text appended after counting is ignored."""

    def __init__(self, raw, size):
        self._raw = raw
        self._size = self._left = size

    def read(self, n=-1):
        if n is None or n < 0 or n > self._left:
            n = self._left
        data = self._raw.read(n)
        self._left -= len(data)
        return data

    def peek(self, n=1):
        return self._raw.peek(n)[:self._left]

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)

    def tell(self):
        return self._raw.tell()

    def seekable(self):
        return self._raw.seekable()

    def seek(self, position):
        self._raw.seek(position)
        self._left = max(0, self._size - position)
        return position

    def readable(self):
        return True

    def close(self):
        self._raw.close()

    @property
    def closed(self):
        return self._raw.closed
