"""What a hostile user tries against `w2v train` (and the commands that write files):
outputs naming inputs, odd targets, a corpus changing under training, signals and
leftovers, divergence, absurd numbers, pipes, and broken standard streams."""
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time

import click
import numpy as np
import pytest

import w2v
from w2v import _train, corpus as corpus_module, outputs
from w2v.cli import main

from conftest import planted_corpus

PACKAGE_PARENT = os.path.dirname(os.path.dirname(w2v.__file__))
SAMPLE = os.path.join(os.path.dirname(w2v.__file__), "data", "sample-enwiki.txt.gz")
FAST = ["--size", "10", "--window", "2", "--min-count", "1", "--iter", "2", "--threads", "1",
        "--quiet"]


def w2v_process(*args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "w2v", *map(str, args)],
                            env=dict(os.environ, PYTHONPATH=PACKAGE_PARENT), **kwargs)


def one_error_line(capsys, code, expected_code=None):
    err = capsys.readouterr().err
    assert code != 0, err
    if expected_code is not None:
        assert code == expected_code, err
    assert err.startswith("w2v: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "corpus.txt"
    planted_corpus(path, lines=400)
    return path


def snapshot(directory):
    def state(p):
        if p.is_symlink():
            return os.readlink(p)
        return p.read_bytes() if p.is_file() else "dir"
    return {p.name: state(p) for p in sorted(directory.iterdir())}


# ------------------------------------------------------------ outputs that name inputs

COLLISIONS = [
    ("-o corpus", lambda c, d: ["train", c, "-o", c]),
    ("--save-vocab corpus", lambda c, d: ["train", c, "-o", d / "v.txt", "--save-vocab", c]),
    ("vocab and vectors", lambda c, d: ["train", c, "-o", d / "x", "--save-vocab", d / "x"]),
    ("spelt differently", lambda c, d: ["train", c, "-o", d / "x", "--save-vocab",
                                        str(d / "sub" / ".." / "x")]),
    ("symlink to corpus", lambda c, d: ["train", c, "-o", d / "link.txt"]),
    ("hard link to corpus", lambda c, d: ["train", c, "-o", d / "hard.txt"]),
    ("through a linked dir", lambda c, d: ["train", c, "-o", d / "linkdir" / "corpus.txt"]),
    ("second corpus", lambda c, d: ["train", c, d / "other.txt", "-o", d / "other.txt"]),
    ("read-vocab", lambda c, d: ["train", c, "--read-vocab", d / "vocab.txt", "-o",
                                 d / "vocab.txt"]),
    ("model over corpus", lambda c, d: ["train", c, "-o", d / "v.txt", "--save-model", c]),
    ("checkpoint over vectors", lambda c, d: ["train", c, "-o", d / "v.txt", "--checkpoint",
                                              d / "v.txt"]),
    ("word2vec.c form", lambda c, d: ["-train", c, "-output", d / "v.txt", "-save-vocab",
                                      d / "v.txt"]),
    ("word2vec.c -output corpus", lambda c, d: ["-train", c, "-output", d / "link.txt"]),
    ("classes over vectors", lambda c, d: ["classes", d / "vectors.txt", "2", "-o",
                                           d / "vectors.txt"]),
    ("plot over vectors", lambda c, d: ["plot", d / "vectors.txt", "g0w0", "-o",
                                        d / "vectors.txt"]),
]


@pytest.mark.parametrize("name, make_args", COLLISIONS, ids=[c[0] for c in COLLISIONS])
def test_an_output_that_is_an_input_is_refused_before_any_work(tmp_path, corpus, capsys,
                                                               name, make_args):
    if name == "plot over vectors":
        pytest.importorskip("matplotlib")
    (tmp_path / "other.txt").write_text("other text\n")
    (tmp_path / "vocab.txt").write_text("</s> 0\ng0w0 10\ng0w1 10\n")
    (tmp_path / "vectors.txt").write_text("2 2\ng0w0 1 0\ng0w1 0 1\n")
    (tmp_path / "sub").mkdir()
    os.symlink(corpus, tmp_path / "link.txt")
    os.link(corpus, tmp_path / "hard.txt")
    os.symlink(tmp_path, tmp_path / "linkdir")
    before = snapshot(tmp_path)
    code = main([str(a) for a in make_args(str(corpus), tmp_path)])
    err = one_error_line(capsys, code, 2)
    assert "same file" in err
    assert snapshot(tmp_path) == before  # nothing written, nothing left behind


@pytest.mark.parametrize("args", [
    ["train", "-", "-o", "/dev/stdin", *FAST], ["train", "-", "-o", "/dev/fd/0", *FAST],
    ["train", "-", "-o", "{d}/v.txt", "--save-vocab", "/proc/self/fd/0", *FAST],
    ["convert", "-", "/dev/stdin"], ["classes", "-", "2", "-o", "/dev/stdin"]],
    ids=["train -o /dev/stdin", "/dev/fd/0", "--save-vocab", "convert", "classes"])
def test_an_output_through_standard_input_is_the_input(tmp_path, corpus, args):
    """`w2v train - -o /dev/stdin < corpus.txt` appended the vectors to corpus.txt: the
    corpus `-` was compared with the outputs as a file named "-" (phrases alone knew)."""
    source = corpus
    if args[0] != "train":
        source = tmp_path / "vectors.txt"
        assert main(["train", str(corpus), "-o", str(source), *FAST]) == 0
    before = source.read_bytes()
    with open(source, "rb") as stdin:
        process = w2v_process(*[a.format(d=tmp_path) for a in args], stdin=stdin,
                              stderr=subprocess.PIPE)
        err = process.communicate(timeout=60)[1].decode()
    assert process.returncode == 2, err
    assert "is the same file as the" in err and err.count("\n") == 1, err
    assert source.read_bytes() == before


def test_two_outputs_may_share_dev_null(corpus, capsys):
    if not os.access("/dev/null", os.W_OK):
        pytest.skip("no writable /dev/null")
    assert main(["train", str(corpus), "-o", "/dev/null", "--save-vocab", "/dev/null",
                 *FAST]) == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


# ------------------------------------------------------------------ non-regular targets

def test_character_devices_and_links_to_them_are_written_in_place(tmp_path, corpus):
    if not os.access("/dev/null", os.W_OK):
        pytest.skip("no writable /dev/null")
    os.symlink("/dev/null", tmp_path / "null-link")
    for target in ("/dev/null", str(tmp_path / "null-link")):
        assert main(["train", str(corpus), "-o", target, "--save-model", target, *FAST]) in (0, 2)
        assert main(["train", str(corpus), "-o", target, *FAST]) == 0
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert os.path.islink(tmp_path / "null-link")


def test_dev_stdout_appended_to_a_file_is_appended_to_not_replaced(tmp_path, corpus):
    """`-o /dev/stdout >> log.txt` writes through the shell's descriptor: the log keeps
    its lines (renaming a new file over it lost them, and `>` is truncated already)."""
    log = tmp_path / "log.txt"
    log.write_bytes(b"previous line\n")
    for command in (["train", corpus, "-o", "/dev/stdout", *FAST],
                    ["phrases", corpus, "/dev/fd/1", "--quiet"]):
        with open(log, "ab") as stdout:
            assert w2v_process(*command, stdout=stdout).wait(timeout=60) == 0
    lines = log.read_bytes().split(b"\n")
    assert lines[0] == b"previous line" and lines[1] == b"31 10", lines[:2]
    assert len(lines) == 1 + 32 + 400 + 1  # the line, the vectors, the phrases, b""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.txt", "log.txt"]
    with open(log, "ab") as stdout:  # the same file as the corpus: refused, untouched
        before = log.read_bytes()
        assert w2v_process("train", log, "-o", "/dev/stdout", *FAST,
                           stdout=stdout, stderr=subprocess.DEVNULL).wait(timeout=60) == 2
    assert log.read_bytes() == before


def test_a_fifo_receives_the_vectors(tmp_path, corpus):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(open(fifo, "rb").read()))
    reader.start()
    assert main(["train", str(corpus), "-o", str(fifo), *FAST]) == 0
    reader.join(timeout=30)
    assert received and received[0].startswith(b"31 10\n")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_symlink_to_a_file_keeps_the_link(tmp_path, corpus):
    (tmp_path / "real.txt").write_text("old")
    os.symlink("real.txt", tmp_path / "link.txt")
    assert main(["train", str(corpus), "-o", str(tmp_path / "link.txt"), *FAST]) == 0
    assert os.path.islink(tmp_path / "link.txt")
    assert (tmp_path / "real.txt").read_text().startswith("31 10\n")


