"""Vector file formats: word2vec.c's text and binary files, and numpy's .npy + a word list.

Text:   "V D\n", then per word: the word's bytes, then for each dimension "%f " (six
        decimals, each followed by a space, as word2vec.c's fprintf("%lf ")), then "\n".
Binary: "V D\n", then per word: the word's bytes, a space, D little-endian float32, "\n".
NumPy:  a (V, D) float32 .npy file and, beside it, a word list: one word per line, in
        row order (a word2vec.c vocabulary file, "word count" lines, is read as well).

Words are bytes here: training never decodes the corpus, so whatever bytes a word had
in the corpus are written back unchanged, and a reader returns exactly the bytes it found.

The readers accept what word2vec.c, gensim and fastText (.vec) write: text rows with or
without the trailing space, binary rows with or without the "\n" after each vector,
and headerless text files (GloVe). A file that is cut short or malformed is a UserError
naming the line (text) or row (binary) where it went wrong.
"""
import bz2
import gzip
import io
import lzma
import mmap
import os

import numpy as np

from .outputs import atomic_output
from .errors import UserError

NPY_MAGIC = b"\x93NUMPY"
# A binary row's word ends at the first space; a corrupt file must not make us scan
# gigabytes looking for one. word2vec.c keeps words under 100 bytes; this is generous.
MAX_WORD_BYTES = 100_000
_COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}
ROWS_PER_WRITE = 4096
_OTHER_FILES = [  # files people mistake for vectors files, by their first bytes
    (b"\xba\x16\x4f\x2f", "a fastText model (.bin); its vectors are in the .vec file "
                          "beside it"),
    (b"\x80", "a Python pickle (a gensim model?); write its vectors with "
             "model.wv.save_word2vec_format(path, binary=True)"),
]


# ---------------------------------------------------------------------------- writing

def write_vectors(path, words, vectors, binary=False):
    """Write `words` (list of bytes) and `vectors` (V x D float32) atomically to `path`."""
    vectors = np.ascontiguousarray(vectors, dtype="<f4")
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise ValueError("vectors must be a (len(words), D) matrix")
    count, dim = vectors.shape
    with atomic_output(path) as out:
        out.write(b"%d %d\n" % (count, dim))
        if binary:
            _write_binary_rows(out, words, vectors)
        else:
            _write_text_rows(out, words, vectors)


def _write_binary_rows(out, words, vectors):
    for word, row in zip(words, vectors):
        out.write(word + b" " + row.tobytes() + b"\n")


def _write_text_rows(out, words, vectors):
    row_format = "%f " * vectors.shape[1]
    for start in range(0, len(words), ROWS_PER_WRITE):
        out.write(b"".join(
            word + b" " + (row_format % tuple(row)).encode("ascii") + b"\n"
            for word, row in zip(words[start:start + ROWS_PER_WRITE],
                                 vectors[start:start + ROWS_PER_WRITE].tolist())))


def write_npy(path, words, vectors, vocab_path=None):
    """Write the matrix to `path` (.npy) and the words, one per line, to `vocab_path`."""
    vectors = np.ascontiguousarray(vectors, dtype="<f4")
    if vectors.ndim != 2 or vectors.shape[0] != len(words):
        raise ValueError("vectors must be a (len(words), D) matrix")
    vocab_path = vocab_path or npy_vocab_path(path)
    with atomic_output(vocab_path) as out:
        for word in words:
            out.write(word + b"\n")
    with atomic_output(path) as out:
        np.save(out, vectors, allow_pickle=False)


def npy_vocab_path(npy_path):
    """Where the word list of `vectors.npy` lives by default: `vectors.vocab`."""
    stem = npy_path[:-4] if npy_path.endswith(".npy") else npy_path
    return stem + ".vocab"


# ---------------------------------------------------------------------------- reading

def detect_format(path):
    """'npy', 'binary' or 'text', from the file's first bytes."""
    with _open_bytes(path) as data:
        if data[:len(NPY_MAGIC)] == NPY_MAGIC:
            return "npy"
        count, dim, start = _read_header(path, data)
        if start is None:  # headerless: GloVe-style text
            return "text"
        return "binary" if count and _looks_binary(data, start, dim) else "text"


