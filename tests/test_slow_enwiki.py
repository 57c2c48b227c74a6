"""Issue 2's acceptance run on the shared 100 MB corpus (slow: `pytest -m slow`).

Trains skip-gram and CBOW with negative sampling, one pass, two threads, with
`-size 100 -window 5 -negative 5 -sample 1e-4`, and checks analogy accuracy (top 30,000
words, compute-accuracy's rules). When word2vec.c is on PATH (PyPI package `word2vec`),
it is trained in the same run and w2v must be within 1 point of it and not slower.
"""
import os
import shutil
import subprocess
import sys
import time

import pytest

import w2v
from w2v.evaluate import evaluate_analogies
from w2v.formats import read_vectors

CORPUS = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "data",
                      "enwiki2015-text8like.zip")
FLAGS = ["-size", "100", "-window", "5", "-negative", "5", "-hs", "0", "-sample", "1e-4",
         "-min-count", "5", "-iter", "1", "-threads", "2", "-binary", "1"]
# word2vec.c's total accuracy with these flags, measured here (compute-accuracy, 30,000
# words): skip-gram 9.93-10.08 %, CBOW 6.68 %. Used when word2vec.c is not installed.
WORD2VEC_C_ACCURACY = {"0": 0.0993, "1": 0.0668}

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not os.path.exists(CORPUS), reason="shared corpus not found")]


@pytest.fixture(scope="module")
def plain_corpus(tmp_path_factory):
    # word2vec.c reads plain text only: unpack once for both tools
    import zipfile
    folder = tmp_path_factory.mktemp("enwiki")
    with zipfile.ZipFile(CORPUS) as archive:
        name = archive.namelist()[0]
        archive.extract(name, folder)
    return str(folder / name)


def timed(command):
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def accuracy(path):
    words, vectors = read_vectors(path, binary=True)
    return evaluate_analogies(words, vectors).accuracy


@pytest.mark.parametrize("cbow", ["0", "1"], ids=["skip-gram", "cbow"])
def test_speed_and_accuracy_against_word2vec_c(plain_corpus, tmp_path, cbow):
    ours = tmp_path / "w2v.bin"
    package_parent = os.path.dirname(os.path.dirname(w2v.__file__))
    env = dict(os.environ, PYTHONPATH=package_parent)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "w2v", "-train", plain_corpus, "-output", str(ours),
                    "-cbow", cbow, "-debug", "0", *FLAGS], check=True, env=env)
    our_seconds = time.perf_counter() - start
    our_accuracy = accuracy(ours)
    reference = shutil.which("word2vec")
    if reference:
        theirs = tmp_path / "c.bin"
        their_seconds = timed([reference, "-train", plain_corpus, "-output", str(theirs),
                               "-cbow", cbow, *FLAGS])
        their_accuracy = accuracy(theirs)
        print(f"cbow={cbow}: w2v {our_seconds:.1f} s {our_accuracy:.2%}, "
              f"word2vec.c {their_seconds:.1f} s {their_accuracy:.2%}")
        assert our_seconds <= their_seconds
    else:
        their_accuracy = WORD2VEC_C_ACCURACY[cbow]
    assert our_accuracy >= their_accuracy - 0.01