@pytest.mark.parametrize("kind", ["directory", "socket", "empty", "missing dir"])
def test_unusable_targets_are_refused(tmp_path, corpus, capsys, kind):
    target = tmp_path / "target"
    if kind == "directory":
        target.mkdir()
    elif kind == "socket":
        server = socket.socket(socket.AF_UNIX)
        server.bind(str(target))
    elif kind == "empty":
        target = ""
    else:
        target = tmp_path / "nowhere" / "v.txt"
    one_error_line(capsys, main(["train", str(corpus), "-o", str(target), *FAST]))


@pytest.mark.parametrize("name", ["keep.txt/", "keep.txt/.", "new/", "keep.txt/../v.txt"])
@pytest.mark.parametrize("command", ["train", "convert", "classes", "phrases"])
def test_a_name_through_a_file_is_refused_not_stripped(tmp_path, corpus, capsys, name,
                                                       command):
    """`-o keep.txt/` (or keep.txt/.) is refused by the system (not a directory), but its
    real path was keep.txt, which was replaced; `-o new/` made a file called new."""
    keep = tmp_path / "keep.txt"
    keep.write_bytes(b"precious")
    vectors = tmp_path / "vectors.txt"
    assert main(["train", str(corpus), "-o", str(vectors), *FAST]) == 0
    target = f"{tmp_path}/{name}"
    args = {"train": ["train", str(corpus), "-o", target, *FAST],
            "convert": ["convert", str(vectors), target],
            "classes": ["classes", str(vectors), "2", "-o", target],
            "phrases": ["phrases", str(corpus), target]}[command]
    capsys.readouterr()
    err = one_error_line(capsys, main(args), 1)
    assert "is not a directory" in err or "does not exist" in err, err
    assert keep.read_bytes() == b"precious"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.txt", "keep.txt",
                                                          "vectors.txt"]


def test_a_long_name_fails_before_training_or_works(tmp_path, corpus, capsys):
    name_max = os.pathconf(tmp_path, "PC_NAME_MAX")
    fits = tmp_path / ("v" * (name_max - 1))
    assert main(["train", str(corpus), "-o", str(fits), *FAST]) == 0 and fits.exists()
    too_long = tmp_path / ("v" * (name_max + 1))
    err = one_error_line(capsys, main(["train", str(corpus), "-o", str(too_long), *FAST]))
    assert "name too long" in err.lower()


# ---------------------------------------------------------------- paired outputs / model

def test_pair_replacement_restores_the_first_file_when_the_second_fails(tmp_path, monkeypatch):
    first, second = tmp_path / "a.npy", tmp_path / "a.vocab"
    first.write_bytes(b"old matrix")
    second.write_bytes(b"old words")
    real_replace = os.replace

    def failing_replace(source, destination):
        if str(destination).endswith("a.vocab"):
            raise OSError(28, "No space left on device")
        return real_replace(source, destination)
    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(w2v.errors.UserError, match="No space left"):
        with outputs.atomic_outputs([first, second]) as (f1, f2):
            f1.write(b"new matrix")
            f2.write(b"new words")
    monkeypatch.undo()
    assert first.read_bytes() == b"old matrix" and second.read_bytes() == b"old words"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npy", "a.vocab"]


def test_a_failed_set_without_hard_links_never_removes_a_replaced_file(tmp_path,
                                                                      monkeypatch):
    """The undo of a set whose second rename fails puts each replaced file back from a
    hard link. Where there are none (vfat, some SMB mounts: os.link fails), it removed
    the new file: the target had neither its previous content nor the new one. Now the
    new file stays."""
    first, second, fresh = tmp_path / "a.npy", tmp_path / "a.vocab", tmp_path / "b.txt"
    first.write_bytes(b"old matrix")
    second.write_bytes(b"old words")
    real_replace = os.replace

    def no_links(source, destination):
        raise PermissionError(1, "Operation not permitted")

    def failing_replace(source, destination):
        if str(destination).endswith("a.vocab"):
            raise OSError(28, "No space left on device")
        return real_replace(source, destination)
    monkeypatch.setattr(os, "link", no_links)
    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(w2v.errors.UserError, match="No space left"):
        with outputs.replaced_together():
            for path, content in ((fresh, b"new"), (first, b"new matrix"),
                                  (second, b"new words")):
                with outputs.atomic_output(path) as out:
                    out.write(content)
    monkeypatch.undo()
    assert first.read_bytes() == b"new matrix" and second.read_bytes() == b"old words"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.npy", "a.vocab"]  # b.txt: new


# --------------------------------------------------------------------- corpus changes

