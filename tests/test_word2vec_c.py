"""w2v beside word2vec.c itself: PyPI's `word2vec` binary, when installed (it is in the
bench extra: pip install -e '.[bench]'). tests/reference_word2vec.py checks the same
loop without it."""
import gzip
import os
import random
import shutil
import subprocess
import sys

import numpy as np
import pytest

import w2v
from w2v import _train

WORD2VEC = (shutil.which("word2vec")
            or shutil.which("word2vec", path=os.path.dirname(sys.executable)))
SAMPLE = os.path.join(os.path.dirname(w2v.__file__), "data", "sample-enwiki.txt.gz")


def lines_corpus(path, count):
    """`count` words of the bundled sample in lines of 0 to 80 words, a blank line after
    one line in five (30,000 words: about 190 KB)."""
    with gzip.open(SAMPLE, "rt") as f:
        words = f.read().split()[:count]
    rng, lines, i = random.Random(3), [], 0
    while i < len(words):
        n = rng.randint(0, 80)
        lines.append(" ".join(words[i:i + n]))
        i += n
        if rng.random() < 0.2:
            lines.append("")
    path.write_text("\n".join(lines) + "\n")


def read_text_vectors(path):
    with open(path) as f:
        f.readline()
        rows = [line.split() for line in f.read().splitlines()]  # a space ends each line
    return [r[0] for r in rows], np.array([r[1:] for r in rows], dtype=np.float64)


@pytest.mark.skipif(WORD2VEC is None, reason="word2vec.c's word2vec not installed")
@pytest.mark.parametrize("cbow", [0, 1], ids=["skip-gram", "cbow"])
@pytest.mark.parametrize("words", [30_000, 100_000], ids=["one-batch", "three-batches"])
def test_one_thread_makes_word2vec_c_vectors(tmp_path, monkeypatch, cbow, words):
    """Hierarchical softmax on one thread, 2 passes over lines with blank lines between
    them: the learning rate changes in mid-sentence and at the pass's end, sentences
    with no word (blank, or emptied by subsampling) still draw their window, and a
    sentence that one of w2v's 256 KB batches leaves open goes on in the next. w2v given
    word2vec.c's two generator seeds (1 for the input vectors, 0 for its thread) ends
    with word2vec.c's vectors, to float rounding (negative sampling would not: w2v draws
    its negatives by the alias method)."""
    corpus = tmp_path / "lines.txt"
    lines_corpus(corpus, words)
    theirs = tmp_path / "c.txt"
    subprocess.run([WORD2VEC, "-train", str(corpus), "-output", str(theirs), "-cbow", str(cbow),
                    "-size", "20", "-window", "5", "-hs", "1", "-negative", "0",
                    "-min-count", "5", "-iter", "2", "-threads", "1", "-binary", "0"],
                   check=True, stdout=subprocess.DEVNULL)
    init = _train.init_input_vectors
    monkeypatch.setattr(_train, "init_input_vectors", lambda size, dim, seed: init(size, dim, 1))
    ours = w2v.train(str(corpus), cbow=bool(cbow), size=20, window=5, hs=True, negative=0,
                     min_count=5, iter=2, threads=1, seed=0)
    words, expected = read_text_vectors(theirs)
    assert words == ours.words
    moved = np.abs(expected).max()
    assert moved > 0.3  # trained well beyond the starting +-0.025
    # float rounding (word2vec.c is built with -Ofast) moves the numbers by up to 3e-4; a
    # rate changed one sentence late, or a generator one draw behind, moved them by 0.04
    # and more
    np.testing.assert_allclose(ours.vectors, expected, atol=1e-3)
