"""Training end to end: planted structure recovered, determinism, outputs, error paths."""
import gzip
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

import w2v
from w2v.cli import main
from w2v.config import TrainConfig
from w2v.trainer import train

SMALL = dict(size=20, window=3, sample=0, min_count=1, iter=8, threads=2, debug=0, seed=3)

COMBINATIONS = [
    (cbow, loss) for cbow in (True, False) for loss in ("ns", "hs", "hs+ns", "softmax")
] + [(False, "batch-ns"), (False, "batch-hs"), (False, "batch-positions"), (False, "tied-ns"),
      (True, "tied-ns"),
      (False, "tied-softmax"), (True, "gensim-ns"), (True, "mean-gradient")]


def loss_options(loss):
    return {"ns": dict(hs=False, negative=5), "hs": dict(hs=True, negative=0),
            "hs+ns": dict(hs=True, negative=3), "softmax": dict(softmax=True, negative=0),
            "batch-ns": dict(negative=5, batch=True),
            "batch-hs": dict(hs=True, negative=0, batch=True),
            "batch-positions": dict(hs=True, negative=5, batch=True, batch_positions=4),
            "tied-ns": dict(negative=5, tied=True),
            "tied-softmax": dict(softmax=True, negative=0, tied=True),
            "gensim-ns": dict(negative=5, ns_saturation="skip", init_scale=2.0),
            "mean-gradient": dict(negative=5, cbow_gradient="mean", alpha=0.2)}[loss]


def nearest(vectors, index, k):
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    scores = unit @ unit[index]
    scores[index] = -np.inf
    return np.argsort(-scores)[:k]


@pytest.mark.parametrize("cbow, loss", COMBINATIONS)
def test_every_model_and_loss_recovers_planted_groups(planted, cbow, loss):
    path, groups = planted
    result = train(TrainConfig(corpus=[str(path)], cbow=cbow, **loss_options(loss), **SMALL))
    words = [w.decode() for w in result.vocab.words]
    group_of = {w: g for g, members in enumerate(groups) for w in members}
    hits = total = 0
    for i, word in enumerate(words):
        if word == "</s>":
            continue
        for j in nearest(result.input_vectors, i, 3):
            hits += group_of.get(words[j]) == group_of[word]
            total += 1
    assert hits / total >= 0.9, f"only {hits}/{total} nearest neighbours inside their group"
    # the loss went down from the first pass to the last -- except for tied skip-gram
    # (ns or softmax), whose loss stays flat on this corpus although the groups are found:
    # each word also predicts itself through the one matrix (README, "Why two matrices?")
    if cbow or not loss.startswith("tied"):
        assert result.last_pass.average_loss < result.first_pass.average_loss


def run_cli(*args):
    """Run the command line in-process; return (exit code, stderr text)."""
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = exc.code
    return code


@pytest.mark.parametrize("mode", [[], ["--skip-gram", "--batch", "--batch-positions", "3"]],
                         ids=["default", "batch-positions"])
def test_one_thread_with_a_seed_is_byte_reproducible(planted, tmp_path, mode):
    path, _ = planted
    outputs = []
    for name, seed in (("a", "7"), ("b", "7"), ("c", "8")):
        out = tmp_path / f"{name}.bin"
        assert run_cli("train", str(path), "-o", str(out), "--binary", "--threads", "1",
                       "--seed", seed, "--min-count", "1", "--iter", "2", "--quiet",
                       *mode) == 0
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert outputs[0] != outputs[2]


def read_text_vectors(path):
    lines = path.read_bytes().split(b"\n")
    count, dim = map(int, lines[0].split())
    rows = [line for line in lines[1:] if line]
    assert len(rows) == count
    words = [row.split(b" ")[0] for row in rows]
    values = np.array([[float(x) for x in row.split(b" ")[1:] if x] for row in rows], np.float32)
    assert values.shape == (count, dim)
    return words, values, rows


def read_binary_vectors(path):
    data = path.read_bytes()
    header, rest = data.split(b"\n", 1)
    count, dim = map(int, header.split())
    words, rows = [], []
    for _ in range(count):
        word, rest = rest.split(b" ", 1)
        rows.append(np.frombuffer(rest[:4 * dim], "<f4"))
        assert rest[4 * dim:4 * dim + 1] == b"\n"
        rest = rest[4 * dim + 1:]
        words.append(word)
    assert rest == b""
    return words, np.array(rows)