@pytest.mark.parametrize("change", ["truncate", "replace", "rewrite", "append", "remove"])
def test_a_corpus_changed_during_training_stops_it_or_is_ignored(tmp_path, monkeypatch,
                                                                 capsys, change):
    corpus = tmp_path / "corpus.txt"
    planted_corpus(corpus, lines=2000)
    original = corpus.read_bytes()
    calls = {"n": 0}
    real_chunks = corpus_module.Corpus.chunks

    def chunks(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:  # after counting and the first pass
            time.sleep(0.01)  # a distinct modification time
            if change == "truncate":
                corpus.write_bytes(original[:len(original) // 2])
            elif change == "replace":
                (tmp_path / "new.txt").write_bytes(original)
                os.replace(tmp_path / "new.txt", corpus)
            elif change == "rewrite":
                corpus.write_bytes(original.replace(b"g0w1", b"g0w2"))
            elif change == "append":
                with open(corpus, "ab") as f:
                    f.write(b"g1w1 g1w2 brandnew\n" * 100)
            else:
                corpus.unlink()
        return real_chunks(self, *args, **kwargs)
    monkeypatch.setattr(corpus_module.Corpus, "chunks", chunks)
    out = tmp_path / "v.txt"
    code = main(["train", str(corpus), "-o", str(out), "--size", "10", "--min-count", "1",
                 "--iter", "3", "--threads", "1", "--debug", "1"])
    err = capsys.readouterr().err
    if change == "append":
        assert code == 0 and "grew since it was counted" in err and out.exists()
    else:
        assert code == 1 and not out.exists(), err
        assert err.strip().splitlines()[-1].startswith("w2v: error: ")
        assert "corpus" in err.strip().splitlines()[-1]


@pytest.mark.parametrize("threads", ["1", "3"])
def test_a_corpus_changed_while_only_counted_is_an_error(tmp_path, monkeypatch, capsys,
                                                        threads):
    """word2vec.c's form without -output only counts and saves the vocabulary: a file
    rewritten meanwhile gave a vocabulary of old and new text, with status 0."""
    corpus = tmp_path / "c.txt"
    corpus.write_bytes(b"a b c d e f g h\n" * 3000)
    original = corpus_module.Corpus.chunks

    def chunks(self, chunk_size=corpus_module.CHUNK_SIZE, start=None, stop=None):
        for k, chunk in enumerate(original(self, 4096, start, stop)):
            yield chunk
            if k == 1 and not any(start or ()):
                corpus.write_bytes(corpus.read_bytes().replace(b"a b", b"x y"))
    monkeypatch.setattr(corpus_module.Corpus, "chunks", chunks)
    vocab = tmp_path / "vocab.txt"
    err = one_error_line(capsys, main(["-train", str(corpus), "-save-vocab", str(vocab),
                                       "-threads", threads, "-debug", "0"]), 1)
    # write_bytes truncates before it writes: another region's reader may see either
    assert ("was modified" in err or "was truncated while being read" in err), err
    assert not vocab.exists()


def test_pass_word_counts_must_agree(tmp_path, monkeypatch, capsys):
    """Same size and time, other words (a file rewritten in place within the clock's
    resolution): the words read per pass tell."""
    corpus = tmp_path / "corpus.txt"
    planted_corpus(corpus, lines=500)
    from w2v import corpus as module
    real_check = module.FileState.change
    monkeypatch.setattr(module.FileState, "change", lambda self, shown=None: None)
    calls = {"n": 0}
    real_chunks = module.Corpus.chunks

    def chunks(self, *args, **kwargs):
        calls["n"] += 1
        for chunk in real_chunks(self, *args, **kwargs):
            if calls["n"] == 3:  # second pass: hide some words
                chunk = chunk._replace(data=chunk.data.replace(b"g0w1", b"zzzz"))
            yield chunk
    monkeypatch.setattr(module.Corpus, "chunks", chunks)
    code = main(["train", str(corpus), "-o", str(tmp_path / "v.txt"), *FAST[:-1], "--iter",
                 "3", "--quiet"])
    assert real_check
    err = one_error_line(capsys, code, 1)
    assert "changed during training: pass 2 read" in err


# ------------------------------------------------------------- signals and leftovers

@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGQUIT, signal.SIGUSR1,
                                    signal.SIGALRM, signal.SIGTERM, signal.SIGINT])
def test_terminating_signals_leave_nothing_behind(tmp_path, signum):
    out = tmp_path / "v.bin"
    out.write_bytes(b"previous")
    process = w2v_process("train", SAMPLE, "-o", out, "--iter", "50", "--threads", "1",
                          "--save-vocab", tmp_path / "vocab.txt", "--save-model",
                          tmp_path / "m.model", stderr=subprocess.PIPE)
    time.sleep(1.5)
    process.send_signal(signum)
    err = process.communicate(timeout=60)[1].decode()
    assert process.returncode == 128 + signum, err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("w2v: error: ")
    assert out.read_bytes() == b"previous"
    assert all(not p.name.startswith(".") for p in tmp_path.iterdir())


def test_ignored_hangup_is_still_ignored(tmp_path, corpus):
    """nohup: a signal ignored at start stays ignored."""
    process = subprocess.Popen(
        [sys.executable, "-c", "import signal, sys; signal.signal(signal.SIGHUP, "
         "signal.SIG_IGN); from w2v.cli import main; sys.exit(main(sys.argv[1:]))",
         "train", SAMPLE, "-o", str(tmp_path / "v.txt"), "--iter", "1", "--size", "10",
         "--quiet"], env=dict(os.environ, PYTHONPATH=PACKAGE_PARENT))
    time.sleep(1.0)
    process.send_signal(signal.SIGHUP)
    assert process.wait(timeout=120) == 0
    assert (tmp_path / "v.txt").exists()


def test_stale_temporary_files_of_killed_runs_are_swept(tmp_path, corpus):
    out = tmp_path / "v.txt"
    # what a SIGKILLed run leaves: unlocked temporaries named after the output
    prefix = outputs._temp_prefix(os.path.realpath(out))
    stale = [f"{prefix}4242-deadbeef0001.tmp", f"{prefix}spool-4242-deadbeef0002.tmp"]
    for path in stale:
        with open(path, "wb") as f:
            f.write(b"x" * 1000)
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    fresh = f"{prefix}4243-deadbeef0003.tmp"  # may be a run starting right now: kept
    open(fresh, "wb").close()
    unrelated = tmp_path / ".other.w2v-1-abc.tmp"
    unrelated.write_bytes(b"someone else's")
    os.utime(unrelated, (0, 0))
    assert main(["train", str(corpus), "-o", str(out), *FAST]) == 0
    assert not any(os.path.exists(p) for p in stale)
    assert os.path.exists(fresh) and unrelated.exists()


@pytest.mark.parametrize("error", ["ENOLCK", "EOPNOTSUPP", "ENOSYS"])
def test_outputs_on_a_file_system_without_locks(tmp_path, corpus, capsys, monkeypatch,
                                                error):
    """flock fails on NFS mounted without its lock daemon (ENOLCK) and on some FUSE or
    SMB mounts: every output (and the check before training) raised that OSError, a
    traceback. The temporary files go unlocked there; the sweep, which cannot lock them
    either, leaves them. Some also have no fsync, or no modes (chmod: EPERM on vfat):
    every output failed after training."""
    import errno
    import fcntl

    def flock(fd, *args):
        raise OSError(getattr(errno, error), os.strerror(getattr(errno, error)))
    monkeypatch.setattr(fcntl, "flock", flock)
    monkeypatch.setattr(os, "fsync", flock)  # nor fsync (EINVAL, ENOSYS on some mounts)

    def chmod(path, mode):  # vfat and some SMB mounts refuse modes
        raise PermissionError(errno.EPERM, "Operation not permitted")
    monkeypatch.setattr(os, "chmod", chmod)
    out, model = tmp_path / "v.txt", tmp_path / "m.model"
    assert main(["train", str(corpus), "-o", str(out), "--save-model", str(model),
                 *FAST]) == 0
    assert main(["convert", str(out), str(tmp_path / "v.npy")]) == 0
    stale = f"{outputs._temp_prefix(os.path.realpath(out))}4242-deadbeef0001.tmp"
    open(stale, "wb").close()
    os.utime(stale, (0, 0))
    assert outputs.remove_stale_temporaries(os.path.realpath(out)) == []
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        "corpus.txt", "m.model", "v.npy", "v.txt", "v.vocab"]


