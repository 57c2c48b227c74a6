"""Vector file formats: word2vec.c's text and binary files, and numpy's .npy + a word list.

Text:   "V D\n", then per word: the word's bytes, then for each dimension "%f " (six
        decimals, each followed by a space, as word2vec.c's fprintf("%lf ")), then "\n".
Binary: "V D\n", then per word: the word's bytes, a space, D little-endian float32, "\n".
NumPy:  a (V, D) float32 .npy file and, beside it, a word list: one word per line, in
        row order (a word2vec.c vocabulary file, "word count" lines, is read as well).

Words are bytes here: training never decodes the corpus, so whatever bytes a word had
in the corpus are written back unchanged, and a reader returns exactly the bytes it found.

The readers accept what word2vec.c, gensim and fastText (.vec) write: text rows with or
without the trailing space, "\n" or "\r\n" line ends, binary rows with or without the
"\n" after each vector, headerless text files (GloVe), and .npy files with a float
matrix of any precision or byte order. What the readers guarantee, whatever the file:

- One opener: every file is read through w2v.inputs, so .gz, .bz2, .xz and .zip files,
  pipes, FIFOs and `-` (standard input) work, and damaged compressed data is the same
  one-line "corrupt or truncated compressed data" error as in training.
- Ordinary buffered reads only (no mmap): a file truncated while it is being read is an
  error naming the row, never a crash (SIGBUS).
- Bounded memory: no line or word is held beyond its bound (a binary row's word ends at
  a space within MAX_WORD_BYTES; a text row has at most MAX_WORD_BYTES plus
  TEXT_BYTES_PER_VALUE per value, the dimension of a headerless file being that of its
  first row), and the header is never trusted for allocation: the matrix is allocated
  at once only for a plain regular file large enough for the rows its header promises
  (an .npy file must be at least that large); otherwise (compressed data, pipes,
  headerless files, a file too short) it grows as rows arrive, and a file that ends
  early is an error at the row where it ends. Rows after those the header promises are
  ignored, as word2vec.c does.
- Headers are checked: "COUNT DIMENSION", two whole numbers, the dimension 1 to
  MAX_DIMENSION (w2v's --size limit); a first line of two number-like fields is a
  header, a bad one if they are not such numbers.
- Every value is finite: NaN or infinity (or a number beyond float32's range) is an
  error naming the first row affected and how many are.
- .npy matrices and their word lists must agree in length (a word list is read no
  further than that, its lines bounded as w2v.inputs bounds them); a pair is written
  together (atomic_outputs), so a failure never leaves a new word list beside an old
  matrix. The writers refuse words with a space or a newline, which no reader could
  split back.
- A file that is cut short or malformed is a UserError, one line naming the file and
  the line (text) or row (binary, .npy) where it went wrong.
"""
import contextlib
import os
import re
import stat
import tokenize
import warnings

import numpy as np

from . import inputs
from .cfloat import c_float
from .errors import UsageError, UserError
from .outputs import atomic_output, atomic_outputs, file_name

WHAT = "vectors file"
NPY_MAGIC = b"\x93NUMPY"
# A binary row's word ends at the first space; a corrupt file must not make us scan
# gigabytes looking for one. word2vec.c keeps words under 100 bytes; this is generous.
MAX_WORD_BYTES = 100_000
MAX_DIMENSION = 100_000          # w2v's --size limit (config.LIMITS["size"])
MAX_COUNT = 2 ** 40              # more rows than any vectors file has: a corrupt header
TEXT_BYTES_PER_VALUE = 64        # "-1.2345678901234567e-308 " is 25: generous
CHUNK_BYTES = 1 << 22            # bytes read at a time
FIRST_CHUNK_BYTES = 1 << 16
GROW_BYTES = 1 << 24             # first allocation of a matrix whose size is not known
TEXT_BATCH_LINES = 4096          # text rows parsed at a time (vectorised)
ROWS_PER_WRITE = 4096
_OTHER_FILES = [  # files people mistake for vectors files, by their first bytes
    (b"\xba\x16\x4f\x2f", "a fastText model (.bin), not a vectors file; its vectors are "
                          "in the .vec file beside it"),
    (b"\x80", "a Python pickle (a gensim model?), not a vectors file; write its vectors "
             "with model.wv.save_word2vec_format(path, binary=True)"),
] + [(magic, f"{kind}-compressed data, but the name does not end in .{ext}: rename it, "
             "or decompress it into a pipe") for magic, kind, ext in [
    (b"\x1f\x8b", "gzip", "gz"), (b"BZh", "bzip2", "bz2"), (b"\xfd7zXZ\x00", "xz", "xz"),
    (b"PK\x03\x04", "zip", "zip")]]