def read_vectors(path, binary=None, limit=None, vocab_path=None):
    """Read a vectors file; return (words as a list of bytes, float32 matrix (V, D)).

    `binary`: True / False to insist on a format, None to tell from the contents.
    `limit`: read only the first `limit` rows (files are sorted by frequency, so these
    are the most frequent words). `.npy` files are recognised by their magic bytes and
    take their words from `vocab_path` (default: the `.vocab` file beside them).
    Files ending in .gz, .bz2 or .xz are decompressed on the fly.
    """
    if limit is not None and limit < 0:
        raise UserError(f"limit must be 0 or more, not {limit}")
    with _open_bytes(path) as data:
        if data[:len(NPY_MAGIC)] == NPY_MAGIC:
            return _read_npy(path, limit, vocab_path)
        count, dim, start = _read_header(path, data)
        if start is None:
            return _read_headerless_text(path, data, limit)
        rows = count if limit is None else min(count, limit)
        if binary is None:
            binary = bool(count) and _looks_binary(data, start, dim)
        if binary:
            return _read_binary_rows(path, data, start, count, rows, dim)
        return _read_text_rows(path, data, start, count, rows, dim)


class _open_bytes:
    """The whole file as a bytes-like object: memory-mapped when plain, else decompressed."""

    def __init__(self, path):
        self.path = path
        self._file = self._map = None

    def __enter__(self):
        path = self.path
        try:
            opener = _COMPRESSED.get(os.path.splitext(path)[1])
            if opener is not None:
                with opener(path, "rb") as f:
                    return f.read()
            self._file = open(path, "rb")
            if os.fstat(self._file.fileno()).st_size == 0:
                return b""
            self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
            return self._map
        except FileNotFoundError:
            self.__exit__()
            raise UserError(f"no such file: {path}") from None
        except IsADirectoryError:
            self.__exit__()
            raise UserError(f"is a directory, not a vectors file: {path}") from None
        except (OSError, EOFError, lzma.LZMAError) as exc:
            self.__exit__()
            raise UserError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None

    def __exit__(self, *exc_info):
        if self._map is not None:
            self._map.close()
        if self._file is not None:
            self._file.close()


def _read_header(path, data):
    """(count, dim, offset of the first row); offset None for a headerless text file."""
    end = data.find(b"\n", 0, 1 << 20)
    if end < 0:
        if len(data) == 0:
            raise UserError(f"{path}: empty file, not a vectors file")
        end = len(data)
    fields = bytes(data[:end]).split()
    if len(fields) == 2 and all(f.isdigit() for f in fields):
        count, dim = int(fields[0]), int(fields[1])
        if dim < 1:
            raise UserError(f"{path}: line 1: the dimension must be at least 1, not {dim}")
        return count, dim, end + 1
    if len(fields) >= 2 and _all_numbers(fields[1:]):
        return None, len(fields) - 1, None
    for magic, what in _OTHER_FILES:
        if data[:len(magic)] == magic:
            raise UserError(f"{path}: {what}, not a vectors file")
    shown = bytes(data[:min(end, 60)]).decode("utf-8", "replace")
    raise UserError(f"{path}: line 1: expected a 'COUNT DIMENSION' header, found {shown!r}")


def _all_numbers(fields):
    try:
        for field in fields:
            float(field)
    except ValueError:
        return False
    return True


def _looks_binary(data, start, dim):
    """A text row is a word and `dim` numbers on one line; raw float32 bytes never are."""
    end = data.find(b"\n", start, start + MAX_WORD_BYTES + 64 * dim)
    if end < 0:
        end = min(len(data), start + MAX_WORD_BYTES + 64 * dim)
    fields = bytes(data[start:end]).split()
    return not (len(fields) == dim + 1 and _all_numbers(fields[1:]))


def _read_binary_rows(path, data, start, count, rows, dim):
    row_bytes = 4 * dim
    matrix = np.empty((rows, dim), dtype="<f4")
    if rows == 0:
        return [], matrix
    out = memoryview(matrix).cast("B")
    source = memoryview(data)
    size = len(data)
    words = []
    pos = start
    try:
        for i in range(rows):
            # word2vec.c and gensim end each row with "\n"; some writers do not.
            while pos < size and data[pos] == 10:
                pos += 1
            space = data.find(b" ", pos, pos + MAX_WORD_BYTES)
            end = space + 1 + row_bytes
            if space < 0 or end > size:
                raise UserError(_binary_problem(path, data, pos, i, count, dim, space))
            words.append(bytes(source[pos:space]))
            out[i * row_bytes:(i + 1) * row_bytes] = source[space + 1:end]
            pos = end
    finally:
        source.release()
        out.release()
    return words, matrix


