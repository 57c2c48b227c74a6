"""The C kernel against a literal transcription of word2vec.c's loop (reference_word2vec.py)."""
import numpy as np
import pytest

from reference_word2vec import ReferenceTrainer
from w2v import _train

V, DIM, WINDOW, SEED, ALPHA = 12, 19, 3, 5, 0.025

# (vector size, code length, extra negatives). The kernels take dot products eight at a
# time when more than four share an input, and a vector's elements in whole vectors (8
# or 16 floats), then four, then one: "short" paths and 19 floats (16 + 3) take the
# four-at-a-time and one-at-a-time ways; "long" ones, 9 nodes, 2 more negatives and 23
# floats (16 + 4 + 3), the blocks of eight and every tail.
SHAPES = {"short": (DIM, 3, 0), "long": (23, 9, 2)}


def toy_tree(length=3):
    """Any codes/points will do to compare two implementations of the same walk; a path's
    nodes are distinct (length < V)."""
    codes = np.zeros((V, _train.MAX_CODE_LENGTH), np.uint8)
    points = np.zeros((V, _train.MAX_CODE_LENGTH), np.int32)
    lengths = np.full(V, length, np.int32)
    for w in range(V):
        codes[w, :length] = [(w >> (k % 4)) & 1 for k in range(length)]
        points[w, :length] = [(w + k) % (V - 1) for k in range(length)]
    return codes, points, lengths


def toy_corpus(seed):
    """400 word ids with some sentence ends, their noise weights and keep thresholds
    (subsampling on), drawn from `seed`."""
    rng = np.random.default_rng(seed)
    ids = rng.integers(1, V, 400).astype(np.int32)
    ids[::37] = 0  # some sentence ends
    weights = np.bincount(ids, minlength=V).astype(np.float64) ** 0.75
    keep = rng.uniform(0.3, 1.2, V).astype(np.float32)
    return ids, weights, keep


@pytest.mark.parametrize("kernel", _train.available_kernels())
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("cbow", [False, True], ids=["skip-gram", "cbow"])
@pytest.mark.parametrize("hs, negative, softmax",
                         [(False, 3, False), (True, 0, False), (True, 2, False), (False, 0, True)],
                         ids=["ns", "hs", "hs+ns", "softmax"])
def test_kernel_matches_word2vec_c_loop(cbow, hs, negative, softmax, shape, kernel):
    """Every compiled copy of the loop (generic, AVX2, AVX-512 as the CPU allows) makes
    word2vec.c's updates, in its order (and the exact softmax's, which word2vec.c lacks)."""
    dim, length, extra = SHAPES[shape]
    negative += extra if negative else 0
    ids, weights, keep = toy_corpus(0)
    codes, points, lengths = toy_tree(length)

    vectors = [_train.init_input_vectors(V, dim, 1), np.zeros((V, dim), np.float32),
               np.zeros((V, dim), np.float32), np.zeros((V, dim), np.float32)]
    shared = _train.SharedModel(
        input_vectors=vectors[0], hs_vectors=vectors[1] if hs else None,
        ns_vectors=vectors[2] if negative else None,
        softmax_vectors=vectors[3] if softmax else None, codes=codes,
        points=points, code_lengths=lengths, noise_weights=weights, keep_thresholds=keep,
        window=WINDOW, negative=negative, hs=hs, softmax=softmax, cbow=cbow, cbow_mean=True,
        alpha=ALPHA, min_alpha=None, total_words=10**12, kernel=kernel)
    _train.ThreadState(shared, SEED).train(ids)

    expected = [_train.init_input_vectors(V, dim, 1), np.zeros((V, dim), np.float32),
                np.zeros((V, dim), np.float32), np.zeros((V, dim), np.float32)]
    ReferenceTrainer(*expected[:3], codes, points, lengths, weights, keep, WINDOW, negative, hs,
                     cbow, ALPHA, SEED, softmax_vectors=expected[3] if softmax else None
                     ).train(ids)

    moved = np.abs(vectors[0] - _train.init_input_vectors(V, dim, 1)).max()
    assert moved > 1e-3  # training did something
    for got, want in zip(vectors, expected):
        np.testing.assert_allclose(got, want, atol=1e-6)


