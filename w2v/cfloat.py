"""float32 arithmetic as word2vec.c's tools do it, for the cases where the last bits decide.

The C tools (compute-accuracy, distance, k-means classes) sum products one dimension after
the other in float32. A matrix product (BLAS) sums in another order, so its last bits
differ. The evaluators use fast matrix products and redo the C order exactly, vectorised
over rows, only where two candidates are closer than `rounding_bound`.
"""
import re

import numpy as np

# What C's atof (and fscanf's %f) reads whole: ASCII digits, a sign, a point, an
# exponent, nan and inf. Python's float() also takes "1_0" (10, where C reads 1) and the
# digits of other scripts ("\u0665" is 5): a file or a flag would silently mean another
# number than it does to word2vec.c's tools.
C_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
                     r"|[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
C_SPACE = " \t\n\v\f\r"
# What C's atoi reads whole: ASCII digits and a sign (int() also takes "1_0" and "\u0665").
C_INT = re.compile(r"[+-]?[0-9]+")


def c_float(text):
    """float(text) for what C reads as a number whole (str or bytes, spaces around
    allowed), else ValueError."""
    if isinstance(text, (bytes, bytearray)):
        try:
            text = text.decode("ascii")
        except UnicodeDecodeError:
            raise ValueError(f"not a number: {text!r}") from None
    if not C_FLOAT.fullmatch(text.strip(C_SPACE)):
        raise ValueError(f"not a number: {text!r}")
    return float(text)


def c_int(text):
    """int(text) for what C's atoi reads as an integer whole (spaces around allowed), else
    ValueError."""
    if not C_INT.fullmatch(text.strip(C_SPACE)):
        raise ValueError(f"not an integer: {text!r}")
    return int(text)


def rounding_bound(vectors):
    """An upper bound on |BLAS - sequential C| for dot products of each row of
    `vectors` with vectors of length <= 1 (twice the textbook bound D * 2**-24 * |v|)."""
    dim = vectors.shape[1]
    return 4 * dim * np.finfo(np.float32).eps * np.linalg.norm(vectors, axis=1) + 1e-6


def c_sum_of_squares(matrix):
    """Per row: float len = 0; for each a: len += M[a] * M[a] (float32, in order)."""
    total = np.zeros(len(matrix), dtype=np.float32)
    for column in np.asarray(matrix, dtype=np.float32).T:
        total += column * column
    return total


def c_dot(rows, vector):
    """Per row: float x = 0; for each a: x += row[a] * vector[a] (float32, in order)."""
    total = np.zeros(len(rows), dtype=np.float32)
    for column, value in zip(np.asarray(rows, dtype=np.float32).T,
                             np.asarray(vector, dtype=np.float32)):
        total += column * value
    return total
