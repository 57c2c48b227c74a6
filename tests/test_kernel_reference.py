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


def distinct_paths(length):
    """Each word's path: `length` distinct nodes, as a real Huffman path has."""
    points = np.zeros((V, _train.MAX_CODE_LENGTH), np.int32)
    points[:, :length] = [[(w + 4 * k) % (V - 1) for k in range(length)] for w in range(V)]
    return points


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
@pytest.mark.parametrize("hs, negative, positions, window",
                         [(False, 3, 1, WINDOW), (True, 0, 1, WINDOW), (True, 2, 1, WINDOW),
                          (False, 3, 3, WINDOW), (True, 2, 4, WINDOW), (True, 0, 1, 40)],
                         ids=["ns", "hs", "hs+ns", "ns-3-positions", "hs+ns-4-positions",
                              "hs-huge-window"])
@pytest.mark.parametrize("shape", SHAPES)
def test_batched_kernel_matches_its_numpy_reference(hs, negative, positions, window, shape,
                                                    kernel):
    """With a huge window (more than 64 contexts) the kernel keeps a repeated context once
    per occurrence instead of merging them: another update, also checked here."""
    from reference_batch import BatchReferenceTrainer
    dim, length, extra = SHAPES[shape]
    negative += extra if negative else 0
    ids, weights, keep = toy_corpus(1)
    codes, points, lengths = toy_tree(length)
    distinct = distinct_paths(length)
    vectors = [_train.init_input_vectors(V, dim, 1), np.zeros((V, dim), np.float32),
               np.zeros((V, dim), np.float32)]
    shared = _train.SharedModel(
        input_vectors=vectors[0], hs_vectors=vectors[1] if hs else None,
        ns_vectors=vectors[2] if negative else None, softmax_vectors=None, codes=codes,
        points=distinct, code_lengths=lengths, noise_weights=weights, keep_thresholds=keep,
        window=window, negative=negative, hs=hs, softmax=False, cbow=False, cbow_mean=True,
        alpha=ALPHA, min_alpha=None, total_words=10**12, kernel=kernel, batch=positions)
    _train.ThreadState(shared, SEED).train(ids)

    expected = [_train.init_input_vectors(V, dim, 1), np.zeros((V, dim), np.float32),
                np.zeros((V, dim), np.float32)]
    reference = BatchReferenceTrainer(*expected, codes, distinct, lengths, weights, keep, window,
                                      negative, hs, False, ALPHA, SEED)
    reference.positions = positions
    reference.train(ids)
    assert np.abs(vectors[0] - _train.init_input_vectors(V, dim, 1)).max() > 1e-3
    # Up to 80 contexts of 12 words: every row takes many more updates, and the kernels
    # themselves end up as much as 2.5e-4 apart ("short"); errors taken against the old
    # output rows are 0.5 away
    tolerance = 2e-6 if window == WINDOW else 1e-3
    for got, want in zip(vectors, expected):
        np.testing.assert_allclose(got, want, atol=tolerance)


def schedule_corpus():
    """24,000 word ids in sentences of 1 to 60 words, with blank lines (several sentence
    ends in a row) and sentences of words that subsampling always drops, so that
    sentences with no word occur, and the learning rate changes (every 10,000 words) in
    the middle of sentences."""
    rng = np.random.default_rng(7)
    pieces = []
    while sum(map(len, pieces)) < 24_000:
        kind = rng.integers(10)
        if kind == 0:
            pieces.append(np.zeros(rng.integers(1, 4), np.int32))  # blank lines
        elif kind == 1:
            pieces.append(np.array([V - 1] * rng.integers(1, 4) + [0], np.int32))  # dropped
        else:
            pieces.append(np.append(rng.integers(1, V - 1, rng.integers(1, 61)), 0))
    ids = np.concatenate(pieces).astype(np.int32)
    weights = np.bincount(ids, minlength=V).astype(np.float64) ** 0.75
    keep = rng.uniform(0.5, 1.2, V).astype(np.float32)
    keep[V - 1] = 0  # never kept
    return ids, weights, keep