def test_text_and_binary_outputs_hold_the_same_vectors(planted, tmp_path):
    path, _ = planted
    common = ["--threads", "1", "--min-count", "1", "--iter", "1", "--size", "7", "--quiet"]
    assert run_cli("train", str(path), "-o", str(tmp_path / "v.txt"), *common) == 0
    assert run_cli("train", str(path), "-o", str(tmp_path / "v.bin"), "--binary", *common) == 0
    text_words, text_values, rows = read_text_vectors(tmp_path / "v.txt")
    bin_words, bin_values = read_binary_vectors(tmp_path / "v.bin")
    assert text_words == bin_words and text_words[0] == b"</s>" and len(text_words) == 31
    # word2vec.c's text rows: the word, then "%lf " per value (six decimals, trailing space)
    expected = b" ".join([bin_words[1]] + [b"%f" % v for v in bin_values[1]]) + b" "
    assert rows[1] == expected
    assert np.allclose(text_values, bin_values, atol=5e-7)


def test_output_and_sum_vectors(planted, tmp_path):
    path, _ = planted
    config = dict(corpus=[str(path)], **SMALL)
    result = train(TrainConfig(**config, output=str(tmp_path / "out.txt"),
                               output_vectors="output"))
    _, written, _ = read_text_vectors(tmp_path / "out.txt")
    assert np.allclose(written, result.output_vectors, atol=5e-7)
    assert np.allclose(result.vectors_to_write("sum"), result.input_vectors + result.output_vectors)