_NUMBER_LIKE = re.compile(rb"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\Z")
_NOT_NEWLINE = re.compile(rb"[^\n]")
_NOT_BLANK = re.compile(rb"[^ \t\r\n\v\f]")


# ---------------------------------------------------------------------------- writing


ENCODING = "utf-8"
ERRORS = "surrogateescape"  # lossless: any bytes -> str -> the same bytes


def decode_word(word):
    """bytes -> str, losslessly (bytes that are not UTF-8 become lone surrogates); str is
    returned as is."""
    return word.decode(ENCODING, ERRORS) if isinstance(word, bytes) else word


def encode_word(word):
    """str -> the bytes it was read from (or its UTF-8 form); bytes are returned as is."""
    return word if isinstance(word, bytes) else word.encode(ENCODING, ERRORS)


def write_vectors(path, words, vectors, binary=False):
    """Write `words` (list of bytes) and `vectors` (V x D float32) atomically to `path`."""
    vectors = _checked_matrix(words, vectors)
    count, dim = vectors.shape
    with atomic_output(path, what="vectors") as out:
        out.write(b"%d %d\n" % (count, dim))
        if binary:
            _write_binary_rows(out, words, vectors)
        else:
            _write_text_rows(out, words, vectors)


def _checked_matrix(words, vectors):
    vectors = np.asarray(vectors, dtype="<f4")  # rows are written one by one: no copy
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise ValueError("vectors must be a (len(words), D) matrix")
    joined = b"\0".join(words)
    if b" " in joined or b"\n" in joined:  # would split a row (or a word-list line)
        bad = next(i for i, w in enumerate(words) if b" " in w or b"\n" in w)
        raise UserError(f"word {bad + 1} ({_shown(words[bad])}) contains a space or a "
                        "newline: it cannot be written to a vectors file")
    return vectors


def _write_binary_rows(out, words, vectors):
    for start in range(0, len(words), ROWS_PER_WRITE):
        out.write(b"".join(
            word + b" " + row.tobytes() + b"\n"
            for word, row in zip(words[start:start + ROWS_PER_WRITE],
                                 vectors[start:start + ROWS_PER_WRITE])))


def _write_text_rows(out, words, vectors):
    row_format = "%f " * vectors.shape[1]
    for start in range(0, len(words), ROWS_PER_WRITE):
        out.write(b"".join(
            word + b" " + (row_format % tuple(row)).encode("ascii") + b"\n"
            for word, row in zip(words[start:start + ROWS_PER_WRITE],
                                 vectors[start:start + ROWS_PER_WRITE].tolist())))


def write_npy(path, words, vectors, vocab_path=None):
    """Write the matrix to `path` (.npy) and the words, one per line, to `vocab_path`
    (default `name.vocab`); the two files are replaced together."""
    vectors = _checked_matrix(words, vectors)
    path = file_name(path, "vectors")
    vocab_path = file_name(word_list_named(vocab_path) or npy_vocab_path_to_write(path),
                           "word list")
    if os.path.realpath(path) == os.path.realpath(vocab_path):
        raise UserError(f"the word list {vocab_path} would be the same file as the matrix "
                        f"{path}")
    with atomic_outputs([path, vocab_path], what="vectors") as (matrix_out, words_out):
        np.save(matrix_out, vectors, allow_pickle=False)
        for start in range(0, len(words), ROWS_PER_WRITE):
            words_out.write(b"".join(w + b"\n" for w in words[start:start + ROWS_PER_WRITE]))


def word_list_named(vocab_path):
    """The word list named for a .npy file, or None for the default one; an empty name
    (`--vocab "$LIST"` with LIST unset) is a UsageError, not the default taken silently."""
    if vocab_path is None:
        return None
    if file_name(vocab_path, "word list") in ("", b""):
        raise UsageError("the word list path is empty")
    return vocab_path


def npy_vocab_path(npy_path):
    """Where the word list of `vectors.npy` lives by default: `vectors.vocab` (also for
    a compressed `vectors.npy.gz`)."""
    npy_path = os.fspath(npy_path)
    kind = inputs.compression(npy_path)
    if kind and npy_path[:-len(kind) - 1].endswith(".npy"):
        npy_path = npy_path[:-len(kind) - 1]
    stem = npy_path[:-4] if npy_path.endswith(".npy") else npy_path
    return stem + ".vocab"


