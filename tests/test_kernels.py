"""The C kernels' tables and initialisation against word2vec.c's formulas."""
import math
import platform
import shutil
import subprocess

import numpy as np
import pytest

from w2v import _train


def test_sigmoid_table_matches_word2vec_c():
    sigmoid, log_sigmoid, log_one_minus = _train.sigmoid_tables()
    assert len(sigmoid) == 1001
    for i in (0, 1, 250, 500, 777, 999):
        x = (i / 1000 * 2 - 1) * 6
        assert sigmoid[i] == pytest.approx(1 / (1 + math.exp(-x)), rel=1e-6)
        assert log_sigmoid[i] == pytest.approx(math.log(sigmoid[i]), rel=1e-5)
        assert log_one_minus[i] == pytest.approx(math.log(1 - sigmoid[i]), rel=1e-4)
    assert sigmoid[500] == pytest.approx(0.5)
    assert np.all(np.diff(sigmoid[:1000]) > 0)


def test_hs_pairs_hold_each_codes_sigmoid_and_loss_term():
    """The AVX-512 kernel gathers a node's sigmoid and loss term as one pair, by code and
    table index: code 0 (label 1) loses -log sigmoid, code 1 -log(1 - sigmoid)."""
    tables = _train.sigmoid_tables()
    sigmoid, log_sigmoid, log_one_minus = tables
    pairs = _train.hs_pair_table(*tables).reshape(2, len(sigmoid), 2)
    assert np.array_equal(pairs[:, :, 0], [sigmoid, sigmoid])
    assert np.array_equal(pairs[0, :, 1], log_sigmoid)
    assert np.array_equal(pairs[1, :, 1], log_one_minus)


def reference_init(vocab_size, dim, seed=1):
    """word2vec.c's InitNet loop, written out in Python."""
    state = seed
    out = np.empty(vocab_size * dim, dtype=np.float32)
    for i in range(vocab_size * dim):
        state = (state * 25214903917 + 11) % 2**64
        out[i] = np.float32(((state & 0xFFFF) / np.float32(65536) - 0.5) / dim)
    return out.reshape(vocab_size, dim)


def test_input_vectors_start_as_word2vec_c():
    got = _train.init_input_vectors(7, 5, 1)
    assert np.array_equal(got, reference_init(7, 5))
    assert np.all(np.abs(got) <= 0.5 / 5)


def test_other_seed_gives_other_vectors():
    assert not np.array_equal(_train.init_input_vectors(3, 4, 1), _train.init_input_vectors(3, 4, 2))


def shared_model(alpha=0.025, min_alpha=None, total_words=1001, **options):
    vectors = _train.init_input_vectors(3, 4, 1)
    codes = np.zeros((1, _train.MAX_CODE_LENGTH), np.uint8)
    points = np.zeros((1, _train.MAX_CODE_LENGTH), np.int32)
    return _train.SharedModel(
        input_vectors=vectors, hs_vectors=None, ns_vectors=np.zeros((3, 4), np.float32),
        softmax_vectors=None, codes=codes, points=points, code_lengths=np.zeros(1, np.int32),
        noise_weights=np.array([0.0, 0.0, 1.0]), keep_thresholds=None, window=2, negative=2,
        hs=False, softmax=False, cbow=False, cbow_mean=True, alpha=alpha,
        min_alpha=min_alpha, total_words=total_words, **options)


def test_learning_rate_decays_linearly_with_word2vec_c_floor():
    shared = shared_model(total_words=1001)
    assert shared.alpha == pytest.approx(0.025)
    state = _train.ThreadState(shared, 1)
    state.train(np.array([1, 2, 1, 0] * 125, np.int32))  # 500 words: half way
    assert shared.words_done == 0  # reported every 10k words, or when the thread is done
    state.flush()
    assert shared.words_done == 500
    assert shared.alpha == pytest.approx(0.025 * (1 - 500 / 1001), rel=1e-5)
    state.train(np.array([1, 2, 1, 0] * 500, np.int32))  # past the end: floor alpha * 1e-4
    state.flush()
    assert shared.alpha == pytest.approx(0.025 * 1e-4, rel=1e-5)


