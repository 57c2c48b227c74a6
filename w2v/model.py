"""The model file: everything needed to continue training, and checkpoints.

A model file is an uncompressed zip archive in NumPy's `.npz` layout, so that any tool
can read it without w2v (`numpy.load("vectors.model")["input_vectors"]`), and without
pickle: loading a model from an untrusted source runs no code. Its members:

    model.json             format ("w2v-model"), version, kind ("model" or "checkpoint"),
                           the training options, sizes, and for a checkpoint its progress
    vocab.txt              "word count" lines in row order, `</s>` first (the -save-vocab
                           format)
    counts.npy             int64 (V,): the same counts
    input_vectors.npy      float32 (V, D): word2vec.c's syn0, the vectors it writes
    ns_vectors.npy         float32 (V, D): syn1neg, the negative-sampling output vectors
    hs_vectors.npy         float32 (V, D): syn1, one row per inner node of the Huffman tree
    softmax_vectors.npy    float32 (V, D): the exact softmax's output vectors
    huffman_lengths.npy    int32 (V,): each word's code length
    huffman_codes.npy      uint8 (sum of lengths,): the codes, word after word
    huffman_points.npy     int32 (sum of lengths,): the inner nodes on each path, root first

(the output matrices and the tree only when the model has them). Arrays are read whole,
one read each, after their headers were checked against the sizes the archive declares:
a damaged file is a one-line error, never a huge allocation.

A checkpoint is a model plus where the run stands: stage ("counting", "training" or
"trained"), the pass and, for each region of it (one per thread, see w2v/run.py), the
byte position to restart reading at and the token cut there, the words done, each
thread's generator state, the loss of the pass in progress, and each corpus file's size
and modification time (a corpus that changed since is refused).
"""
import dataclasses
import json
import os
import stat
import zipfile
from typing import List, Optional

import numpy as np

from .errors import UserError
from .formats import read_npy_header
from .inputs import READ_ERRORS, check_readable
from .outputs import atomic_output
from .vocab import END_OF_SENTENCE, MAX_CODE_LENGTH, MAX_COUNT, Vocab

FORMAT = "w2v-model"
VERSION = 1
MATRICES = ("input_vectors", "ns_vectors", "hs_vectors", "softmax_vectors")
MAX_JSON_BYTES = 64 << 20
# What reading a damaged archive raises: the readers' errors (a zip "version 19.6" that
# zipfile does not implement is a NotImplementedError, an encrypted member a
# RuntimeError), and a member's damaged content (ValueError, KeyError).
ARCHIVE_ERRORS = READ_ERRORS + (ValueError, KeyError)
MAX_WORD_LINE_BYTES = 128  # a vocab.txt line: a word (at most 99 bytes), a space, a count


@dataclasses.dataclass
class Huffman:
    """word2vec.c's tree as the trainer uses it: codes and points (V, 40), lengths (V,)."""
    codes: np.ndarray
    points: np.ndarray
    lengths: np.ndarray

    def compact(self):
        """(lengths, codes, points) with each word's path stored once, back to back."""
        mask = np.arange(MAX_CODE_LENGTH)[None, :] < self.lengths[:, None]
        return self.lengths.astype(np.int32), self.codes[mask], self.points[mask]

    @classmethod
    def expand(cls, lengths, flat_codes, flat_points):
        count = len(lengths)
        codes = np.zeros((count, MAX_CODE_LENGTH), np.uint8)
        points = np.zeros((count, MAX_CODE_LENGTH), np.int32)
        mask = np.arange(MAX_CODE_LENGTH)[None, :] < lengths[:, None]
        codes[mask] = flat_codes
        points[mask] = flat_points
        return cls(codes, points, lengths.astype(np.int32))


@dataclasses.dataclass
class Model:
    """A vocabulary, the matrices trained on it, the options they were trained with."""
    vocab: Vocab
    input_vectors: np.ndarray
    ns_vectors: Optional[np.ndarray] = None
    hs_vectors: Optional[np.ndarray] = None
    softmax_vectors: Optional[np.ndarray] = None
    huffman: Optional[Huffman] = None
    options: dict = dataclasses.field(default_factory=dict)
    progress: Optional[dict] = None        # checkpoints only
    corpus_files: List[dict] = dataclasses.field(default_factory=list)

    @property
    def is_checkpoint(self):
        return self.progress is not None

    @property
    def dim(self):
        return self.input_vectors.shape[1]

    def vectors(self, which="input"):
        """The word vectors as a w2v.Vectors (input, output or their sum)."""
        from .vectors import Vectors
        output = self.ns_vectors if self.ns_vectors is not None else self.softmax_vectors
        if output is None and self.options.get("tied") is True:
            output = self.input_vectors  # one matrix in both roles (--tied)
        if which != "input" and output is None:
            raise UserError(f"this model has no output vectors (trained with hierarchical "
                            f"softmax only): '{which}' vectors are not available")
        matrix = {"input": self.input_vectors, "output": output}.get(which)
        if which == "sum":
            matrix = self.input_vectors + output
        if matrix is None:
            raise ValueError(f"which must be input, output or sum, not {which!r}")
        return Vectors(self.vocab.words, matrix)

    def __repr__(self):
        kind = "checkpoint" if self.is_checkpoint else "model"
        return f"<w2v {kind}: {len(self.vocab)} words x {self.dim} dimensions>"