def npy_vocab_path_to_write(npy_path):
    """npy_vocab_path, unless `npy_path` is a device or a name in /dev or /proc
    (`/dev/stdout`, `/dev/null`, `/proc/self/fd/1`): a name made from it would be a new
    file in /dev. UsageError then."""
    try:
        device = stat.S_ISCHR(os.stat(npy_path).st_mode)
    except (OSError, ValueError):
        device = False
    vocab_path = npy_vocab_path(npy_path)
    directory = os.path.realpath(os.path.dirname(os.path.abspath(vocab_path)))
    if device or any(directory == d or directory.startswith(d + "/") for d in ("/dev", "/proc")):
        raise UsageError(f"the word list of {os.fspath(npy_path)} cannot be named after it "
                         f"(a device, or in {directory}): name it with --vocab FILE")
    return vocab_path


# ---------------------------------------------------------------------------- reading

def detect_format(path):
    """'npy', 'binary' or 'text', from the file's first bytes. (A pipe is consumed:
    read it with read_vectors, which tells the format itself.)"""
    with _opened(path) as inp:
        if inp.startswith(NPY_MAGIC):
            return "npy"
        count, dim = _read_header(inp)
        if count is None:  # headerless: GloVe-style text
            return "text"
        return "binary" if count and _looks_binary(inp, dim) else "text"


def read_vectors(path, binary=None, limit=None, vocab_path=None):
    """Read a vectors file; return (words as a list of bytes, float32 matrix (V, D)).

    `binary`: True / False to insist on a format, None to tell from the contents.
    `limit`: read only the first `limit` rows (files are sorted by frequency, so these
    are the most frequent words). `.npy` files are recognised by their magic bytes and
    take their words from `vocab_path` (default: the `.vocab` file beside them).
    Files ending in .gz, .bz2, .xz or .zip are decompressed on the fly; `-` is standard
    input. See the module's docstring for what is guaranteed.
    """
    if limit is not None and limit < 0:
        raise UserError(f"limit must be 0 or more, not {limit}")
    path = file_name(path, WHAT)
    vocab_path = word_list_named(vocab_path)
    with _opened(path) as inp:
        if inp.startswith(NPY_MAGIC):
            return _read_npy(inp, limit, vocab_path)
        count, dim = _read_header(inp)
        if count is None:
            return _read_text_rows(inp, None, limit, dim, first_line=1, trusted=False)
        rows = count if limit is None else min(count, limit)
        if binary is None:
            binary = bool(count) and _looks_binary(inp, dim)
        if binary:
            result = _read_binary_rows(inp, count, rows, dim,
                                       trusted=_fits(inp, rows, 4 * dim + 1, 0))
        else:
            result = _read_text_rows(inp, count, rows, dim, first_line=2,
                                     trusted=_fits(inp, rows, 2 * dim + 1, -1))
        if limit is None and not _only_blank_lines_left(
                inp, MAX_WORD_BYTES + TEXT_BYTES_PER_VALUE * dim):
            # `cat a.txt b.txt`, or a header that undercounts: not silently cut short
            raise UserError(f"{path}: more rows follow the {count} its header announces "
                            "(two files joined, or a wrong header?)")
        return result


@contextlib.contextmanager
def _opened(path):
    """The decompressed content of `path` as an _Input; read errors become UserErrors."""
    path = os.fspath(path)
    with inputs.read_errors(path, WHAT), inputs.open_stream(path, WHAT) as stream:
        yield _Input(stream, path, _plain_size(path))


def _plain_size(path):
    """The size of an uncompressed regular file (None for anything else)."""
    if inputs.compression(path) is not None or not inputs.is_regular(path):
        return None
    try:
        return os.stat(path).st_size
    except OSError:
        return None


class _TooLong(Exception):
    """A line longer than its bound."""