def test_gensim_reads_our_files(planted, tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    path, _ = planted
    for binary in (False, True):
        out = tmp_path / ("v.bin" if binary else "v.txt")
        result = train(TrainConfig(corpus=[str(path)], output=str(out), binary=binary, **SMALL))
        kv = gensim_models.KeyedVectors.load_word2vec_format(str(out), binary=binary)
        assert len(kv) == len(result.vocab)
        assert np.allclose(kv["g1w1"], result.input_vectors[result.vocab.words.index(b"g1w1")],
                           atol=1e-6)


def test_compressed_and_multiple_inputs(planted, tmp_path):
    path, _ = planted
    text = path.read_bytes()
    packed = tmp_path / "planted.txt.gz"
    packed.write_bytes(gzip.compress(text))
    half = text.index(b"\n", len(text) // 2) + 1
    (tmp_path / "part1.txt").write_bytes(text[:half])
    (tmp_path / "part2.txt").write_bytes(text[half:])
    plain = train(TrainConfig(corpus=[str(path)], **dict(SMALL, iter=1, threads=1)))
    gz = train(TrainConfig(corpus=[str(packed)], **dict(SMALL, iter=1, threads=1)))
    parts = train(TrainConfig(corpus=[str(tmp_path / "part1.txt"), str(tmp_path / "part2.txt")],
                              **dict(SMALL, iter=1, threads=1)))
    assert np.array_equal(plain.input_vectors, gz.input_vectors)
    assert plain.vocab.words == parts.vocab.words
    assert np.array_equal(plain.vocab.counts, parts.vocab.counts)
    assert np.array_equal(plain.input_vectors, parts.input_vectors)


def test_save_and_read_vocab(planted, tmp_path):
    path, _ = planted
    vocab_file = tmp_path / "vocab.txt"
    assert run_cli("-train", str(path), "-save-vocab", str(vocab_file), "-min-count", "1",
                   "-debug", "0") == 0
    lines = vocab_file.read_bytes().splitlines()
    assert lines[0] == b"</s> 1500" and len(lines) == 31
    counts = [int(line.split()[1]) for line in lines[1:]]
    assert counts == sorted(counts, reverse=True) and sum(counts) == 1500 * 12
    out = tmp_path / "v.txt"
    assert run_cli("-train", str(path), "-read-vocab", str(vocab_file), "-output", str(out),
                   "-min-count", "1", "-iter", "1", "-debug", "0", "-threads", "1") == 0
    assert out.read_bytes().startswith(b"31 100\n</s> ")


def test_classes_option_writes_word_classes(planted, tmp_path):
    path, groups = planted
    out = tmp_path / "classes.txt"
    assert run_cli("-train", str(path), "-output", str(out), "-classes", "5", "-min-count", "1",
                   "-size", "20", "-iter", "8", "-sample", "0", "-debug", "0") == 0
    lines = [line.split() for line in out.read_text().splitlines()]
    assert len(lines) == 31 and lines[0][0] == "</s>"
    assert all(0 <= int(c) < 5 for _, c in lines)


# --- errors: one line on stderr, non-zero exit, no file left behind --------------------------

def assert_clean_failure(capsys, args, message, *must_not_exist):
    code = run_cli(*args)
    err = capsys.readouterr().err
    assert code != 0
    assert err.startswith("w2v: error: ") and err.count("\n") == 1, err
    assert message in err
    for path in must_not_exist:
        assert not os.path.exists(path)


def test_missing_corpus(capsys, tmp_path):
    out = tmp_path / "v.txt"
    assert_clean_failure(capsys, ["train", str(tmp_path / "nope.txt"), "-o", str(out)],
                         "nope.txt", out)
    assert_clean_failure(capsys, ["-train", str(tmp_path / "nope.txt"), "-output", str(out)],
                         "nope.txt", out)


def test_empty_corpus(capsys, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    out = tmp_path / "v.txt"
    assert_clean_failure(capsys, ["train", str(empty), "-o", str(out)], "empty", out)


def test_no_word_reaches_min_count(capsys, tmp_path):
    corpus = tmp_path / "rare.txt"
    corpus.write_text("one two three\n")
    out = tmp_path / "v.txt"
    assert_clean_failure(capsys, ["train", str(corpus), "-o", str(out)], "min-count", out)


def test_unwritable_output(capsys, planted, tmp_path):
    path, _ = planted
    out = tmp_path / "no" / "such" / "dir" / "v.txt"
    assert_clean_failure(capsys, ["train", str(path), "-o", str(out)], "does not exist", out)


@pytest.mark.parametrize("args, message", [
    (["--size", "0"], "--size must be between 1 and"),
    (["--negative", "-1"], "--negative must be between 0 and"),
    (["--negative", "0"], "nothing to train"),
    (["--threads", "0"], "--threads must be between 1 and"),
])
def test_bad_option_values(capsys, planted, tmp_path, args, message):
    path, _ = planted
    out = tmp_path / "v.txt"
    assert_clean_failure(capsys, ["train", str(path), "-o", str(out), *args], message, out)


def test_unknown_word2vec_c_flag(capsys, planted, tmp_path):
    path, _ = planted
    out = tmp_path / "v.txt"
    assert_clean_failure(capsys, ["-train", str(path), "-output", str(out), "-bogus", "1"],
                         "unknown option -bogus", out)


def test_failure_keeps_the_previous_output(capsys, tmp_path):
    corrupt = tmp_path / "corrupt.txt.gz"
    corrupt.write_bytes(gzip.compress(b"a b c\n" * 1000)[:-30] + b"garbage" * 10)
    out = tmp_path / "v.txt"
    out.write_bytes(b"previous vectors")
    assert_clean_failure(capsys, ["train", str(corrupt), "-o", str(out), "--min-count", "1"],
                         "corrupt.txt.gz")
    assert out.read_bytes() == b"previous vectors"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_console_script_reports_errors_without_traceback(tmp_path):
    package_parent = os.path.dirname(os.path.dirname(w2v.__file__))  # installed or in place
    result = subprocess.run([sys.executable, "-m", "w2v", "train", str(tmp_path / "missing")],
                            capture_output=True, text=True, cwd=tmp_path,
                            env=dict(os.environ, PYTHONPATH=package_parent))
    assert result.returncode == 1
    assert result.stderr.startswith("w2v: error: ") and "Traceback" not in result.stderr


def test_sigterm_stops_cleanly_and_keeps_the_previous_output(tmp_path):
    """`timeout`, kill and batch schedulers send SIGTERM: unwind like Ctrl-C, exit 143."""
    sample = os.path.join(os.path.dirname(w2v.__file__), "data", "sample-enwiki.txt.gz")
    out = tmp_path / "v.bin"
    out.write_bytes(b"previous vectors")
    package_parent = os.path.dirname(os.path.dirname(w2v.__file__))
    # skip-gram, 1 thread, 50 passes over 1M words: minutes of work, stopped after the first
    # progress line (not a terminal, so plain lines on stderr)
    process = subprocess.Popen(
        [sys.executable, "-m", "w2v", "train", sample, "-o", str(out), "--binary",
         "--skip-gram", "--threads", "1", "--iter", "50"],
        stderr=subprocess.PIPE, text=True, cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=package_parent))
    try:
        lines = []
        for line in process.stderr:
            lines.append(line)
            if line.startswith("Progress"):
                break
        assert process.poll() is None, "".join(lines)
        process.send_signal(signal.SIGTERM)
        rest = process.stderr.read()
        assert process.wait(timeout=30) == 143
    finally:
        process.kill()
        process.wait()
    assert rest.strip().splitlines()[-1] == ("w2v: error: stopped by SIGTERM; "
                                             "no output was written")
    assert "Traceback" not in rest
    assert out.read_bytes() == b"previous vectors"
    assert [p.name for p in tmp_path.iterdir()] == ["v.bin"]