def test_min_alpha_is_reached_linearly():
    shared = shared_model(alpha=0.1, min_alpha=0.01, total_words=1000)
    state = _train.ThreadState(shared, 1)
    state.train(np.array([1, 2, 1, 0] * 125, np.int32))
    state.flush()
    assert shared.alpha == pytest.approx(0.1 - 0.09 * 0.5, rel=1e-5)


@pytest.mark.parametrize("decay", [0.5, 0.25])
def test_pass_decay_takes_a_share_of_each_pass_fall_then_drops_the_rest(decay):
    # 2 passes of 500 words, linear from 0.1 to 0: each pass's share of the fall is 0.05
    shared = shared_model(alpha=0.1, min_alpha=0.0, total_words=1000, pass_decay=decay,
                          pass_words=500)
    state = _train.ThreadState(shared, 1)
    expected = []
    for words_done, (pass_number, within) in ((250, (0, 0.5)), (500, (1, 0.0)),
                                              (750, (1, 0.5))):
        state.train(np.array([1, 2, 1, 0] * 62 + [1, 2], np.int32))  # 250 words
        state.flush()
        assert shared.words_done == words_done
        expected.append(0.1 - 0.05 * (pass_number + decay * within))
        assert shared.alpha == pytest.approx(expected[-1], rel=1e-5)
    assert expected[0] > 0.1 - 0.05 * 0.5  # higher than the straight line within the pass


def test_training_reports_a_positive_loss_per_prediction():
    shared = shared_model()
    state = _train.ThreadState(shared, 1)
    state.train(np.array([1, 1, 1, 1, 0], np.int32))
    loss, examples = state.take_loss()
    assert examples > 0 and loss > 0
    # the noise table only holds word 2, never equal to the target 1: one positive and two
    # negatives per prediction, each starting at log 2 since output vectors start at zero
    assert loss / examples == pytest.approx(3 * math.log(2), rel=0.1)
    assert state.take_loss() == (0.0, 0)


def test_negative_sampler_follows_the_weights():
    counts = np.array([0, 500, 300, 120, 50, 20, 7, 2, 1], dtype=np.float64)
    weights = counts ** 0.75
    draws = _train.draw_noise_words(weights, 400_000, 12345)
    observed = np.bincount(draws, minlength=len(counts)) / len(draws)
    expected = weights / weights.sum()
    assert observed[0] == 0  # </s> has no weight here
    assert np.allclose(observed, expected, atol=3 * np.sqrt(expected / len(draws)) + 1e-4)


def test_alias_tables_are_exact_for_uniform_and_skewed_weights():
    thresholds, aliases = _train.alias_tables(np.ones(4))
    assert np.all(thresholds == 1 << 48)
    thresholds, aliases = _train.alias_tables(np.array([3.0, 1.0]))
    # column 1 keeps itself half the time and gives the rest to word 0: P(1) = 0.5 * 0.5
    assert thresholds[1] == 1 << 47 and aliases[1] == 0 and thresholds[0] == 1 << 48


def test_every_kernel_trains_the_same_vectors(tmp_path, monkeypatch):
    """A whole run (1 thread) under each compiled loop the CPU can run: the same vectors,
    up to the rounding of fused multiply-adds."""
    from conftest import planted_corpus
    from w2v.config import TrainConfig
    from w2v.trainer import train
    corpus = tmp_path / "c.txt"
    planted_corpus(corpus, lines=600)
    results = {}
    for kernel in _train.available_kernels():
        monkeypatch.setenv("W2V_KERNEL", kernel)
        for loss in (dict(hs=True, negative=0), dict(negative=5)):
            config = TrainConfig(corpus=[str(corpus)], size=16, min_count=1, iter=2,
                                 threads=1, debug=0, cbow=False, **loss)
            results[kernel, loss["negative"]] = train(config).input_vectors
    for (kernel, negative), vectors in results.items():
        np.testing.assert_allclose(vectors, results["generic", negative], atol=2e-4)