def test_a_temporary_file_held_by_a_live_process_is_not_swept(tmp_path):
    out = tmp_path / "v.txt"
    with outputs.temporary_file(out) as (fd, path):
        os.utime(path, (0, 0))
        assert outputs.remove_stale_temporaries(os.path.realpath(out)) == []
        assert os.path.exists(path)
    assert not os.path.exists(path)


# ------------------------------------------------------------------------- divergence

@pytest.mark.parametrize("args", [["--alpha", "2"], ["--alpha", "1", "--skip-gram"],
                                  ["--alpha", "8", "--hs", "--negative", "0"],
                                  ["--negative", "300", "--alpha", "5"],
                                  ["--softmax", "--alpha", "9"]])
def test_divergence_is_one_line_never_a_crash(tmp_path, capsys, args):
    corpus = tmp_path / "c.txt"
    planted_corpus(corpus, lines=800)
    out = tmp_path / "v.txt"
    code = main(["train", str(corpus), "-o", str(out), "--size", "30", "--min-count", "1",
                 "--iter", "3", "--threads", "2", "--quiet", *args])
    err = capsys.readouterr().err
    if code:
        assert code == 1 and "diverged" in err and err.count("\n") == 1, err
        assert not out.exists()
    else:  # did not diverge: then every value written is finite
        assert np.isfinite(w2v.load(str(out)).vectors).all()


@pytest.mark.parametrize("loss", ["ns", "hs", "softmax"])
@pytest.mark.parametrize("cbow", [True, False])
@pytest.mark.parametrize("poison", [np.nan, np.inf, -np.inf, 1e30])
def test_kernels_never_index_out_of_bounds_whatever_the_floats(loss, cbow, poison):
    V, D = 7, 8
    vectors = np.full((V, D), poison, np.float32)
    vectors[::2] = 0.1
    codes = np.zeros((V, _train.MAX_CODE_LENGTH), np.uint8)
    points = np.zeros((V, _train.MAX_CODE_LENGTH), np.int32)
    lengths = np.full(V, 2, np.int32)
    codes[:, 1] = 1
    points[:, 1] = 1
    shared = _train.SharedModel(
        input_vectors=vectors, hs_vectors=np.full((V, D), poison, np.float32),
        ns_vectors=np.full((V, D), poison, np.float32),
        softmax_vectors=np.full((V, D), poison, np.float32), codes=codes, points=points,
        code_lengths=lengths, noise_weights=np.ones(V), keep_thresholds=None, window=3,
        negative=3 if loss == "ns" else 0, hs=loss == "hs", softmax=loss == "softmax",
        cbow=cbow, cbow_mean=True, alpha=0.025, min_alpha=None, total_words=10 ** 6)
    state = _train.ThreadState(shared, 1)
    state.train(np.array([1, 2, 3, 4, 5, 6, 0] * 20, np.int32))  # must simply return
    loss_value, examples = state.take_loss()
    assert examples > 0


@pytest.mark.parametrize("count", ["99999999999999999999", "4611686018427387905",
                                   "123456789012345678901234567890"])
def test_absurd_vocabulary_counts(tmp_path, corpus, capsys, count):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text(f"</s> 0\ng0w0 {count}\ng0w1 5\n")
    err = one_error_line(capsys, main(["train", str(corpus), "--read-vocab", str(vocab), "-o",
                                       str(tmp_path / "v.txt"), *FAST]), 1)
    assert "larger than" in err


def test_huge_but_valid_counts_train(tmp_path, corpus):
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("</s> 0\ng0w0 1000000000000000000\ng0w1 3\ng1w0 2\n")
    code = main(["train", str(corpus), "--read-vocab", str(vocab), "-o",
                 str(tmp_path / "v.txt"), "--hs", *FAST])
    assert code in (0, 1)  # finishes (or diverges with a message): no crash, no hang


@pytest.mark.parametrize("threads", ["1", "2"])
def test_a_vocabulary_that_lists_no_word_of_the_corpus_is_an_error(tmp_path, corpus, capsys,
                                                                  threads):
    """Every word unknown: nothing would be trained, and untrained vectors written."""
    vocab = tmp_path / "vocab.txt"
    vocab.write_text("</s> 400\nnowhere 9\nelse 7\n")
    out = tmp_path / "v.txt"
    args = ["train", str(corpus), "--read-vocab", str(vocab), "-o", str(out), *FAST]
    err = one_error_line(capsys, main(args[:-3] + ["--threads", threads, "--quiet"]), 1)
    assert "read no word of the vocabulary" in err and str(vocab) in err
    assert not out.exists()


@pytest.mark.parametrize("text", ["a\nb\nc\na\nb\n" * 50, "a\n" * 100])
def test_a_corpus_with_nothing_to_predict_is_an_error(tmp_path, capsys, text):
    """One word per line: every pass makes no prediction, the vectors stay as they
    started; exit 0 with them was silently useless."""
    corpus = tmp_path / "single.txt"
    corpus.write_text(text)
    out = tmp_path / "v.txt"
    err = one_error_line(capsys, main(["train", str(corpus), "-o", str(out), *FAST]), 1)
    assert "training made no prediction in 2 passes" in err
    assert not out.exists()


