"""float32 arithmetic as word2vec.c's tools do it, for the cases where the last bits decide.

The C tools (compute-accuracy, distance, k-means classes) sum products one dimension after
the other in float32. A matrix product (BLAS) sums in another order, so its last bits
differ. The evaluators use fast matrix products and redo the C order exactly, vectorised
over rows, only where two candidates are closer than `rounding_bound`.
"""
import numpy as np


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