# ---------------------------------------------------------------------------- writing

def save_model(path, model, what="model file"):
    """Write `model` to `path` atomically (see the module's docstring)."""
    header = {
        "format": FORMAT, "version": VERSION,
        "kind": "checkpoint" if model.is_checkpoint else "model",
        "vocab_size": len(model.vocab), "dim": int(model.dim),
        "train_words": int(model.vocab.train_words),
        "options": model.options,
        "corpus_files": model.corpus_files,
    }
    if model.progress is not None:
        header["progress"] = model.progress
    with atomic_output(path, what=what, compress=False) as out:  # a zip, always
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:
            archive.writestr("model.json", json.dumps(header, indent=1, sort_keys=True))
            archive.writestr("vocab.txt", model.vocab.to_bytes())
            _write_array(archive, "counts", model.vocab.counts.astype(np.int64))
            for name in MATRICES:
                matrix = getattr(model, name)
                if matrix is not None:
                    _write_array(archive, name, np.asarray(matrix, np.float32))
            if model.huffman is not None:
                lengths, codes, points = model.huffman.compact()
                _write_array(archive, "huffman_lengths", lengths)
                _write_array(archive, "huffman_codes", codes)
                _write_array(archive, "huffman_points", points)


def _write_array(archive, name, array):
    with archive.open(name + ".npy", "w", force_zip64=True) as member:
        np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)


# ---------------------------------------------------------------------------- reading

def _check_archive(path, what):
    """UserError unless `path` is a readable regular file. A model is a zip archive, read
    by seeking to its end: a pipe cannot seek (zipfile says "not a zip file"), and a
    device that never ends (--from-model /dev/zero, /dev/full, /dev/urandom) was read
    into memory until the OOM killer ended the process."""
    check_readable(path, what)
    try:
        regular = stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        regular = True  # gone meanwhile: zipfile reports it
    if not regular:
        raise UserError(f"cannot read {what} {path}: it is not a regular file (a model "
                        "file is a zip archive, read by seeking)")


def load_model(path, what="model"):
    """Read a model or checkpoint file; UserError (one line) if it is not a valid one."""
    _check_archive(path, what)
    try:
        with zipfile.ZipFile(path) as archive:
            return _read_model(archive, path, what)
    except ARCHIVE_ERRORS as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise UserError(f"{what} {path} is not a readable w2v model file ({reason})") from None


def _read_model(archive, path, what):
    def damaged(reason):
        return UserError(f"{what} {path} is damaged: {reason}")

    names = set(archive.namelist())
    header = _read_header(archive, path, what)
    size, dim = header.get("vocab_size"), header.get("dim")
    if not (_whole(size) and _whole(dim) and size >= 1 and dim >= 1):
        raise damaged("bad vocab_size or dim in model.json")
    progress = header.get("progress") if header.get("kind") == "checkpoint" else None
    if header.get("kind") == "checkpoint" and not isinstance(progress, dict):
        raise damaged("a checkpoint without its progress record")
    corpus_files = header.get("corpus_files") or []
    if not (isinstance(corpus_files, list) and all(isinstance(f, dict) for f in corpus_files)):
        raise damaged("bad corpus_files in model.json")

    counts = _read_array(archive, "counts", np.int64, (size,), damaged)
    if counts.min() < 0 or counts.max() > MAX_COUNT or counts.sum(dtype=np.float64) > MAX_COUNT:
        raise damaged("word counts out of range")
    info = archive.getinfo("vocab.txt")
    if info.file_size > size * (MAX_WORD_LINE_BYTES + 1):
        raise damaged("vocab.txt is larger than its words can be")
    words = []
    text = archive.read(info)
    for line in text.split(b"\n")[:size]:
        words.append(line.rsplit(b" ", 1)[0])
    if len(words) != size or words[0] != END_OF_SENTENCE:
        raise damaged("vocab.txt does not list the model's words")
    if len(set(words)) != size:
        raise damaged("vocab.txt lists a word twice")
    model = Model(vocab=Vocab(words, counts),
                  input_vectors=_read_array(archive, "input_vectors", np.float32,
                                            (size, dim), damaged),
                  options=header.get("options") or {}, progress=progress,
                  corpus_files=list(corpus_files))
    for name in MATRICES[1:]:
        if name + ".npy" in names:
            setattr(model, name, _read_array(archive, name, np.float32, (size, dim), damaged))
    if "huffman_lengths.npy" in names:
        lengths = _read_array(archive, "huffman_lengths", np.int32, (size,), damaged)
        if lengths.min(initial=0) < 0 or lengths.max(initial=0) > MAX_CODE_LENGTH:
            raise damaged("Huffman code lengths out of range")
        total = int(lengths.sum())
        codes = _read_array(archive, "huffman_codes", np.uint8, (total,), damaged)
        points = _read_array(archive, "huffman_points", np.int32, (total,), damaged)
        if total and (points.min() < 0 or points.max() >= size or codes.max() > 1):
            raise damaged("Huffman tree out of range")
        model.huffman = Huffman.expand(lengths, codes, points)
    if model.hs_vectors is not None and model.huffman is None:
        raise damaged("hierarchical-softmax vectors without their tree")
    if not (progress is not None and progress.get("stage") == "counting"):  # no matrices yet
        for name, option in trained_matrices(model.options).items():
            if getattr(model, name) is None:
                raise damaged(f"{name}.npy is missing (it was trained with {option})")
    return model