def test_corrected_cbow_follows_the_gradient_of_the_mean_context_loss():
    """--cbow-gradient mean: each context row moves by -alpha times the derivative of the
    exact softmax loss -log p(word | mean of the contexts) with respect to that row, here
    taken by finite differences; word2vec.c's rule moves it k times as far."""
    V, D, alpha = 6, 5, 0.1
    rng = np.random.default_rng(3)
    start_in = rng.normal(0, 0.3, (V, D)).astype(np.float32)
    start_out = rng.normal(0, 0.3, (V, D)).astype(np.float32)
    sentence = np.array([1, 2, 3, 4, 0], np.int32)

    def run_kernel(mean_gradient):
        vectors, out = start_in.copy(), start_out.copy()
        shared = _train.SharedModel(
            input_vectors=vectors, hs_vectors=None, ns_vectors=None, softmax_vectors=out,
            codes=np.zeros((1, _train.MAX_CODE_LENGTH), np.uint8),
            points=np.zeros((1, _train.MAX_CODE_LENGTH), np.int32),
            code_lengths=np.zeros(1, np.int32), noise_weights=None, keep_thresholds=None,
            window=1, negative=0, hs=False, softmax=True, cbow=True, cbow_mean=True,
            alpha=alpha, min_alpha=alpha, total_words=10**9,
            cbow_gradient_mean=mean_gradient)
        _train.ThreadState(shared, 1).train(sentence)
        return vectors, out

    def loss(out, contexts, word):
        h = np.mean(contexts, axis=0)
        scores = out.astype(np.float64) @ h
        return -(scores[word] - np.log(np.exp(scores - scores.max()).sum()) - scores.max())

    def expected(scale):
        vectors, out = start_in.astype(np.float64), start_out.astype(np.float64)
        words = list(sentence[:-1])
        for pos, word in enumerate(words):  # window 1: the words either side
            context = [words[c] for c in (pos - 1, pos + 1) if 0 <= c < len(words)]
            rows = vectors[context]
            steps = np.zeros_like(rows)
            for i in range(len(context)):  # central differences of the loss
                for d in range(D):
                    shifted = [rows.copy(), rows.copy()]
                    shifted[0][i, d] += 1e-5
                    shifted[1][i, d] -= 1e-5
                    steps[i, d] = -(loss(out, shifted[0], word) - loss(out, shifted[1], word)) / 2e-5
            h = rows.mean(axis=0)
            p = np.exp(out @ h - (out @ h).max())
            p /= p.sum()
            out += alpha * np.outer(np.eye(V)[word] - p, h)
            for i, c in enumerate(context):
                vectors[c] += alpha * scale(len(context)) * steps[i]
        return vectors

    corrected, _ = run_kernel(True)
    np.testing.assert_allclose(corrected, expected(lambda k: 1), atol=2e-5)
    classic, _ = run_kernel(False)
    np.testing.assert_allclose(classic, expected(lambda k: k), atol=2e-5)


@pytest.mark.skipif(shutil.which("objdump") is None or platform.machine() != "x86_64",
                    reason="reads the x86-64 disassembly with objdump")
def test_the_compiled_training_loops_keep_their_prefetches():
    """GCC 12 deleted loops whose only work is __builtin_prefetch: the default mode's
    whole-row prefetches (Huffman paths, entering context rows) were compiled to nothing
    until each address was marked as used. Every copy of the loop must prefetch in the
    default skip-gram mode (inlined into its entry point) and in the batched mode."""
    listing = subprocess.run(["objdump", "-d", "--no-show-raw-insn", _train.__file__],
                             capture_output=True, text=True, check=True).stdout
    prefetches, function = {}, None
    for line in listing.splitlines():
        if line.endswith(">:"):
            function = line.split("<", 1)[1][:-2]
        elif "prefetch" in line and function is not None:
            prefetches[function] = prefetches.get(function, 0) + 1
    entries = [name for name in prefetches if name.startswith("w2v_train_ids_")]
    # (a build without the fix had none in the entry points, and one per batched copy)
    for kernel in _train.available_kernels():
        # the entry point holds the default mode's loop: its path, output and context
        # row prefetches are separate loops
        assert prefetches.get(f"w2v_train_ids_{kernel}", 0) >= 3, (kernel, prefetches)
    # the batched loop is a static function, one per compiled copy, under the same name
    assert prefetches.get("train_sentence_sg_batch", 0) >= 3 * len(entries), prefetches