@pytest.mark.parametrize("mode", ["skip-gram", "cbow", "batch"])
def test_learning_rate_and_empty_sentences_follow_word2vec_c(mode):
    """word2vec.c checks for a new learning rate before every position, but its word
    count grows only as a sentence is read: the sentence passing 10,000 words trains its
    first position at the old rate. A sentence left with no word still draws its window.
    Over two and a half decay steps of a short schedule, with blank lines and emptied
    sentences, the kernel makes the reference's updates."""
    from reference_batch import BatchReferenceTrainer
    ids, weights, keep = schedule_corpus()
    codes, points, lengths = toy_tree(3)
    points = distinct_paths(3)
    total = len(ids) + 2_000  # alpha falls to a twelfth of its start
    cbow, batch = mode == "cbow", int(mode == "batch")

    def fresh():
        return [_train.init_input_vectors(V, DIM, 1), np.zeros((V, DIM), np.float32),
                np.zeros((V, DIM), np.float32)]
    vectors = fresh()
    shared = _train.SharedModel(
        input_vectors=vectors[0], hs_vectors=vectors[1], ns_vectors=vectors[2],
        softmax_vectors=None, codes=codes, points=points, code_lengths=lengths,
        noise_weights=weights, keep_thresholds=keep, window=WINDOW, negative=2, hs=True,
        softmax=False, cbow=cbow, cbow_mean=True, alpha=ALPHA, min_alpha=None,
        total_words=total, batch=batch)
    thread = _train.ThreadState(shared, SEED)
    thread.train(ids)

    expected = fresh()
    trainer = BatchReferenceTrainer if batch else ReferenceTrainer
    reference = trainer(*expected, codes, points, lengths, weights, keep, WINDOW, 2, True, cbow,
                        ALPHA, SEED, total_words=total)
    reference.train(ids)
    assert reference.alpha < ALPHA / 2 and thread.get_state()["alpha"] == pytest.approx(
        reference.alpha, rel=1e-6)
    # 24,000 words of float rounding (the sums' order differs) move the numbers by about
    # 3e-5; a learning rate changed one sentence late moved them by 4e-3, and an empty
    # sentence's missing draw by 0.17
    for got, want in zip(vectors, expected):
        np.testing.assert_allclose(got, want, atol=1e-4)


def test_batches_train_as_one():
    """The corpus reaches the kernel in batches. A batch that keeps the sentence it leaves
    open (one thread) hands it to the next, started from the first one's saved state as
    a checkpoint would: cut anywhere, in a sentence with words, a blank line or a
    sentence emptied by subsampling, two batches make the updates of one."""
    ids, weights, keep = schedule_corpus()
    codes, points, lengths = toy_tree(3)

    def train(*batches):
        vectors = [_train.init_input_vectors(V, DIM, 1), np.zeros((V, DIM), np.float32)]
        shared = _train.SharedModel(
            input_vectors=vectors[0], hs_vectors=vectors[1], ns_vectors=None,
            softmax_vectors=None, codes=codes, points=distinct_paths(3), code_lengths=lengths,
            noise_weights=weights, keep_thresholds=keep, window=WINDOW, negative=0, hs=True,
            softmax=False, cbow=False, cbow_mean=True, alpha=ALPHA, min_alpha=None,
            total_words=len(ids) + 2_000)
        state = None
        for batch in batches:
            thread = _train.ThreadState(shared, SEED)
            if state is not None:
                thread.set_state(state)
            thread.train(batch, closes=batch is batches[-1])
            state = thread.get_state()
        return vectors

    whole = train(ids)
    ends = np.flatnonzero(ids[:4000] == 0)
    after_words = [i for i in ends if ids[i - 1] not in (0, V - 1)][:5]
    blank = [i for i in ends if ids[i - 1] == 0][:5]
    emptied = [i for i in ends if ids[i - 1] == V - 1][:5]
    inside = [i for i in range(1, 4000) if ids[i] and ids[i - 1]][::300]
    assert len(after_words) == len(blank) == len(emptied) == 5 and len(inside) > 5
    for cut in after_words + blank + emptied + inside + [0, len(ids)]:
        # (an empty batch last still ends the sentence left open)
        for got, want in zip(train(ids[:cut], ids[cut:], ids[:0]), whole):
            np.testing.assert_array_equal(got, want)


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


def test_training_matrices_start_their_rows_on_cache_lines():
    for dim in (1, 16, 19, 100, 300):
        matrix = _train.training_matrix(7, dim)
        assert matrix.shape == (7, dim) and matrix.dtype == np.float32 and not matrix.any()
        assert matrix.strides == (_train.row_stride(dim) * 4, 4)
        assert _train.row_stride(dim) % 16 == 0 and _train.row_stride(dim) - dim < 16
        assert matrix.ctypes.data % 64 == 0
        vectors = _train.init_input_vectors(7, dim, 1)
        assert vectors.ctypes.data % 64 == 0 and vectors.strides == matrix.strides


@pytest.mark.parametrize("kernel", _train.available_kernels())
@pytest.mark.parametrize("cbow, hs, negative, softmax, batch", [
    (False, True, 2, False, 0), (True, True, 2, False, 0), (False, False, 0, True, 0),
    (False, True, 2, False, 1), (False, False, 3, False, 3)],
    ids=["sg-hs+ns", "cbow-hs+ns", "softmax", "batch-hs+ns", "batch-positions"])