def _binary_problem(path, data, pos, row, count, dim, space):
    where = f"{path}: row {row + 1} of {count}"
    if pos >= len(data):
        return f"{where}: file ends early (truncated? the header promises {count} rows)"
    if space < 0:
        return f"{where}: no word found at byte {pos} (corrupt, or not a {dim}-dimensional file)"
    word = bytes(data[pos:space]).decode("utf-8", "replace")
    return (f"{where} ({word!r}): file ends inside the vector "
            f"(truncated? the header promises {count} rows)")


def _split_lines(data, start, count, rows):
    """The first `rows` lines after `start` (fewer if the file is shorter)."""
    end = len(data)
    if rows < count:  # --limit: copy only the rows asked for, not the whole file
        end = start
        for _ in range(rows):
            end = data.find(b"\n", end) + 1
            if end == 0:
                end = len(data)
                break
    lines = bytes(data[start:end]).split(b"\n", rows)
    return lines[:rows]  # anything after the promised rows is ignored, as word2vec.c does


def _read_text_rows(path, data, start, count, rows, dim):
    lines = _split_lines(data, start, count, rows)
    words, rests = _split_words(lines)
    matrix = _parse_numbers(path, rests, dim, first_line=2)
    if len(words) < rows:
        raise UserError(f"{path}: line {len(words) + 2}: file ends after {len(words)} of "
                        f"{count} rows (truncated?)")
    return words, matrix


def _read_headerless_text(path, data, limit):
    lines = bytes(data).split(b"\n")
    while lines and not lines[-1].strip():
        lines.pop()
    if limit is not None:
        lines = lines[:limit]
    dim = len(lines[0].split()) - 1
    words, rests = _split_words(lines)
    return words, _parse_numbers(path, rests, dim, first_line=1)


def _split_words(lines):
    """Each line's word (up to the first space) and the text of its numbers."""
    words, rests = [], []
    for line in lines:
        word, _, rest = line.partition(b" ")
        words.append(word)
        rests.append(rest)
    # A final empty line is the file's trailing newline, not a row.
    if words and not words[-1].strip() and not rests[-1].strip():
        words.pop()
        rests.pop()
    return words, rests


def _parse_numbers(path, rests, dim, first_line):
    """Parse `dim` floats from each row's text, fast; on any problem, find the bad line."""
    if not rests:
        return np.empty((0, dim), dtype=np.float32)
    try:
        matrix = np.loadtxt(io.BytesIO(b"\n".join(rests)), dtype=np.float32,
                            comments=None, ndmin=2)
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
            raise UserError(f"{path}: line {line}: not a number: "
                            f"{bad.decode('utf-8', 'replace')!r}")
    raise UserError(f"{path}: cannot parse the vectors")  # pragma: no cover (unreachable)


def _read_npy(path, limit, vocab_path):
    try:
        matrix = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise UserError(f"{path}: not a readable .npy file: {exc}") from None
    if matrix.ndim != 2 or matrix.dtype.kind != "f":
        raise UserError(f"{path}: expected a 2-D float matrix, found {matrix.ndim}-D "
                        f"{matrix.dtype}")
    vocab_path = vocab_path or npy_vocab_path(path)
    words = read_word_list(vocab_path)
    if len(words) != matrix.shape[0]:
        raise UserError(f"{vocab_path}: {len(words)} words for the {matrix.shape[0]} rows "
                        f"of {path}")
    if limit is not None:
        words, matrix = words[:limit], matrix[:limit]
    return words, np.array(matrix, dtype=np.float32)


def read_word_list(path):
    """Words, one per line; "word count" lines (word2vec.c's -save-vocab) give the word."""
    try:
        with open(path, "rb") as f:
            lines = f.read().split(b"\n")
    except FileNotFoundError:
        raise UserError(f"no such word list: {path}") from None
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    if lines and lines[-1] == b"":
        lines.pop()
    return [line.rstrip(b"\r").split(b" ", 1)[0] for line in lines]