class _Input:
    """A binary stream read in large chunks into one reused buffer, with look-ahead;
    nothing is held beyond the chunk being read and the bounded line or row being
    looked at. `buf[pos:end]` are the bytes read but not yet consumed."""

    def __init__(self, stream, path, size):
        self.stream = stream
        self.path = path
        self.size = size  # bytes in the whole file when known (a plain regular file)
        self.buf = bytearray()
        self.view = memoryview(self.buf)
        self.pos = 0      # next unread byte of buf
        self.end = 0      # end of the bytes read into buf
        self.base = 0     # offset in the file of buf[0]
        self.eof = False
        self._readinto = getattr(stream, "readinto", None)

    def offset(self):
        return self.base + self.pos

    def available(self):
        return self.end - self.pos

    def more(self, wanted=0):
        """Read at least one more chunk (or `wanted` bytes) after the unread ones; False
        at the end of the data. (The buffer is reused: never resized in place, so views
        of it stay valid until the next call.)"""
        if self.eof:
            return False
        keep = self.end - self.pos
        if len(self.buf) - keep < max(wanted, CHUNK_BYTES // 2):
            # (the first read is small: enough for a header, or all of a small file)
            chunk = CHUNK_BYTES if self.buf else FIRST_CHUNK_BYTES
            bigger = bytearray(keep + max(wanted, chunk))
            bigger[:keep] = self.view[self.pos:self.end]
            self.view.release()
            self.buf, self.view = bigger, memoryview(bigger)
        elif keep and self.pos:
            self.buf[:keep] = self.buf[self.pos:self.end]
        self.base += self.pos
        self.pos, self.end = 0, keep
        got = self._fill(self.view[keep:])
        if not got:
            self.eof = True
            return False
        self.end += got
        return True

    def _fill(self, target):
        """Read into the memoryview `target` once (a short read is fine); bytes read."""
        if self._readinto is not None:
            return self._readinto(target) or 0
        data = self.stream.read(len(target))
        target[:len(data)] = data
        return len(data)

    def ensure(self, count):
        """True when `count` unread bytes are buffered (False: the data ends sooner)."""
        while self.available() < count:
            if not self.more(count - self.available()):
                return False
        return True

    def startswith(self, prefix):
        self.ensure(len(prefix))
        return self.buf.startswith(prefix, self.pos, self.end)

    def mark(self):
        return self.offset()

    def reset(self, mark):
        """Go back to `mark` (only ever to the start of a line still buffered)."""
        self.pos = mark - self.base

    def read(self, count):
        """Up to `count` bytes (fewer only at the end of the data); for numpy's readers."""
        self.ensure(count)
        data = bytes(self.view[self.pos:min(self.end, self.pos + count)])
        self.pos += len(data)
        return data

    def readinto(self, view):
        """Fill the writable byte memoryview `view`; returns how many bytes were read."""
        total = len(view)
        done = min(total, self.available())
        view[:done] = self.view[self.pos:self.pos + done]
        self.pos += done
        if done < total:
            self.base += self.pos
            self.pos = self.end = 0
        while done < total and not self.eof:
            got = self._fill(view[done:])
            if not got:
                self.eof = True
                break
            done += got
            self.base += got
        return done

    def line(self, limit):
        """The next line without its b"\\n", None at the end of the data; _TooLong if it
        has more than `limit` bytes (then nothing is consumed)."""
        while True:
            end = self.buf.find(b"\n", self.pos, min(self.end, self.pos + limit + 1))
            if end >= 0:
                line = bytes(self.view[self.pos:end])
                self.pos = end + 1
                return line
            if self.available() > limit:
                raise _TooLong()
            if not self.more():
                if not self.available():
                    return None
                line = bytes(self.view[self.pos:self.end])  # the last line, no newline
                self.pos = self.end
                return line


def _shown(data, width=60):
    """Bytes as a short repr for a message."""
    text = bytes(data[:width]).decode("utf-8", "replace")
    return repr(text + ("..." if len(data) > width else ""))


# ----------------------------------------------------------------------------- header

def _read_header(inp):
    """(count, dim) from a "COUNT DIMENSION" first line, which is consumed; (None, dim)
    for a headerless text file, of which nothing is consumed."""
    path = inp.path
    mark = inp.mark()
    try:
        line = inp.line(MAX_WORD_BYTES + TEXT_BYTES_PER_VALUE * MAX_DIMENSION)
    except _TooLong:
        line = False
    if line is None:
        raise UserError(f"{path}: empty file, not a vectors file")
    fields = line.split() if line else []
    if len(fields) == 2 and all(_NUMBER_LIKE.match(f) for f in fields):
        return _header_numbers(path, line, fields)
    if line and len(fields) >= 2 and _all_numbers(fields[1:]):
        dim = len(fields) - 1
        if dim > MAX_DIMENSION:
            raise UserError(f"{path}: line 1: {dim} numbers after the word, more than "
                            f"w2v's maximum dimension {MAX_DIMENSION} (not a vectors file?)")
        inp.reset(mark)
        return None, dim
    inp.reset(mark)
    for magic, what in _OTHER_FILES:
        if inp.startswith(magic):
            raise UserError(f"{path}: {what}")
    if line is False:
        raise UserError(f"{path}: line 1 is longer than any header or row can be "
                        "(not a vectors file?)")
    raise UserError(f"{path}: line 1: expected a 'COUNT DIMENSION' header, found "
                    f"{_shown(line)}")


def _header_numbers(path, line, fields):
    if not all(f.isdigit() for f in fields):
        raise UserError(f"{path}: line 1: bad header {_shown(line)}: the word count and "
                        f"the dimension must be whole numbers (0 or more, and 1 to "
                        f"{MAX_DIMENSION})")
    if any(len(f) > 15 for f in fields) or int(fields[0]) > MAX_COUNT:
        raise UserError(f"{path}: line 1: bad header {_shown(line)}: absurd numbers "
                        f"(a corrupt file?)")
    count, dim = int(fields[0]), int(fields[1])
    if dim < 1:
        raise UserError(f"{path}: line 1: bad header {_shown(line)}: the dimension must "
                        f"be at least 1, not {dim}")
    if dim > MAX_DIMENSION:
        raise UserError(f"{path}: line 1: bad header {_shown(line)}: the dimension {dim} "
                        f"is above w2v's maximum of {MAX_DIMENSION} (a corrupt file?)")
    return count, dim


def _all_numbers(fields):
    try:
        for field in fields:
            c_float(field)  # not float(): b"1_0" would be 10, where C's tools read 1
    except ValueError:
        return False
    return True


def _looks_binary(inp, dim):
    """A text row is a word and `dim` numbers on one line; raw float32 bytes never are."""
    mark = inp.mark()
    try:
        line = inp.line(MAX_WORD_BYTES + TEXT_BYTES_PER_VALUE * dim)
    except _TooLong:
        return True
    inp.reset(mark)
    if line is None:
        return True  # nothing after the header: reported as a truncated binary file
    # the word ends at the first space, as the text reader takes it (a word may hold a
    # tab or be empty: split() would count one field too many, or too few)
    numbers = line.partition(b" ")[2].split()
    return not (len(numbers) == dim and _all_numbers(numbers))


def _fits(inp, rows, row_bytes, slack):
    """True if the file is a plain regular file large enough for `rows` rows of at least
    `row_bytes` bytes each (+ `slack`): then the matrix may be allocated at once. Else it
    grows as rows arrive, and a file that is too short is an error at the row where it
    ends, with only what was read held."""
    return inp.size is not None and rows * row_bytes + slack <= inp.size - inp.offset()


# ----------------------------------------------------------------------------- matrix

class _Matrix:
    """A float32 (rows, dim) matrix filled in order. Allocated whole when the size of the
    data is known to allow it (`trusted`), else grown by doubling as rows arrive."""

    def __init__(self, rows, dim, trusted):
        self.rows = rows  # the most rows wanted; None: unknown
        self.dim = dim
        if trusted and rows is not None:
            capacity = rows
        else:
            capacity = max(1, GROW_BYTES // (4 * dim))
            if rows is not None:
                capacity = min(capacity, rows)
        self.array = np.empty((capacity, dim), dtype=np.float32)

    @property
    def capacity(self):
        return len(self.array)

    def reserve(self, filled, needed):
        """Room for `needed` rows, keeping the first `filled`."""
        if needed <= self.capacity:
            return
        capacity = max(needed, 2 * self.capacity)
        if self.rows is not None:
            capacity = min(capacity, self.rows)
        bigger = np.empty((capacity, self.dim), dtype=np.float32)
        bigger[:filled] = self.array[:filled]
        self.array = bigger

    def result(self, filled):
        """The matrix of the first `filled` rows (no view of it may be alive)."""
        if filled < self.capacity:
            self.array.resize((filled, self.dim), refcheck=False)  # in place: no copy
        return self.array


def nonfinite_rows(matrix):
    """The indices of the rows of a float matrix that hold NaN or infinity (one fast
    pass when there are none)."""
    flat = np.ascontiguousarray(matrix).reshape(-1)
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.dot(flat, flat)):  # NaN and inf propagate
            return np.empty(0, dtype=np.intp)
    # (finite values whose squares overflow only make us look closer)
    return np.flatnonzero(~np.isfinite(matrix).all(axis=1))


class _NonFinite:
    """Rows with NaN or infinite values, found block by block."""

    def __init__(self):
        self.first = None
        self.count = 0

    def check(self, block, start):
        bad = nonfinite_rows(block)
        if len(bad):
            if self.first is None:
                self.first = start + int(bad[0])
            self.count += len(bad)

    def report(self, path, words, total, where):
        if self.first is None:
            return
        row = self.first
        raise UserError(f"{path}: {where(row)} ({_shown(words[row])}) has a value that is "
                        "not a finite number (NaN, infinity, or beyond float32's range); "
                        f"{self.count} of the {total} rows read "
                        f"{'has' if self.count == 1 else 'have'} such values, which make "
                        "every similarity meaningless")


# ----------------------------------------------------------------------------- binary

def _read_binary_rows(inp, count, rows, dim, trusted):
    path = inp.path
    row_bytes = 4 * dim
    matrix = _Matrix(rows, dim, trusted)
    nonfinite = _NonFinite()
    words = []
    append = words.append
    i = 0
    while i < rows:
        start = i
        buf, view, pos, size = inp.buf, inp.view, inp.pos, inp.end
        find = buf.find
        stop = min(rows, matrix.capacity) * row_bytes
        at = i * row_bytes
        out = memoryview(matrix.array).cast("B")
        try:
            while at < stop:
                # word2vec.c and gensim end each row with "\n"; some writers do not.
                if pos < size and buf[pos] == 10:
                    if pos + 1 < size and buf[pos + 1] != 10:
                        pos += 1
                    else:  # several (rare): skipped at C speed, as many as a word's bytes
                        found = _NOT_NEWLINE.search(buf, pos,
                                                    min(size, pos + MAX_WORD_BYTES + 1))
                        if found is None:
                            break  # (the end of the buffer, or too many: see below)
                        pos = found.start()
                space = find(b" ", pos, size)
                end = space + 1 + row_bytes
                if space < 0 or end > size or space - pos > MAX_WORD_BYTES:
                    break
                append(bytes(view[pos:space]))
                out[at:at + row_bytes] = view[space + 1:end]
                at += row_bytes
                pos = end
        finally:
            out.release()
        i = at // row_bytes
        inp.pos = pos
        nonfinite.check(matrix.array[start:i], start)
        if i == rows:
            break
        if i == matrix.capacity:
            matrix.reserve(i, i + 1)
            continue
        space = find(b" ", pos, min(size, pos + MAX_WORD_BYTES + 1))
        if space < 0 and size - pos > MAX_WORD_BYTES:  # (newlines included)
            raise UserError(f"{path}: row {i + 1} of {count}: no word found: no space in "
                            f"the {MAX_WORD_BYTES} bytes at byte {inp.offset()} (corrupt, "
                            f"or not a {dim}-dimensional binary file?)")
        wanted = (space + 1 + row_bytes - pos) if space >= 0 else MAX_WORD_BYTES + 1
        if not inp.more(wanted):
            raise UserError(_binary_end(inp, i, count, space >= 0))
    nonfinite.report(path, words, i, lambda row: f"row {row + 1} of {count}")
    return words, matrix.result(i)


def _binary_end(inp, row, count, has_word):
    where = f"{inp.path}: row {row + 1} of {count}"
    promise = f"truncated? the header promises {count} rows"
    if not inp.buf[inp.pos:inp.end].strip(b"\n"):
        return f"{where}: file ends early ({promise})"
    if not has_word:
        return f"{where}: file ends inside the word, before its space ({promise})"
    word = inp.buf[inp.pos:inp.buf.find(b" ", inp.pos, inp.end)]
    return f"{where} ({_shown(word)}): file ends inside the vector ({promise})"


# ------------------------------------------------------------------------------- text

def _read_text_rows(inp, count, rows, dim, first_line, trusted):
    """Rows of "word v1 ... vD": `count` promised by the header (None: headerless, read
    to the end), of which the first `rows` are read (None: all)."""
    path = inp.path
    limit = MAX_WORD_BYTES + TEXT_BYTES_PER_VALUE * dim
    matrix = _Matrix(rows, dim, trusted)
    nonfinite = _NonFinite()
    words = []
    number = first_line  # of the next line
    done = False
    while not done and (rows is None or len(words) < rows):
        batch = []
        while len(batch) < TEXT_BATCH_LINES and (rows is None or len(words) < rows):
            try:
                line = inp.line(limit)
            except _TooLong:
                raise UserError(f"{path}: line {number}: longer than a word and {dim} "
                                f"numbers can be ({limit} bytes): corrupt, or not a "
                                f"{dim}-dimensional vectors file?") from None
            if line is None:
                done = True
                break
            if count is None and (not line or line.isspace()):
                if _only_blank_lines_left(inp, limit):
                    done = True
                    break
                raise UserError(f"{path}: line {number}: an empty line (expected a word "
                                f"and {dim} numbers)")
            word, _, rest = line.partition(b" ")
            words.append(word)
            batch.append(rest)
            number += 1
        if batch:
            start = len(words) - len(batch)
            matrix.reserve(start, len(words))
            matrix.array[start:len(words)] = _parse_numbers(path, batch, dim,
                                                            number - len(batch))
            nonfinite.check(matrix.array[start:len(words)], start)
    if rows is not None and len(words) < rows:
        raise UserError(f"{path}: line {number}: file ends after {len(words)} of {count} "
                        "rows (truncated?)")
    nonfinite.report(path, words, len(words), lambda row: f"line {row + first_line}")
    return words, matrix.result(len(words))


def _only_blank_lines_left(inp, limit):
    """True if nothing but whitespace follows (a headerless file's trailing lines);
    skipped at C speed, and not believed beyond `limit` bytes."""
    seen = 0
    while True:
        if _NOT_BLANK.search(inp.buf, inp.pos, inp.end):
            return False
        seen += inp.available()
        inp.pos = inp.end
        if seen > limit:
            return False
        if not inp.more():
            return True


def _parse_numbers(path, rests, dim, first_line):
    """Parse `dim` floats from each row's text, fast; on any problem, find the bad line."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # loadtxt warns about lines without data
            matrix = np.loadtxt(rests, dtype=np.float32, comments=None, ndmin=2)
        if matrix.shape == (len(rests), dim):
            return matrix
    except ValueError:
        pass
    for i, rest in enumerate(rests):
        fields = rest.split()
        line = first_line + i
        if len(fields) != dim:
            raise UserError(f"{path}: line {line}: expected a word and {dim} numbers, "
                            f"found {len(fields)} numbers (truncated or corrupt?)")
        if not _all_numbers(fields):
            bad = next(f for f in fields if not _all_numbers([f]))
            raise UserError(f"{path}: line {line}: not a number: {_shown(bad)}")
    # Numbers Python reads but numpy's parser does not (rare spellings): the slow way.
    with np.errstate(over="ignore"):
        return np.array([[c_float(f) for f in rest.split()] for rest in rests],
                        dtype=np.float32)


# -------------------------------------------------------------------------------- npy

def read_npy_header(stream):
    """(shape, fortran_order, dtype) from the .npy header at the start of `stream`, or
    ValueError. numpy parses the header's text as a Python literal, and a damaged one
    raises whatever Python's tokenizer and parser raise (tokenize.TokenError for a line
    break inside it, which is no ValueError), or warns, on stderr, that the file looks
    made by Python 2: all of them are one ValueError here. Used for .npy vectors files
    and for the arrays inside model files."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            version = np.lib.format.read_magic(stream)
            if version == (1, 0):
                return np.lib.format.read_array_header_1_0(stream)
            if version in ((2, 0), (3, 0)):  # 3.0 differs in the header's encoding only
                return np.lib.format.read_array_header_2_0(stream)
    except (ValueError, TypeError, SyntaxError, KeyError, OverflowError, RecursionError,
            MemoryError, tokenize.TokenError) as exc:
        # (a TokenError's text is the tuple of its message and where: keep the message)
        reason = exc.args[0] if isinstance(exc, tokenize.TokenError) and exc.args else exc
        raise ValueError(_one_line(reason)) from None
    raise ValueError(f"unknown .npy format version {version[0]}.{version[1]}")