def test_row_layout_changes_no_number(kernel, cbow, hs, negative, softmax, batch):
    """The same training on rows padded to cache lines (as the trainer allocates them), on
    packed rows (as a model file is read), and on both mixed, gives the same bytes: each
    matrix's row stride is its own."""
    ids, weights, keep = toy_corpus(2)
    codes, points, lengths = toy_tree(5)
    distinct = distinct_paths(5)

    def trained(padded):  # padded[i]: matrix i (input, hs, ns, softmax) with padded rows
        start = _train.init_input_vectors(V, DIM, 1)
        matrices = [_train.training_matrix(V, DIM) if pad else np.zeros((V, DIM), np.float32)
                    for pad in padded]
        matrices[0][:] = start
        _train.ThreadState(_train.SharedModel(
            input_vectors=matrices[0], hs_vectors=matrices[1] if hs else None,
            ns_vectors=matrices[2] if negative else None,
            softmax_vectors=matrices[3] if softmax else None, codes=codes, points=distinct,
            code_lengths=lengths, noise_weights=weights, keep_thresholds=keep,
            window=WINDOW, negative=negative, hs=hs, softmax=softmax, cbow=cbow,
            cbow_mean=True, alpha=ALPHA, min_alpha=None, total_words=10**12, kernel=kernel,
            batch=batch), SEED).train(ids)
        return [np.ascontiguousarray(m).tobytes() for m in matrices]

    packed = trained([False] * 4)
    assert trained([True] * 4) == packed
    assert trained([True, False, True, False]) == packed
    assert trained([False, True, False, True]) == packed


@pytest.mark.parametrize("kernel", _train.available_kernels())
@pytest.mark.parametrize("batch", [0, 1])
def test_private_copies_of_the_top_rows_make_the_same_updates(kernel, batch):
    """With one thread, updating copies of the tree's top rows and adding their change to
    the shared rows at each synchronisation is the plain update but for rounding."""
    ids, weights, keep = toy_corpus(3)
    codes, _, lengths = toy_tree(5)
    distinct = distinct_paths(5)

    def trained(hot_depth):
        matrices = [_train.init_input_vectors(V, DIM, 1), _train.training_matrix(V, DIM)]
        matrices[1][:] = _train.init_input_vectors(V, DIM, 2)  # copies must hold these
        shared = _train.SharedModel(
            input_vectors=matrices[0], hs_vectors=matrices[1], ns_vectors=None,
            softmax_vectors=None, codes=codes, points=distinct, code_lengths=lengths,
            noise_weights=weights, keep_thresholds=keep, window=WINDOW, negative=0, hs=True,
            softmax=False, cbow=False, cbow_mean=True, alpha=ALPHA, min_alpha=None,
            total_words=10**12, kernel=kernel, batch=batch, hot_depth=hot_depth)
        # (the toy paths are no tree: their first two nodes cover every node)
        assert len(shared.hot_nodes) == (V - 1 if hot_depth else 1)
        state = _train.ThreadState(shared, SEED)
        state.train(ids)
        state.flush()  # adds the copies' changes to the shared rows
        return matrices

    plain, copied = trained(0), trained(2)
    assert np.abs(plain[1] - _train.init_input_vectors(V, DIM, 2)).max() > 1e-3  # trained
    for want, got in zip(plain, copied):
        np.testing.assert_allclose(got, want, atol=1e-6)


def test_private_copies_reach_the_shared_rows_every_thousand_words():
    """The copies are added to the shared rows at the first sentence start after
    W2V_HOT_SYNC_WORDS (1,000) words, not only every 10,000 (when progress is reported):
    that staleness cost SG-HS half an analogy point on 2 threads."""
    ids, weights, keep = toy_corpus(4)  # 400 words
    codes, _, lengths = toy_tree(5)
    distinct = distinct_paths(5)
    hs = _train.training_matrix(V, DIM)
    shared = _train.SharedModel(
        input_vectors=_train.init_input_vectors(V, DIM, 1), hs_vectors=hs, ns_vectors=None,
        softmax_vectors=None, codes=codes, points=distinct, code_lengths=lengths,
        noise_weights=weights, keep_thresholds=keep, window=WINDOW, negative=0, hs=True,
        softmax=False, cbow=False, cbow_mean=True, alpha=ALPHA, min_alpha=None,
        total_words=10**12, hot_depth=2)
    state = _train.ThreadState(shared, SEED)
    state.train(np.concatenate([ids] * 2))  # 800 words: still in the copies
    assert not hs.any()
    state.train(np.concatenate([ids] * 2))  # past 1,000 words, at a sentence start
    assert hs.any()
    assert shared.words_done == 0  # not through a flush: that comes every 10,000 words