def test_a_sentence_cut_between_threads_is_named(tmp_path, capsys):
    """"a b" on 8 threads: one region per thread cuts the only sentence apart, nothing
    is predicted, and the error said no sentence had two words, which was untrue. It now
    names the regions and --threads 1 (which trains it)."""
    corpus = tmp_path / "tiny.txt"
    corpus.write_text("a b\n")
    args = ["train", str(corpus), "-o", str(tmp_path / "v.txt"), "--sample", "0",
            *FAST[:-3]]
    err = one_error_line(capsys, main(args + ["--threads", "8", "--quiet"]), 1)
    assert "regions (one per thread) cut its sentences apart: try --threads 1" in err
    assert main(args + ["--threads", "1", "--quiet"]) == 0


# ----------------------------------------------------------------------- magnitudes

BAD_VALUES = [
    ["--size", "0"], ["--size", "1000000000"], ["--size", "99999999999999999999999"],
    ["--window", "2000000000"], ["--window", "-1"], ["--iter", "0"],
    ["--iter", "10000000000000"], ["--threads", "100000"], ["--threads", "0"],
    ["--negative", "1000000000"], ["--negative", "-1"], ["--seed", "-1"],
    ["--seed", str(2 ** 64)], ["--sample", "nan"], ["--sample", "2"], ["--sample", "-inf"],
    ["--alpha", "inf"], ["--alpha", "1e30"], ["--alpha", "0"], ["--alpha", "nan"],
    ["--min-alpha", "nan"], ["--min-alpha", "1"], ["--min-count", "-5"],
    ["--max-vocab", "1"], ["--max-vocab", "0"], ["--ns-exponent", "1e6"],
    ["--ns-exponent", "nan"], ["--debug", "-1"], ["--classes", "-3"],
    ["--classes", "1000000000", "--quiet"], ["--checkpoint-every", "0", "--checkpoint", "c"],
    ["--checkpoint-every", "-5m", "--checkpoint", "c"], ["--checkpoint-every", "1h"],
]


@pytest.mark.parametrize("args", BAD_VALUES, ids=lambda a: " ".join(a))
def test_absurd_option_values_are_usage_errors(tmp_path, corpus, capsys, args):
    one_error_line(capsys, main(["train", str(corpus), "-o", str(tmp_path / "v.txt"),
                                 *args]), 2)
    assert not (tmp_path / "v.txt").exists()


@pytest.mark.parametrize("args", [["-size", "99999999999999999999"], ["-window", "0"],
                                  ["-iter", "-3"], ["-alpha", "nan"], ["-threads", "5000"],
                                  ["-classes", "9999999"]])
def test_absurd_values_in_the_word2vec_c_form(tmp_path, corpus, capsys, args):
    one_error_line(capsys, main(["-train", str(corpus), "-output", str(tmp_path / "v.txt"),
                                 "-min-count", "1", "-debug", "0", *args]), 2)


@pytest.mark.parametrize("args", [["-size", "1_0"], ["-size", "\u0665"], ["-iter", "\uff11"],
                                  ["-alpha", "1_0"], ["-sample", "1e-3_0"], ["-cbow", "0_1"]])
def test_numbers_c_would_read_otherwise_are_refused_in_the_word2vec_c_form(tmp_path, corpus,
                                                                         capsys, args):
    """Python's int() and float() read "1_0" as 10 (word2vec.c's atoi: 1) and other
    scripts' digits ("\u0665" is 5, atoi: 0): a drop-in Makefile line trained with
    another value than word2vec.c would. Only what atoi and atof read whole is taken."""
    err = one_error_line(capsys, main(["-train", str(corpus), "-output",
                                       str(tmp_path / "v.txt"), "-min-count", "1",
                                       "-debug", "0", *args]), 2)
    assert f"{args[0]} needs a" in err, err
    assert main(["-train", str(corpus), "-output", str(tmp_path / "v.txt"), "-min-count",
                 "1", "-debug", "0", "-size", " +8", "-alpha", "5e-2", "-sample", ".001",
                 "-iter", "1"]) == 0


def _every_parameter(command, path=("w2v",)):
    yield from ((path, p) for p in command.params)
    for name, sub in getattr(command, "commands", {}).items():
        yield from _every_parameter(sub, path + (name,))


def test_no_option_of_any_command_reads_numbers_with_pythons_int_or_float():
    """click's INT and FLOAT are Python's int() and float(): "1_0" is 10. Every number
    option and argument of every command must use w2v.cli_numbers' types instead."""
    from w2v.cli import _register_companion_commands, cli
    from w2v.cli_numbers import _CNumber
    _register_companion_commands()
    numbers = [(" ".join(path), p.name, p.type) for path, p in _every_parameter(cli)
               if isinstance(p.type, click.types._NumberParamTypeBase)]
    assert len(numbers) > 20  # train's and the companion commands' numbers were all found
    assert [(path, name) for path, name, kind in numbers if not isinstance(kind, _CNumber)] == []


@pytest.mark.parametrize("argv, bad", [
    (["train", "{corpus}", "--size"], "1_6"), (["train", "{corpus}", "--window"], "\u0663"),
    (["train", "{corpus}", "--sample"], "1e-3_0"), (["train", "{corpus}", "--alpha"], "0.0_5"),
    (["train", "{corpus}", "--threads"], "0x1"), (["train", "{corpus}", "--seed"], "\uff17"),
    (["train", "{corpus}", "--min-alpha"], "1__0"),
    (["train", "{corpus}", "--batch-positions"], "2_"),
    (["similar", "{vectors}", "the", "-n"], "1_0"),
    (["eval", "analogies", "{vectors}", "--limit"], "\u0661"),
    (["phrases", "{corpus}", "{out}", "--threshold"], "1_00"),
    (["classes", "{vectors}", "-o", "{out}"], "2_0"),
])
def test_numbers_c_would_read_otherwise_are_refused_in_every_command(tmp_path, corpus, capsys,
                                                                    argv, bad):
    """The same numbers in our own options: one error line naming the value, nothing
    written."""
    vectors = tmp_path / "v.txt"
    vectors.write_text("2 2\nthe 1 0\nof 0 1\n")
    out = tmp_path / "out.txt"
    argv = [a.format(corpus=corpus, vectors=vectors, out=out) for a in argv] + [bad]
    if argv[0] == "train":
        argv += ["-o", str(out), "--min-count", "1", "--debug", "0", "--iter", "1"]
    err = one_error_line(capsys, main(argv), 2)
    assert f"{bad!r} is not a valid" in err, err
    assert not out.exists()
    assert main(["train", str(corpus), "-o", str(out), "--min-count", "1", "--debug", "0",
                 "--size", " +8", "--alpha", "5e-2", "--sample", ".001", "--iter", "1"]) == 0


