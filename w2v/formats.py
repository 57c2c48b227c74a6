"""word2vec.c's vector file formats.

Text:   "V D\n", then per word: the word's bytes, then for each dimension "%f " (six
        decimals, each followed by a space, as word2vec.c's fprintf("%lf ")), then "\n".
Binary: "V D\n", then per word: the word's bytes, a space, D little-endian float32, "\n".

Words are bytes: training never decodes the corpus, so whatever bytes a word had in
the corpus are written back unchanged.
"""
import numpy as np

from .atomic import atomic_output


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
    lines = []
    for word, row in zip(words, vectors.tolist()):
        lines.append(word + b" " + (row_format % tuple(row)).encode("ascii") + b"\n")
        if len(lines) >= 4096:
            out.write(b"".join(lines))
            lines.clear()
    out.write(b"".join(lines))