def trained_matrices(options):
    """The output matrices a model trained with `options` has: {name: the option}."""
    tied = options.get("tied") is True  # one matrix serves as the output vectors too
    negative = options.get("negative")
    found = {}
    if _whole(negative) and negative > 0 and not tied:
        found["ns_vectors"] = f"--negative {negative}"
    if options.get("hs") is True:
        found["hs_vectors"] = "--hs"
    if options.get("softmax") is True and not tied:
        found["softmax_vectors"] = "--softmax"
    return found


def _whole(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _read_header(archive, path, what):
    """model.json, checked to be a w2v model header of this version whose options are
    an object (a damaged or hostile one is a UserError, never a traceback)."""
    if "model.json" not in set(archive.namelist()):
        raise UserError(f"{what} {path} is not a w2v model file (no model.json inside)")
    if archive.getinfo("model.json").file_size > MAX_JSON_BYTES:
        raise UserError(f"{what} {path} is damaged: model.json is too large")
    try:
        header = json.loads(archive.read("model.json"))
    except RecursionError:  # [[[[...]]]]: nested deeper than the parser goes
        raise UserError(f"{what} {path} is damaged: model.json is nested too deeply") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise UserError(f"{what} {path} is not a w2v model file")
    if header.get("version") != VERSION:
        raise UserError(f"{what} {path} has format version {header.get('version')}; this "
                        f"w2v reads version {VERSION}")
    if not isinstance(header.get("options") or {}, dict):
        raise UserError(f"{what} {path} is damaged: its options are not an object")
    return header


def _read_array(archive, name, dtype, shape, damaged):
    """One .npy member, whole, after checking its header against the expected shape and
    the member's size (a damaged header must not cause a huge allocation)."""
    member = name + ".npy"
    try:
        info = archive.getinfo(member)
    except KeyError:
        raise damaged(f"{member} is missing") from None
    with archive.open(info) as f:
        try:
            found_shape, fortran, found_dtype = read_npy_header(f)
        except ValueError as exc:
            raise damaged(f"{member} has no readable .npy header ({exc})") from None
        if found_shape != shape or fortran or found_dtype.newbyteorder("=") != np.dtype(dtype):
            raise damaged(f"{member} holds {found_dtype} {found_shape}, expected "
                          f"{np.dtype(dtype)} {shape}")
        nbytes = int(np.prod(shape, dtype=np.int64)) * found_dtype.itemsize
        header_bytes = f.tell()
        if info.file_size - header_bytes != nbytes:
            raise damaged(f"{member} is {info.file_size - header_bytes} bytes, its header "
                          f"says {nbytes}")
        if len(shape) == 2 and np.dtype(dtype) == np.float32:
            return _read_matrix(f, found_dtype, shape, lambda: damaged(f"{member} ends early"))
        data = bytearray(nbytes)
        _read_exactly(f, memoryview(data), lambda: damaged(f"{member} ends early"))
    return np.frombuffer(data, dtype=found_dtype).astype(dtype, copy=False).reshape(shape)


def _read_exactly(f, view, short):
    got = 0
    while got < len(view):
        n = f.readinto(view[got:])
        if not n:
            raise short()
        got += n


def _read_matrix(f, found_dtype, shape, short):
    """A float32 matrix read a block of rows at a time into a training matrix (rows on
    cache lines, as training allocates them: see _train.training_matrix)."""
    from . import _train
    rows, dim = shape
    matrix = _train.training_matrix(rows, dim)
    block = max(1, (1 << 20) // max(1, dim * found_dtype.itemsize))  # rows per MB
    data = bytearray(block * dim * found_dtype.itemsize)
    for start in range(0, rows, block):
        count = min(block, rows - start)
        view = memoryview(data)[:count * dim * found_dtype.itemsize]
        _read_exactly(f, view, short)
        matrix[start:start + count] = np.frombuffer(view, found_dtype).reshape(count, dim)
    return matrix


def read_options(path, what="model"):
    """Only the options and progress of a model or checkpoint (json), without its arrays."""
    _check_archive(path, what)
    try:
        with zipfile.ZipFile(path) as archive:
            return _read_header(archive, path, what)
    except ARCHIVE_ERRORS as exc:
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        raise UserError(f"{what} {path} is not a readable w2v model file ({reason})") from None