def test_many_passes_do_not_grow_memory(tmp_path):
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c d e f g\n" * 50)
    process = w2v_process("train", corpus, "-o", tmp_path / "v.txt", "--iter", "100000000",
                          "--min-count", "1", "--size", "5", "--threads", "1", "--debug", "0")
    try:
        samples = []
        for _ in range(6):
            time.sleep(0.5)
            with open(f"/proc/{process.pid}/status") as f:
                samples.append(next(int(line.split()[1]) for line in f
                                    if line.startswith("VmRSS")))
    finally:
        process.kill()
        process.wait()
    assert samples[-1] - samples[1] < 2000, samples  # KB: flat, not growing per pass


def test_a_huge_window_costs_no_more_than_the_sentence(tmp_path, corpus):
    started = time.time()
    assert main(["train", str(corpus), "-o", str(tmp_path / "v.txt"), "--window", "1000000",
                 *FAST]) == 0
    assert time.time() - started < 20


# ------------------------------------------------------------------ non-seekable input

def test_training_from_a_fifo_or_stdin_equals_training_from_the_file(tmp_path, corpus):
    reference = tmp_path / "ref.txt"
    assert main(["train", str(corpus), "-o", str(reference), *FAST]) == 0
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: open(fifo, "wb").write(corpus.read_bytes()))
    writer.start()
    assert main(["train", str(fifo), "-o", str(tmp_path / "f.txt"), *FAST]) == 0
    writer.join()
    assert (tmp_path / "f.txt").read_bytes() == reference.read_bytes()
    with open(corpus, "rb") as stdin:
        process = w2v_process("train", "-", "-o", tmp_path / "s.txt", *FAST, stdin=stdin)
        assert process.wait(timeout=60) == 0
    assert (tmp_path / "s.txt").read_bytes() == reference.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == \
        ["corpus.txt", "f.txt", "fifo", "ref.txt", "s.txt"]


def test_a_pipe_is_not_copied_into_dev_beside_an_output_written_in_place(
        tmp_path, corpus, monkeypatch, output="/dev/null"):
    """The copy of a pipe goes beside the first output that is a file, else in the
    temporary directory: never /dev (memory, and not writable by a user)."""
    from w2v import inputs
    used = []
    original = inputs.temporary_file

    def temporary_file(beside, purpose="scratch"):
        used.append(os.path.realpath(beside))
        return original(beside, purpose)
    monkeypatch.setattr(inputs, "temporary_file", temporary_file)
    monkeypatch.setattr(sys, "stdin", open(corpus, "rb"))  # not a regular file: a pipe
    read, write = os.pipe()
    os.write(write, corpus.read_bytes())
    os.close(write)
    monkeypatch.setattr(sys.stdin, "fileno", lambda: read)
    try:
        assert main(["train", "-", "-o", output, *FAST]) == 0
    finally:
        os.close(read)
    assert used and not any(p.startswith("/dev/") for p in used), used
    del used[:]
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: open(fifo, "wb").write(corpus.read_bytes()))
    writer.start()
    assert main(["train", str(fifo), "-o", output, "--save-model", str(tmp_path / "m"),
                 *FAST]) == 0
    writer.join()
    assert used == [str(tmp_path / "m")]


def test_a_stream_named_twice_as_corpus_is_refused_not_waited_for(tmp_path, corpus):
    """`fifo fifo` waited forever for a second writer; `- -` trained on the text once."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    for args in ([fifo, fifo], ["-", "/dev/stdin"], ["-", "-"]):
        process = w2v_process("train", *args, "-o", tmp_path / "v.txt", *FAST,
                              stdin=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            err = process.communicate(corpus.read_bytes(), timeout=60)[1].decode()
        finally:
            process.kill()  # (it waited for ever, for a second writer of the FIFO)
            process.wait()
        assert process.returncode == 2 and "can be read only once" in err, err
        assert err.count("\n") == 1
    assert main(["train", str(corpus), str(corpus), "-o", str(tmp_path / "v.txt"),
                 *FAST]) == 0  # a file may be read twice
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.txt", "fifo", "v.txt"]


def test_a_proc_file_is_read_as_a_stream(tmp_path, capsys):
    """/proc files tell a size of 0 and make their text when read: counted as an empty
    corpus before. They are copied once, like a pipe."""
    if not os.path.exists("/proc/cpuinfo") or os.stat("/proc/cpuinfo").st_size != 0:
        pytest.skip("no /proc")
    assert main(["train", "/proc/cpuinfo", "-o", str(tmp_path / "v.txt"), *FAST]) == 0
    assert int((tmp_path / "v.txt").read_text().split()[0]) > 2
    one_error_line(capsys, main(["train", "/proc/cpuinfo", "-o", str(tmp_path / "w.txt"),
                                 "--checkpoint", str(tmp_path / "c"), *FAST]), 2)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert "is empty" in one_error_line(capsys, main(["train", str(empty), "-o",
                                                      str(tmp_path / "w.txt"), *FAST]), 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.txt", "v.txt"]


def test_checkpoints_need_a_corpus_that_can_be_read_again(tmp_path, capsys):
    err = one_error_line(capsys, main(["train", "-", "-o", str(tmp_path / "v.txt"),
                                       "--checkpoint", str(tmp_path / "ck")]), 2)
    assert "read again" in err


# --------------------------------------------------------- broken standard streams

def test_training_finishes_with_stderr_closed(tmp_path, corpus):
    process = w2v_process("train", corpus, "-o", tmp_path / "v.txt", "--size", "10",
                          "--min-count", "1", preexec_fn=lambda: os.close(2))
    assert process.wait(timeout=60) == 0
    assert (tmp_path / "v.txt").read_bytes().startswith(b"31 100\n") or \
        (tmp_path / "v.txt").exists()


def test_training_finishes_when_the_stderr_reader_leaves(tmp_path):
    process = w2v_process("train", SAMPLE, "-o", tmp_path / "v.txt", "--iter", "2",
                          "--size", "20", "--threads", "1", stderr=subprocess.PIPE)
    process.stderr.readline()
    process.stderr.close()  # like `2>&1 | head -1`
    assert process.wait(timeout=120) == 0
    assert w2v.load(str(tmp_path / "v.txt")).dim == 20


@pytest.mark.parametrize("command", [
    ["convert", "{v}", "{d}/out.bin"], ["classes", "{v}", "3", "-o", "{d}/out.txt"],
    ["phrases", "{v}", "{d}/out.txt"], ["train", "{v}", "-o", "{d}/out.txt", *FAST]])
@pytest.mark.parametrize("stderr", ["full", "reader gone"])
def test_commands_that_write_files_succeed_whatever_stderr(tmp_path, vectors_file, command,
                                                           stderr):
    """convert's summary line went through click.echo: on a full stderr (2>/dev/full) or
    one whose reader left (`2>&1 | head -0`) it failed with status 1 after the file was
    written."""
    args = [c.format(v=vectors_file, d=tmp_path) for c in command]
    if stderr == "full":
        if not os.path.exists("/dev/full"):
            pytest.skip("no /dev/full")
        with open("/dev/full", "w") as full:
            process = w2v_process(*args, stderr=full)
    else:
        read, write = os.pipe()
        os.close(read)
        process = w2v_process(*args, stderr=write)
        os.close(write)
    assert process.wait(timeout=60) == 0
    written = [a for a in args if a.startswith(str(tmp_path / "out."))]
    assert [str(p) for p in tmp_path.iterdir() if p.name.startswith("out.")] == written


def test_names_with_line_breaks_or_escapes_stay_one_error_line(tmp_path, vectors_file,
                                                                capsys):
    """A file or word holding a newline printed its error on two lines (a log parser
    reading one line per failure misread it), and a terminal escape was sent as it is."""
    for args in (["similar", str(tmp_path / "a\nb"), "g0w0"],
                 ["train", str(tmp_path / "x\ry"), "-o", str(tmp_path / "v.txt")],
                 ["similar", str(vectors_file), "g0w0\n\x1b[2J"],
                 ["classes", str(vectors_file), "2", "-o", str(tmp_path / "no\u2028dir" / "c")]):
        err = one_error_line(capsys, main(args))
        assert "\x1b" not in err and "\r" not in err and "\u2028" not in err, err
    assert "a\\nb: no such file" in one_error_line(capsys, main(
        ["similar", str(tmp_path / "a\nb"), "g0w0"]))
    process = w2v_process("similar", vectors_file, stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    err = process.communicate(b"g0w0\x1b[2J\n", timeout=60)[1].decode()
    assert process.returncode == 0
    assert err == "w2v: not in the vocabulary: g0w0\\x1b[2J\n", err


@pytest.fixture
def vectors_file(tmp_path, corpus):
    path = tmp_path / "vectors.txt"
    assert main(["train", str(corpus), "-o", str(path), *FAST]) == 0
    return path


@pytest.mark.parametrize("command", [["similar", "{v}", "g0w0"], ["classes", "{v}", "3"],
                                     ["eval", "analogies", "{v}"],
                                     ["analogy", "{v}", "g0w0", "g0w1", "g1w0"],
                                     # click writes help itself: that was a traceback
                                     ["--help"], ["train", "--help"],
                                     ["eval", "similarity", "--help"]])
def test_stdout_on_a_full_disk_is_one_line(vectors_file, command):
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    with open("/dev/full", "w") as full:
        process = w2v_process(*[c.format(v=vectors_file) for c in command], stdout=full,
                              stderr=subprocess.PIPE)
        err = process.communicate(timeout=60)[1].decode()
    if command[0] == "eval":
        assert process.returncode in (1,), err
    else:
        assert process.returncode == 1, err
    assert err.startswith("w2v: error: ") and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize("target", ["-o", "--save-vocab", "--save-model"])
def test_training_outputs_on_a_full_device_are_one_line(tmp_path, corpus, capsys, target):
    """Closing a file whose write failed writes its buffer again: that second failure
    must not replace the first one's message by a traceback."""
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    args = ["train", str(corpus), "--size", "300", *FAST[2:]]
    args += ["-o", str(tmp_path / "v.txt")] if target != "-o" else []
    one_error_line(capsys, main(args + [target, "/dev/full"]), 1)


