"""Word classes by k-means, as word2vec.c's -classes option computes them.

word2vec.c's recipe (TrainModel, the `classes` branch), kept step for step:
- word i starts in class i % k;
- each of 10 iterations: a centroid is the sum of its words' vectors divided by
  (its size + 1) -- the counts start at 1 --, then scaled to length 1; each word then
  moves to the class whose unit centroid has the largest dot product with the word's
  raw (not normalised) vector; the first class wins a tie, and a word whose best dot
  product is not above -10 goes to class 0;
- an empty class has a zero centroid, which word2vec.c divides by zero: NaN, never chosen.

The sums run in word order in float32, as in C. The dot products come from one matrix
product; when two classes are closer than its rounding error, they are compared again
with C's float32 operations in C's order. The result equals word2vec.c's built with
-O2 or -O3 (checked on real vectors); a -Ofast build sums in yet another order and
can differ in a few words.
"""
import numpy as np

from .outputs import atomic_output
from .cfloat import c_dot, c_sum_of_squares, rounding_bound
from .formats import encode_word

ITERATIONS = 10  # word2vec.c's fixed `iter` for k-means
MAX_ITERATIONS = 10000  # as `w2v classes --iterations`
NO_CLASS_BELOW = -10  # word2vec.c starts each word's best dot product at -10
BATCH_ROWS = 16384


def word_classes(vectors, k, iterations=ITERATIONS):
    """A class id in [0, k) for each row of `vectors` (V x D float32): int32 array (V,)."""
    if k < 1:
        raise ValueError(f"the number of classes must be at least 1, not {k}")
    words = np.ascontiguousarray(vectors, dtype=np.float32)
    # Word i starts in class i % k: beyond the V words, classes start empty, have a NaN
    # centroid and are never chosen. The same classes come from k = V, without
    # allocating k centroids (Vectors.word_classes(10**9) was a 1 TB MemoryError).
    k = min(k, max(len(words), 1))
    if not 0 <= iterations <= MAX_ITERATIONS:
        raise ValueError(f"iterations must be from 0 to {MAX_ITERATIONS}, not {iterations}")
    classes = (np.arange(len(words)) % k).astype(np.int32)
    for _ in range(iterations):
        classes = _assign(words, _unit_centroids(words, classes, k))
    return classes


def _unit_centroids(words, classes, k):
    sums = np.zeros((k, words.shape[1]), dtype=np.float32)
    np.add.at(sums, classes, words)  # float32, one word after the other, as word2vec.c
    sizes = np.bincount(classes, minlength=k).astype(np.float32) + np.float32(1)
    centroids = sums / sizes[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        return centroids / np.sqrt(c_sum_of_squares(centroids))[:, None]


def _assign(words, centroids):
    usable = np.isfinite(centroids).all(axis=1)
    centroids = np.where(usable[:, None], centroids, 0).astype(np.float32)
    classes = np.empty(len(words), dtype=np.int32)
    for start in range(0, len(words), BATCH_ROWS):
        rows = words[start:start + BATCH_ROWS]
        scores = rows @ centroids.T
        scores[:, ~usable] = -np.inf
        best = scores.argmax(axis=1)
        top = scores[np.arange(len(rows)), best]
        tolerance = rounding_bound(rows)
        near = scores >= (top - tolerance)[:, None]
        doubtful = (near.sum(axis=1) > 1) | (np.abs(top - NO_CLASS_BELOW) <= tolerance)
        for i in np.flatnonzero(doubtful):
            candidates = np.flatnonzero(near[i])
            exact = c_dot(centroids[candidates], rows[i])
            winner = int(np.argmax(exact))  # the first of equal maxima: the lower class
            best[i], top[i] = candidates[winner], exact[winner]
        classes[start:start + len(rows)] = np.where(top > NO_CLASS_BELOW, best, 0)
    return classes


def write_classes(path, words, classes):
    """Write word2vec.c's classes file, "word class" per line, atomically.
    `words` are bytes (str is encoded back with formats.encode_word)."""
    with atomic_output(path) as out:
        out.write(b"".join(b"%s %d\n" % (encode_word(w), c)
                           for w, c in zip(words, np.asarray(classes).tolist())))