@pytest.mark.parametrize("kernel", _train.available_kernels())
@pytest.mark.parametrize("hs, negative, positions",
                         [(False, 3, 1), (True, 0, 1), (True, 2, 1), (False, 3, 3), (True, 2, 4)],
                         ids=["ns", "hs", "hs+ns", "ns-3-positions", "hs+ns-4-positions"])
@pytest.mark.parametrize("shape", SHAPES)
def test_batched_kernel_matches_its_numpy_reference(hs, negative, positions, shape, kernel):
    from reference_batch import BatchReferenceTrainer
    dim, length, extra = SHAPES[shape]
    negative += extra if negative else 0
    ids, weights, keep = toy_corpus(1)
    codes, points, lengths = toy_tree(length)
    distinct = np.zeros((V, _train.MAX_CODE_LENGTH), np.int32)  # a real path: no node twice
    distinct[:, :length] = [[(w + 4 * k) % (V - 1) for k in range(length)] for w in range(V)]
    vectors = [_train.init_input_vectors(V, dim, 1), np.zeros((V, dim), np.float32),
               np.zeros((V, dim), np.float32)]
    shared = _train.SharedModel(
        input_vectors=vectors[0], hs_vectors=vectors[1] if hs else None,
        ns_vectors=vectors[2] if negative else None, softmax_vectors=None, codes=codes,
        points=distinct, code_lengths=lengths, noise_weights=weights, keep_thresholds=keep,
        window=WINDOW, negative=negative, hs=hs, softmax=False, cbow=False, cbow_mean=True,
        alpha=ALPHA, min_alpha=None, total_words=10**12, kernel=kernel, batch=positions)
    _train.ThreadState(shared, SEED).train(ids)

    expected = [_train.init_input_vectors(V, dim, 1), np.zeros((V, dim), np.float32),
                np.zeros((V, dim), np.float32)]
    reference = BatchReferenceTrainer(*expected, codes, distinct, lengths, weights, keep, WINDOW,
                                      negative, hs, False, ALPHA, SEED)
    reference.positions = positions
    reference.train(ids)
    assert np.abs(vectors[0] - _train.init_input_vectors(V, dim, 1)).max() > 1e-3
    for got, want in zip(vectors, expected):
        np.testing.assert_allclose(got, want, atol=2e-6)


@pytest.mark.parametrize("kernel", _train.available_kernels())
@pytest.mark.parametrize("cbow", [False, True], ids=["skip-gram", "cbow"])
@pytest.mark.parametrize("negative, softmax", [(3, False), (0, True)], ids=["ns", "softmax"])
def test_tied_kernel_matches_word2vec_c_loop_on_one_matrix(cbow, negative, softmax, kernel):
    """--tied: the same loop with the output rows being the input rows themselves, so a
    word that is its own target or negative reads the row its previous update wrote."""
    ids, weights, keep = toy_corpus(1)
    codes, points, lengths = toy_tree()

    tied = _train.init_input_vectors(V, DIM, 1)
    shared = _train.SharedModel(
        input_vectors=tied, hs_vectors=None, ns_vectors=tied if negative else None,
        softmax_vectors=tied if softmax else None, codes=codes, points=points,
        code_lengths=lengths, noise_weights=weights, keep_thresholds=keep, window=WINDOW,
        negative=negative, hs=False, softmax=softmax, cbow=cbow, cbow_mean=True, alpha=ALPHA,
        min_alpha=None, total_words=10**12, kernel=kernel)
    _train.ThreadState(shared, SEED).train(ids)

    expected = _train.init_input_vectors(V, DIM, 1)
    ReferenceTrainer(expected, None, expected if negative else None, codes, points, lengths,
                     weights, keep, WINDOW, negative, False, cbow, ALPHA, SEED,
                     softmax_vectors=expected if softmax else None).train(ids)

    assert np.abs(tied - _train.init_input_vectors(V, DIM, 1)).max() > 1e-3
    np.testing.assert_allclose(tied, expected, atol=1e-6)