def test_a_model_larger_than_the_file_size_limit_leaves_the_old_one(tmp_path, corpus):
    model = tmp_path / "m.model"
    model.write_bytes(b"old")
    process = subprocess.run(
        [sys.executable, "-c", "import resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE,"
         " (10000, 10000)); from w2v.cli import main; sys.exit(main(sys.argv[1:]))",
         "train", str(corpus), "-o", "/dev/null", "--save-model", str(model), "--size", "300",
         *FAST[2:]], env=dict(os.environ, PYTHONPATH=PACKAGE_PARENT), capture_output=True,
        text=True, timeout=120)
    assert process.returncode == 1, process.stderr
    assert process.stderr == f"w2v: error: cannot write {model}: File too large\n"
    assert model.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus.txt", "m.model"]


@pytest.mark.parametrize("failing", ["--save-model", "--save-vocab", "-o"])
def test_a_failing_output_replaces_none_of_the_run_s_files(tmp_path, corpus, capsys, failing):
    """The outputs of a run are one set: a later one failing (a full disk) must not leave
    new vectors beside the old model, or a new vocabulary beside old vectors."""
    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full")
    files = {"-o": tmp_path / "v.txt", "--save-vocab": tmp_path / "vocab.txt",
             "--save-model": tmp_path / "m.model"}
    args = ["train", str(corpus), *FAST]
    for option, path in files.items():
        path.write_bytes(b"old " + option.encode())
        args += [option, "/dev/full" if option == failing else str(path)]
    one_error_line(capsys, main(args), 1)
    for option, path in files.items():
        assert path.read_bytes() == b"old " + option.encode(), option
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "corpus.txt", "m.model", "v.txt", "vocab.txt"]


def test_a_model_too_large_for_the_disk_leaves_the_old_vectors(tmp_path, corpus):
    """The same with regular files: the model (written last, 72 KB) exceeds the file size
    limit, which the binary vectors (36 KB) and the vocabulary do not."""
    out, vocab, model = tmp_path / "v.txt", tmp_path / "vocab.txt", tmp_path / "m.model"
    for path in (out, vocab, model):
        path.write_bytes(b"old")
    process = subprocess.run(
        [sys.executable, "-c", "import resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE,"
         " (60000, 60000)); from w2v.cli import main; sys.exit(main(sys.argv[1:]))",
         "train", str(corpus), "-o", str(out), "--save-vocab", str(vocab), "--save-model",
         str(model), "--binary", "--size", "300", *FAST[2:]],
        env=dict(os.environ, PYTHONPATH=PACKAGE_PARENT),
        capture_output=True, text=True, timeout=120)
    assert process.returncode == 1, process.stderr
    assert process.stderr == f"w2v: error: cannot write {model}: File too large\n"
    assert out.read_bytes() == vocab.read_bytes() == model.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "corpus.txt", "m.model", "v.txt", "vocab.txt"]


@pytest.mark.parametrize("closed", [0, 1])
def test_closed_stdin_or_stdout_for_queries(vectors_file, closed):
    process = w2v_process("similar", vectors_file, stdout=subprocess.PIPE if closed != 1 else None,
                          stderr=subprocess.PIPE, preexec_fn=lambda: os.close(closed))
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0 and b"Traceback" not in err