def _read_npy(inp, limit, vocab_path):
    path = inp.path
    try:
        shape, fortran_order, dtype = read_npy_header(inp)
    except ValueError as exc:
        raise UserError(f"{path}: not a readable .npy file ({exc})") from None
    if len(shape) != 2 or dtype.kind != "f" or dtype.hasobject:
        raise UserError(f"{path}: expected a 2-D float matrix, found {len(shape)}-D {dtype}")
    count, dim = shape
    if not 1 <= dim <= MAX_DIMENSION or count > MAX_COUNT:
        raise UserError(f"{path}: a matrix of {count} rows of {dim} values: the dimension "
                        f"must be 1 to {MAX_DIMENSION} (a corrupt file?)")
    data_bytes = count * dim * dtype.itemsize
    if inp.size is not None and inp.size - inp.offset() < data_bytes:
        raise UserError(f"{path}: the .npy header promises {count} rows of {dim} values "
                        f"({data_bytes} bytes) but the file has only "
                        f"{inp.size - inp.offset()} bytes after it (truncated?)")
    vocab_path = os.fspath(vocab_path or npy_vocab_path(path))
    words, more = _read_words(vocab_path, count)
    if len(words) != count or more:
        found = f"more than {count}" if more else str(len(words))
        raise UserError(f"the word list {vocab_path} has {found} words but the matrix "
                        f"{path} has {count} rows: they do not belong together (from "
                        "different runs?); give the matrix's own list with --vocab")
    rows = count if limit is None else min(count, limit)
    if fortran_order and dim > 1 and rows > 0:  # stored column by column: read it all
        flat = _read_items(inp, count * dim, dtype, dim, count)
        matrix = np.ascontiguousarray(flat.reshape(dim, count).T[:rows])
    else:
        matrix = _read_items(inp, rows * dim, dtype, dim, count).reshape(rows, dim)
    words = words[:rows]
    nonfinite = _NonFinite()
    nonfinite.check(matrix, 0)
    nonfinite.report(path, words, rows, lambda row: f"row {row + 1} of {count}")
    return words, matrix