def test_the_reader_of_stdout_leaving_is_a_clean_end(vectors_file):
    process = w2v_process("similar", vectors_file, "g0w0", "--top", "30",
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.read(5)
    process.stdout.close()
    err = process.stderr.read()
    assert process.wait(timeout=30) == 0 and err == b""


def test_matrices_larger_than_the_memory_limit_are_one_line(tmp_path, corpus):
    process = subprocess.run(
        [sys.executable, "-c", "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, "
         "(1 << 30, 1 << 30)); from w2v.cli import main; sys.exit(main(sys.argv[1:]))",
         "train", SAMPLE, "-o", str(tmp_path / "v.txt"), "--size", "50000", "--debug", "1"],
        env=dict(os.environ, PYTHONPATH=PACKAGE_PARENT), capture_output=True, text=True,
        timeout=120)
    assert process.returncode == 1, process.stderr
    assert "Memory for the matrices: 2 x " in process.stderr
    last = process.stderr.strip().splitlines()[-1]
    assert last.startswith("w2v: error: the 2 matrices of ") and "lower --size" in last


def test_threads_scratch_larger_than_the_memory_limit_is_named(tmp_path, corpus):
    """Each thread of --batch holds up to 1000 x --size floats (and, with --hs, a copy of
    the tree's top rows): small matrices, 4 threads over the limit were a bare 'out of
    memory'."""
    process = subprocess.run(
        [sys.executable, "-c", "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, "
         "(1500 << 20, 1500 << 20)); from w2v.cli import main; sys.exit(main(sys.argv[1:]))",
         "train", str(corpus), "-o", str(tmp_path / "v.txt"), "--skip-gram", "--batch",
         "--window", "1000", "--size", "100000", "--threads", "4", "--min-count", "1",
         "--quiet"], env=dict(os.environ, PYTHONPATH=PACKAGE_PARENT), capture_output=True,
        text=True, timeout=120)
    assert process.returncode == 1, process.stderr
    assert process.stderr.startswith("w2v: error: the matrices (") and \
        "scratch space of 4 training threads" in process.stderr and \
        "lower --threads (now 4)" in process.stderr and process.stderr.count("\n") == 1
    assert not (tmp_path / "v.txt").exists()


def test_binary_with_classes_is_not_silently_ignored(tmp_path, corpus, capsys):
    assert main(["train", str(corpus), "-o", str(tmp_path / "c.txt"), "--classes", "3",
                 "--binary", *FAST[:-1], "--debug", "1"]) == 0
    assert "--binary has no effect with --classes" in capsys.readouterr().err


def test_a_compressed_corpus_through_a_fifo_is_decompressed(tmp_path, corpus):
    import gzip
    reference = tmp_path / "ref.txt"
    assert main(["train", str(corpus), "-o", str(reference), *FAST]) == 0
    fifo = tmp_path / "corpus.txt.gz"
    os.mkfifo(fifo)
    data = gzip.compress(corpus.read_bytes())
    writer = threading.Thread(target=lambda: open(fifo, "wb").write(data))
    writer.start()
    assert main(["train", str(fifo), "-o", str(tmp_path / "f.txt"), *FAST]) == 0
    writer.join()
    assert (tmp_path / "f.txt").read_bytes() == reference.read_bytes()


@pytest.mark.parametrize("args", [["classes", "{v}", "3", "--iterations", "99999999999"],
                                  ["plot", "{v}", "g0w0", "--neighbours", "99999999999"],
                                  ["classes", "{v}", "99999999999999999999"],
                                  ["similar", "{v}", "g0w0", "--top", "0"]])
def test_absurd_numbers_for_the_companion_commands(vectors_file, capsys, args):
    code = main([a.format(v=vectors_file) for a in args])
    one_error_line(capsys, code, 2)


def test_zip_output_names_get_zip_archives_that_every_command_reads(tmp_path, corpus):
    """Readers take a .zip for an archive; outputs named .zip were written as plain text,
    which no command could read back ('not a valid zip archive')."""
    import zipfile
    plain, packed = tmp_path / "v.txt", tmp_path / "v.zip"
    assert main(["train", str(corpus), "-o", str(plain), *FAST]) == 0
    assert main(["train", str(corpus), "-o", str(packed), "--save-vocab",
                 str(tmp_path / "vocab.zip"), *FAST]) == 0
    with zipfile.ZipFile(packed) as archive:
        assert archive.namelist() == ["v"] and archive.read("v") == plain.read_bytes()
    assert w2v.load(str(packed)).words == w2v.load(str(plain)).words
    assert main(["train", str(corpus), "-o", str(tmp_path / "w.txt"), "--read-vocab",
                 str(tmp_path / "vocab.zip"), *FAST]) == 0
    assert main(["convert", str(plain), str(tmp_path / "c.zip")]) == 0
    assert main(["phrases", str(corpus), str(tmp_path / "p.zip"), "--quiet"]) == 0
    assert main(["phrases", str(tmp_path / "p.zip"), str(tmp_path / "p.txt"), "--quiet"]) == 0
    assert w2v.load(str(tmp_path / "c.zip")).words == w2v.load(str(plain)).words
    first = packed.read_bytes()
    assert main(["train", str(corpus), "-o", str(packed), *FAST]) == 0
    assert packed.read_bytes() == first  # no timestamp inside: the same bytes


@pytest.mark.parametrize("extension", [".gz", ".bz2", ".xz"])
def test_compressed_output_names_get_compressed_files(tmp_path, corpus, extension):
    plain = tmp_path / "v.txt"
    packed = tmp_path / f"v.txt{extension}"
    vocab = tmp_path / f"vocab.txt{extension}"
    assert main(["train", str(corpus), "-o", str(plain), *FAST]) == 0
    assert main(["train", str(corpus), "-o", str(packed), "--save-vocab", str(vocab),
                 *FAST]) == 0
    opener = {".gz": __import__("gzip").open, ".bz2": __import__("bz2").open,
              ".xz": __import__("lzma").open}[extension]
    with opener(packed, "rb") as f:
        assert f.read() == plain.read_bytes()
    with opener(vocab, "rb") as f:
        assert f.read().startswith(b"</s> 400\n")
    assert w2v.load(str(packed)).words == w2v.load(str(plain)).words


@pytest.mark.parametrize("extension", [".gz", ".bz2", ".xz"])
@pytest.mark.parametrize("command", ["train", "phrases"])
def test_an_empty_compressed_file_is_damaged_not_empty_text(tmp_path, capsys, extension,
                                                            command):
    # 0 bytes is no valid .gz, .bz2 or .xz file (gzip -t says so); gzip.GzipFile alone
    # read it as no text, which `phrases` then accepted
    empty = tmp_path / f"corpus.txt{extension}"
    empty.write_bytes(b"")
    out = tmp_path / "out.txt"
    code = main([command, str(empty), str(out)] if command == "phrases"
                else [command, str(empty), "-o", str(out), *FAST])
    err = one_error_line(capsys, code, 1)
    assert "corrupt or truncated compressed data" in err
    assert not out.exists()