def _read_items(inp, total, dtype, dim, count):
    """`total` values of `dtype` as a flat float32 array, read block by block."""
    native = dtype == np.dtype("<f4")
    itemsize = dtype.itemsize
    flat = _Matrix(total, 1, trusted=inp.size is not None)
    block = max(dim, GROW_BYTES // itemsize)
    done = 0
    while done < total:
        wanted = min(block, total - done)
        flat.reserve(done, done + wanted)
        if native:
            with memoryview(flat.array[done:done + wanted, 0]).cast("B") as view:
                got = inp.readinto(view) // itemsize
        else:
            data = inp.read(wanted * itemsize)
            got = len(data) // itemsize
            with np.errstate(over="ignore"):  # (beyond float32: reported as non-finite)
                flat.array[done:done + got, 0] = np.frombuffer(data, dtype=dtype, count=got)
        done += got
        if got < wanted:
            raise UserError(f"{inp.path}: the data ends inside row {done // dim + 1} of "
                            f"{count} (truncated?)")
    return flat.result(done)[:, 0]


def _one_line(exc):
    return " ".join(str(exc).split())


def _read_words(path, max_words=None):
    """(words, whether there are more than `max_words`) of a word list.

    Lines are bounded as by inputs.read_text_file (the same bound and message), but split
    a chunk at a time: a per-line generator costs several times as much, which shows on
    vocabularies of millions of words."""
    path = os.fspath(path)
    what = "word list"
    bound = inputs.MAX_LINE_BYTES
    words = []
    number = 0  # lines before the current chunk
    tail = b""
    with inputs.read_errors(path, what), inputs.open_stream(path, what) as stream:
        while True:
            chunk = stream.read(CHUNK_BYTES)
            data = tail + chunk if tail else chunk
            if chunk:
                lines = data.split(b"\n")
                tail = lines.pop()
            else:
                lines, tail = [tail] if tail else [], b""
            if len(tail) > bound or len(data) > bound and lines and \
                    max(map(len, lines)) > bound:
                long = next((n for n, line in enumerate(lines) if len(line) > bound),
                            len(lines))
                raise UserError(f"{what} {path}, line {number + long + 1}: longer than "
                                f"{bound} bytes (not a text file of this kind?)")
            more = max_words is not None and len(words) + len(lines) > max_words
            if more:
                lines = lines[:max_words - len(words)]
            if b" " in data or b"\r" in data:  # "word count" lines, or "\r\n" ends
                lines = [line.rstrip(b"\r").split(b" ", 1)[0] for line in lines]
            words.extend(lines)
            if more:
                return words, True
            number += len(lines)
            if not chunk:
                return words, False


def read_word_list(path):
    """Words, one per line; "word count" lines (word2vec.c's -save-vocab) give the word.
    Lines are bounded (w2v.inputs.MAX_LINE_BYTES); the file may be compressed."""
    return _read_words(path)[0]
