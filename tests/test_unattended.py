"""Runs nobody watches: model files, checkpoints and resume, continued training, the
quality gate and exit statuses."""
import json
import os
import random
import signal
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest

import w2v
from w2v import corpus as corpus_module
from w2v import formats, run, trainer
from w2v.cli import main
from w2v.errors import UserError
from w2v.model import load_model

from conftest import planted_corpus

SAMPLE = os.path.join(os.path.dirname(w2v.__file__), "data", "sample-enwiki.txt.gz")
PACKAGE_PARENT = os.path.dirname(os.path.dirname(w2v.__file__))
FAST = ["--size", "12", "--window", "3", "--sample", "0", "--min-count", "1", "--seed", "7",
        "--quiet"]


def w2v_process(*args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "w2v", *map(str, args)],
                            env=dict(os.environ, PYTHONPATH=PACKAGE_PARENT), **kwargs)


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / "planted.txt"
    planted_corpus(path, lines=3000)
    return path


@pytest.fixture
def small_batches(monkeypatch):
    """Many batches per pass, so that a pass can be interrupted in its middle."""
    monkeypatch.setattr(run, "BATCH_BYTES", 4096)


def interrupt(monkeypatch, when, signum=signal.SIGTERM):
    """Send `signum` to this process at a chosen moment: ("counting", k) after the k-th
    chunk of the counting pass, ("training", pass, k) after the k-th chunk of a training
    pass, ("checking",) while the trained matrices are checked (between the last pass
    and the writing), ("writing", row) while the vectors file is being written."""
    calls = {"chunks": 0}
    original_chunks = corpus_module.Corpus.chunks

    def chunks(self, chunk_size=corpus_module.CHUNK_SIZE, start=None, stop=None):
        if start and any(start):  # a later region of a pass (w2v/run.py): not counted
            yield from original_chunks(self, chunk_size, start, stop)
            return
        calls["chunks"] += 1
        call = calls["chunks"]  # 1: counting; 1 + p: training pass p (0-based)
        for k, chunk in enumerate(original_chunks(self, chunk_size, start, stop)):
            yield chunk
            if (when[0] == "counting" and call == 1 and k == when[1]) or \
                    (when[0] == "training" and call == 2 + when[1] and k == when[2]):
                os.kill(os.getpid(), signum)
    monkeypatch.setattr(corpus_module.Corpus, "chunks", chunks)

    if when[0] == "checking":
        original_check = trainer._Job.check_finite

        def check_finite(self):
            os.kill(os.getpid(), signum)
            original_check(self)
        monkeypatch.setattr(trainer._Job, "check_finite", check_finite)

    if when[0] == "writing":
        original_write = formats._write_binary_rows

        def write_rows(out, words, vectors):
            out.write(words[0] + b" " + vectors[0].tobytes() + b"\n")
            os.kill(os.getpid(), signum)
            original_write(out, words[1:], vectors[1:])
        monkeypatch.setattr(formats, "_write_binary_rows", write_rows)


# ------------------------------------------------------------------------ model files

def test_model_file_holds_everything_and_needs_no_pickle(tmp_path, corpus):
    vectors, model_path = tmp_path / "v.bin", tmp_path / "m.model"
    assert main(["train", str(corpus), "-o", str(vectors), "--binary", "--hs",
                 "--save-model", str(model_path), "--threads", "1", *FAST]) == 0
    words, matrix = formats.read_vectors(str(vectors))
    with np.load(model_path, allow_pickle=False) as archive:  # any numpy user can read it
        assert {"input_vectors", "ns_vectors", "hs_vectors", "counts", "huffman_codes",
                "huffman_points", "huffman_lengths"} <= set(archive.files)
        np.testing.assert_array_equal(archive["input_vectors"], matrix)
        header = json.loads(archive["model.json"])
    assert header["format"] == "w2v-model" and header["version"] == 1
    assert header["kind"] == "model" and header["options"]["hs"] is True
    model = load_model(model_path)
    assert model.vocab.words == words and model.huffman is not None
    assert model.vocab.counts.sum() == model.vocab.train_words
    np.testing.assert_array_equal(model.vectors().vectors, matrix)
    with zipfile.ZipFile(model_path) as archive:  # stored, not compressed: fast to read
        assert all(i.compress_type == zipfile.ZIP_STORED for i in archive.infolist())


@pytest.mark.parametrize("damage", ["truncate", "garbage", "json", "shape", "pickle"])
def test_damaged_model_or_checkpoint_is_one_line(tmp_path, corpus, capsys, damage):
    path = tmp_path / "m.model"
    assert main(["train", str(corpus), "-o", str(tmp_path / "v.txt"), "--save-model",
                 str(path), "--threads", "1", *FAST]) == 0
    data = path.read_bytes()
    if damage == "truncate":
        path.write_bytes(data[:len(data) // 2])
    elif damage == "garbage":
        path.write_bytes(bytes(random.Random(1).randrange(256) for _ in range(5000)))
    elif damage in ("json", "shape", "pickle"):
        with zipfile.ZipFile(tmp_path / "m.model") as archive:
            members = {name: archive.read(name) for name in archive.namelist()}
        if damage == "json":
            members["model.json"] = b"{not json"
        elif damage == "shape":
            header = json.loads(members["model.json"])
            header["dim"] = 5
            members["model.json"] = json.dumps(header).encode()
        else:  # an object array would need pickle to load: never
            import io
            buffer = io.BytesIO()
            np.save(buffer, np.array([{"a": 1}], dtype=object), allow_pickle=True)
            members["counts.npy"] = buffer.getvalue()
        with zipfile.ZipFile(path, "w") as archive:
            for name, content in members.items():
                archive.writestr(name, content)
    capsys.readouterr()
    for args in (["train", str(corpus), "--from-model", str(path), "-o",
                  str(tmp_path / "w.txt"), "--quiet"], ["train", "--resume", str(path)]):
        code = main(args)
        err = capsys.readouterr().err
        assert code == (4 if "--resume" in args else 1), err  # 4: it can never resume
        assert err.startswith("w2v: error: ") and err.count("\n") == 1, err
    assert not (tmp_path / "w.txt").exists()


@pytest.mark.parametrize("field, value", [(6, 200), (8, 1)],
                         ids=["zip version 20.0", "encrypted member"])
def test_a_model_archive_zipfile_cannot_open_is_one_line(tmp_path, corpus, capsys, field,
                                                         value):
    """A central directory asking for zip version 20.0 raised zipfile's
    NotImplementedError, an encrypted member its RuntimeError: tracebacks, from
    --from-model, --resume and w2v.load_model (found by mutating model files)."""
    model = tmp_path / "m.model"
    assert main(["train", str(corpus), "-o", str(tmp_path / "v.txt"), "--save-model",
                 str(model), "--threads", "1", *FAST]) == 0
    data = bytearray(model.read_bytes())
    at = data.index(b"PK\x01\x02")  # the first central directory entry: model.json's
    data[at + field:at + field + 2] = value.to_bytes(2, "little")
    model.write_bytes(bytes(data))
    for args in (["train", str(corpus), "-o", str(tmp_path / "w.txt"), "--from-model",
                  str(model), *FAST], ["train", "--resume", str(model)]):
        assert main(args) == (4 if "--resume" in args else 1)
        err = capsys.readouterr().err
        assert "is not a readable w2v model file" in err and err.count("\n") == 1, err
    with pytest.raises(UserError, match="not a readable w2v model file"):
        load_model(str(model))


@pytest.mark.parametrize("removed", [
    ("ns_vectors.npy",), ("hs_vectors.npy",),
    ("hs_vectors.npy", "huffman_lengths.npy", "huffman_codes.npy", "huffman_points.npy")])
def test_a_model_without_a_matrix_it_was_trained_with_is_damaged(tmp_path, corpus, capsys,
                                                                  removed):
    """Continuing it would start those output vectors again from zero, silently."""
    path = tmp_path / "m.model"
    assert main(["train", str(corpus), "-o", str(tmp_path / "v.txt"), "--save-model",
                 str(path), "--hs", *FAST]) == 0
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            if name not in removed:
                archive.writestr(name, content)
    capsys.readouterr()
    code = main(["train", str(corpus), "--from-model", str(path), "-o",
                 str(tmp_path / "w.txt"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("w2v: error: ") and err.count("\n") == 1, err
    assert "is damaged" in err and f"{removed[0]} is missing" in err, err
    assert not (tmp_path / "w.txt").exists()
    with pytest.raises(UserError, match="is missing"):
        load_model(path)


def test_continuing_with_an_objective_the_model_lacks_says_so(tmp_path, corpus, capsys):
    path = tmp_path / "m.model"
    assert main(["train", str(corpus), "-o", str(tmp_path / "v.txt"), "--save-model",
                 str(path), "--hs", "--negative", "0", *FAST]) == 0
    capsys.readouterr()
    assert main(["train", str(corpus), "--from-model", str(path), "-o",
                 str(tmp_path / "w.txt"), "--negative", "3", *FAST[:-1], "--debug", "1"]) == 0
    assert "has no output vectors for --negative 3: they start" in capsys.readouterr().err


def _rewrite(path, change):
    """Rewrite a model or checkpoint file with change(header, members) applied."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    header = json.loads(members["model.json"])
    header = change(header, members) or header
    members["model.json"] = header if isinstance(header, bytes) else json.dumps(header).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)


def _set(keys, value):
    def change(header, members):
        node = header
        for key in keys[:-1]:
            node = node[key]
        node[keys[-1]] = value
    return change


def _npy(array):
    import io
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


HOSTILE_HEADERS = {
    "nested json": lambda h, m: b"[" * 100000,
    "options not an object": _set(["options"], [1, 2]),
    "option of the wrong type": _set(["options", "hs"], "no"),
    "option missing its number": _set(["options", "sample"], None),
    "word listed twice": lambda h, m: m.update({"vocab.txt": m["vocab.txt"].replace(
        b"\ng0w1 ", b"\ng0w0 ", 1)}),
    "negative counts": lambda h, m: m.update({"counts.npy": _npy(-np.load(
        __import__("io").BytesIO(m["counts.npy"])))}),
    "progress not an object": _set(["progress"], []),
    "corpus files not a list": _set(["corpus_files"], "x"),
    "corpus file without fields": _set(["corpus_files"], [{}]),
    "corpus file elsewhere": _set(["corpus_files", 0, "path"], "/etc/hostname"),
    "pass beyond the last": _set(["progress", "run", "pass"], 99),
    "negative generator": _set(["progress", "run", "threads", 0, "next_random"], -1),
    "open sentence not ids": _set(["progress", "run", "threads", 0, "open_sentence"], ["a"]),
    "open sentence too long": _set(["progress", "run", "threads", 0, "open_sentence"],
                                   [1] * 1000),
    "open sentence of unknown words": _set(["progress", "run", "threads", 0, "open_sentence"],
                                           [10 ** 6]),
    "thread's pass negative": _set(["progress", "run", "threads", 0, "pass"], -1),
    "huge word counter": _set(["progress", "run", "words_done"], 10 ** 19),
    "non-finite loss": _set(["progress", "run", "current_pass", "loss"], float("nan")),
    "no schedule": lambda h, m: h["progress"].pop("schedule_words"),
}


@pytest.mark.parametrize("damage", HOSTILE_HEADERS, ids=list(HOSTILE_HEADERS))
def test_hostile_model_and_checkpoint_contents_are_one_line(tmp_path, corpus, monkeypatch,
                                                            small_batches, capsys, damage):
    checkpoint = tmp_path / "run.checkpoint"
    interrupt(monkeypatch, ("training", 0, 2))
    assert main(["train", str(corpus), "-o", str(tmp_path / "v.txt"), "--checkpoint",
                 str(checkpoint), "--threads", "1", "--iter", "2", *FAST]) == 143
    monkeypatch.undo()
    _rewrite(checkpoint, HOSTILE_HEADERS[damage])
    capsys.readouterr()
    for args in (["train", "--resume", str(checkpoint)],
                 ["train", str(corpus), "--from-model", str(checkpoint), "-o",
                  str(tmp_path / "w.txt"), "--quiet"]):
        code = main(args)
        err = capsys.readouterr().err
        if damage in ("pass beyond the last", "negative generator", "huge word counter",
                      "open sentence not ids", "open sentence too long",
                      "open sentence of unknown words", "thread's pass negative",
                      "non-finite loss", "no schedule", "corpus file without fields",
                      "corpus file elsewhere") and "--from-model" in args:
            continue  # what only resuming reads
        assert code == 4 if "--resume" in args else code in (1, 2), err
        assert err.startswith("w2v: error: ") and err.count("\n") == 1, err
    assert not (tmp_path / "v.txt").exists() and not (tmp_path / "w.txt").exists()
    assert checkpoint.exists()


def test_a_run_resumed_from_another_directory_uses_the_same_files(tmp_path, corpus,
                                                                  monkeypatch, small_batches):
    """Relative paths are relative to where the run started, not to where it resumes
    (cron and batch systems start jobs in directories of their own)."""
    common = ["--threads", "1", "--iter", "2", *FAST]
    monkeypatch.chdir(tmp_path)
    assert main(["train", "planted.txt", "-o", "ref.txt", *common]) == 0
    interrupt(monkeypatch, ("training", 0, 2))
    assert main(["train", "planted.txt", "-o", "v.txt", "--save-vocab", "vocab.txt",
                 "--checkpoint", "run.checkpoint", *common]) == 143
    monkeypatch.undo()
    monkeypatch.setattr(run, "BATCH_BYTES", 4096)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "planted.txt").write_text("another corpus\n")
    monkeypatch.chdir(elsewhere)
    assert main(["train", "--resume", str(tmp_path / "run.checkpoint")]) == 0
    assert (tmp_path / "v.txt").read_bytes() == (tmp_path / "ref.txt").read_bytes()
    assert sorted(p.name for p in elsewhere.iterdir()) == ["planted.txt"]
    assert not (tmp_path / "run.checkpoint").exists()


def test_resume_refuses_a_model_and_a_changed_corpus(tmp_path, corpus, capsys, monkeypatch,
                                                    small_batches):
    model = tmp_path / "m.model"
    main(["train", str(corpus), "-o", str(tmp_path / "v.txt"), "--save-model", str(model),
          "--threads", "1", *FAST])
    capsys.readouterr()
    assert main(["train", "--resume", str(model)]) == 4
    assert "not a checkpoint" in capsys.readouterr().err

    checkpoint = stopped_with_checkpoint(tmp_path, corpus, monkeypatch)
    capsys.readouterr()
    with open(corpus, "a") as f:
        f.write("more text\n")
    assert main(["train", "--resume", str(checkpoint)]) == 4
    err = capsys.readouterr().err
    assert "not the one the checkpoint was made on" in err and err.count("\n") == 1
    assert main(["train", "--resume", str(checkpoint), "--size", "50"]) == 2
    assert "cannot be given with it" in capsys.readouterr().err


def stopped_with_checkpoint(tmp_path, corpus, monkeypatch):
    """The checkpoint of a run stopped by SIGTERM in its first pass."""
    checkpoint = tmp_path / "ck"
    interrupt(monkeypatch, ("training", 0, 3))
    assert main(["train", str(corpus), "-o", str(tmp_path / "v.txt"), "--checkpoint",
                 str(checkpoint), "--threads", "1", *FAST]) == 143
    monkeypatch.undo()
    return checkpoint


def test_a_checkpoint_whose_corpus_is_gone_can_never_resume(tmp_path, corpus, capsys,
                                                            monkeypatch, small_batches):
    checkpoint = stopped_with_checkpoint(tmp_path, corpus, monkeypatch)
    corpus.unlink()
    capsys.readouterr()
    assert main(["train", "--resume", str(checkpoint)]) == 4
    err = capsys.readouterr().err
    assert err == f"w2v: error: corpus {corpus} of checkpoint {checkpoint} is gone: the run " \
        "cannot be resumed\n", err
    assert main(["train", "--resume", str(tmp_path / "missing")]) == 1  # nothing to drop


def test_resume_reads_the_same_corpus_under_a_new_identity(tmp_path, corpus, capsys,
                                                           monkeypatch, small_batches):
    """The corpus's inode and device were compared too: a job resumed on another node of
    a batch system (NFS gives each client its own device number), after a reboot that
    numbered the disks anew, or with the text restored by `cp -p`, was refused as
    "replaced by another file" (and nightly.sh then dropped the checkpoint)."""
    common = ["--threads", "1", "--iter", "2", "--binary", *FAST]
    assert main(["train", str(corpus), "-o", str(tmp_path / "ref.bin"), *common]) == 0
    out, checkpoint = tmp_path / "v.bin", tmp_path / "ck"
    interrupt(monkeypatch, ("training", 0, 3))
    assert main(["train", str(corpus), "-o", str(out), "--checkpoint", str(checkpoint),
                 *common]) == 143
    monkeypatch.undo()
    monkeypatch.setattr(run, "BATCH_BYTES", 4096)
    text = corpus.read_bytes()
    os.link(corpus, tmp_path / "counted")  # its inode stays taken: no new file gets it
    mtime_ns = json.loads(zipfile.ZipFile(checkpoint).read("model.json"))[
        "corpus_files"][0]["mtime_ns"]

    def put_in_place(content):  # a new inode (the old one is still there when it is made)
        (tmp_path / "restored").write_bytes(content)
        os.utime(tmp_path / "restored", ns=(0, mtime_ns))
        os.replace(tmp_path / "restored", corpus)

    # Another file of the same size and time whose last line differs is still refused.
    put_in_place(text[:-8] + b"g0w0 g0\n")
    capsys.readouterr()
    assert main(["train", "--resume", str(checkpoint)]) == 4
    assert "replaced by another file" in capsys.readouterr().err
    put_in_place(text)
    assert main(["train", "--resume", str(checkpoint)]) == 0
    assert out.read_bytes() == (tmp_path / "ref.bin").read_bytes()
    assert not checkpoint.exists()


# --------------------------------------------------------------- checkpoints and resume

MOMENTS = [("counting", 0), ("training", 0, 2), ("training", 0, 20), ("training", 2, 5),
           ("checking",), ("writing", 0)]


@pytest.mark.parametrize("moment", MOMENTS, ids=lambda m: "-".join(map(str, m)))
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["TERM", "INT"])
def test_interrupted_and_resumed_run_is_byte_identical(tmp_path, corpus, monkeypatch,
                                                       small_batches, capsys, moment, signum):
    common = ["--threads", "1", "--iter", "3", "--binary", "--skip-gram", "--hs", *FAST]
    assert main(["train", str(corpus), "-o", str(tmp_path / "ref.bin"), *common]) == 0
    reference = (tmp_path / "ref.bin").read_bytes()

    out, checkpoint = tmp_path / "v.bin", tmp_path / "run.checkpoint"
    out.write_bytes(b"yesterday's vectors")
    interrupt(monkeypatch, moment, signum)
    code = main(["train", str(corpus), "-o", str(out), "--checkpoint", str(checkpoint),
                 *common])
    err = capsys.readouterr().err
    assert code == 128 + signum, err
    assert f"checkpoint saved to {checkpoint}" in err and err.count("\n") == 1, err
    assert out.read_bytes() == b"yesterday's vectors"  # nothing half-written
    monkeypatch.undo()
    monkeypatch.setattr(run, "BATCH_BYTES", 4096)

    assert main(["train", "--resume", str(checkpoint)]) == 0
    assert out.read_bytes() == reference
    assert not checkpoint.exists()  # the run is complete: nothing left to resume
    assert sorted(p.name for p in tmp_path.iterdir()) == ["planted.txt", "ref.bin", "v.bin"]


def test_a_checkpoint_from_before_the_thread_pass_and_open_sentence_resumes(
        tmp_path, corpus, monkeypatch, small_batches, capsys):
    """Checkpoints written before a thread's state held its last pass and whether a batch
    left a sentence open still resume (as a thread that has neither)."""
    checkpoint, out = tmp_path / "run.checkpoint", tmp_path / "v.txt"
    interrupt(monkeypatch, ("training", 1, 2))
    assert main(["train", str(corpus), "-o", str(out), "--checkpoint", str(checkpoint),
                 "--threads", "1", "--iter", "2", *FAST]) == 143
    monkeypatch.undo()

    def older(header, members):
        for state in header["progress"]["run"]["threads"]:
            assert state.pop("pass") == 1
            state.pop("open_sentence")
    _rewrite(checkpoint, older)
    assert main(["train", "--resume", str(checkpoint)]) == 0
    assert out.exists() and not checkpoint.exists()


def test_outputs_that_cannot_be_written_keep_the_training_in_the_checkpoint(
        tmp_path, corpus, monkeypatch, capsys):
    """A full disk at the end lost the whole run; with --checkpoint, --resume now only
    writes the outputs, the very bytes of the run that never failed."""
    from w2v import trainer
    common = ["--threads", "1", "--iter", "2", *FAST]
    reference, out, checkpoint = tmp_path / "ref.txt", tmp_path / "v.txt", tmp_path / "ck"
    assert main(["train", str(corpus), "-o", str(reference), *common]) == 0

    def full_disk(path, *args, **kwargs):
        raise UserError(f"cannot write {path}: No space left on device")
    monkeypatch.setattr(trainer, "write_vectors", full_disk)
    capsys.readouterr()
    assert main(["train", str(corpus), "-o", str(out), "--checkpoint", str(checkpoint),
                 *common]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "No space left on device; training is done: " \
        f"checkpoint saved to {checkpoint}" in err, err
    assert load_model(checkpoint, "checkpoint").progress["stage"] == "trained"
    # still full: status 1, not 4 (which scripts take as "drop the checkpoint")
    assert main(["train", "--resume", str(checkpoint)]) == 1
    assert load_model(checkpoint, "checkpoint").progress["stage"] == "trained"
    monkeypatch.undo()
    assert main(["train", "--resume", str(checkpoint)]) == 0
    assert out.read_bytes() == reference.read_bytes() and not checkpoint.exists()


def test_a_completed_run_removes_only_the_checkpoint_it_saved(tmp_path, corpus,
                                                               monkeypatch, small_batches,
                                                               capsys):
    """A run that completes removed whatever file its --checkpoint named: a file named
    by mistake that it never wrote (`--checkpoint notes.txt`), or the checkpoint that an
    overlapping run (cron) saved there when it was stopped."""
    common = ["--threads", "1", "--iter", "2", *FAST]
    notes = tmp_path / "notes.txt"
    notes.write_text("precious\n")
    assert main(["train", str(corpus), "-o", str(tmp_path / "v.txt"), "--checkpoint",
                 str(notes), *common]) == 0
    assert notes.read_text() == "precious\n"

    # The other run, stopped, saves its checkpoint while this one trains.
    checkpoint, other = tmp_path / "ck", tmp_path / "other.txt"
    original_chunks, saved = corpus_module.Corpus.chunks, []

    def chunks(self, *args, **kwargs):
        for chunk in original_chunks(self, *args, **kwargs):
            yield chunk
            if not saved:
                saved.append(True)
                run_other = subprocess.run(
                    [sys.executable, "-c", "import os, signal, sys; from w2v.cli import main; "
                     "signal.alarm(1); sys.exit(main(sys.argv[1:]))", "train", str(corpus),
                     "-o", str(other), "--checkpoint", str(checkpoint), "--iter", "100000",
                     *FAST], env=dict(os.environ, PYTHONPATH=PACKAGE_PARENT),
                    stderr=subprocess.PIPE, timeout=120)
                assert run_other.returncode == 128 + signal.SIGALRM, run_other.stderr
    monkeypatch.setattr(corpus_module.Corpus, "chunks", chunks)
    assert main(["train", str(corpus), "-o", str(tmp_path / "v.txt"), "--checkpoint",
                 str(checkpoint), *common]) == 0
    assert saved and load_model(checkpoint, "checkpoint").options["iter"] == 100000
    monkeypatch.undo()
    monkeypatch.setattr(run, "BATCH_BYTES", 4096)

    # Its own checkpoint, and the one it resumed from, are removed as before.
    interrupt(monkeypatch, ("training", 0, 2))
    assert main(["train", str(corpus), "-o", str(tmp_path / "v.txt"), "--checkpoint",
                 str(checkpoint), *common]) == 143
    monkeypatch.undo()
    assert load_model(checkpoint, "checkpoint").options["iter"] == 2
    assert main(["train", "--resume", str(checkpoint)]) == 0
    assert not checkpoint.exists()


@pytest.mark.parametrize("args", [
    ["train", "{corpus}", "-o", "{out}", "--from-model", "", *FAST],
    ["train", "{corpus}", "-o", "{out}", "--read-vocab", "", *FAST],
    ["-train", "{corpus}", "-output", "{out}", "-read-vocab", "", "-min-count", "1"],
    ["train", "--resume", ""], ["train", "", "-o", "{out}", *FAST],
    ["convert", "{corpus}", "{out}", "--vocab", ""],
    ["convert", "{corpus}", "{out}.npy", "--vocab", ""]],
    ids=["from-model", "read-vocab", "word2vec.c form", "resume", "corpus",
         "convert's word list read", "convert's word list written"])
def test_an_empty_input_name_is_a_usage_error_not_an_option_left_out(tmp_path, corpus,
                                                                     capsys, args):
    """`--from-model "$MODEL"` with MODEL unset trained a new model from scratch (and
    --save-model replaced the continued one with it); `--read-vocab ""` counted the
    corpus instead; `--resume ""` said no corpus was given; `convert --vocab ""` used
    the default word list."""
    out = tmp_path / "v.txt"
    code = main([a.format(corpus=corpus, out=out) for a in args])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "path is empty" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["planted.txt"]


@pytest.mark.parametrize("moment", [("counting", 0), ("training", 0, 2), ("writing", 0)],
                         ids=lambda m: "-".join(map(str, m)))
def test_a_second_signal_while_the_checkpoint_is_written(tmp_path, corpus, monkeypatch,
                                                         small_batches, capsys, moment):
    """Ctrl-C pressed twice, or SIGTERM after SIGINT: the second signal came while the
    checkpoint was written. Before, the run's checkpoint was abandoned and the trainer
    saved its own state instead: where training started, beside the matrices trained
    since (a resumed run trained the first passes twice)."""
    from w2v import model as model_module
    common = ["--threads", "1", "--iter", "2", "--binary", *FAST]
    assert main(["train", str(corpus), "-o", str(tmp_path / "ref.bin"), *common]) == 0
    out, checkpoint = tmp_path / "v.bin", tmp_path / "run.checkpoint"
    interrupt(monkeypatch, moment, signal.SIGINT)
    original_write_array, fired = model_module._write_array, []

    def write_array(archive, name, array):
        if not fired:
            fired.append(name)
            os.kill(os.getpid(), signal.SIGTERM)
        original_write_array(archive, name, array)
    monkeypatch.setattr(model_module, "_write_array", write_array)
    capsys.readouterr()
    code = main(["train", str(corpus), "-o", str(out), "--checkpoint", str(checkpoint),
                 *common])
    err = capsys.readouterr().err
    assert code == 130 and fired, err  # the first signal's status
    assert f"checkpoint saved to {checkpoint}" in err and err.count("\n") == 1, err
    monkeypatch.undo()
    monkeypatch.setattr(run, "BATCH_BYTES", 4096)
    assert main(["train", "--resume", str(checkpoint)]) == 0
    assert out.read_bytes() == (tmp_path / "ref.bin").read_bytes()


def test_periodic_checkpoints_change_nothing_and_survive_sigkill(tmp_path):
    """A checkpoint every 0.2 s; a SIGKILL (which nobody can catch) after a while; the
    last checkpoint resumes to the same bytes as a run never stopped. (12 passes, about
    3 s: with 4, a fast machine sometimes finished the run before the kill.)"""
    common = ["--threads", "1", "--iter", "12", "--binary", "--size", "20", "--seed", "3",
              "--debug", "0"]
    reference = tmp_path / "ref.bin"
    assert w2v_process("train", SAMPLE, "-o", reference, *common).wait(timeout=300) == 0
    out, checkpoint = tmp_path / "v.bin", tmp_path / "ck"
    process = w2v_process("train", SAMPLE, "-o", out, "--checkpoint", checkpoint,
                          "--checkpoint-every", "0.2s", *common)
    try:
        deadline = 60
        import time
        start = time.time()
        while not checkpoint.exists() and time.time() - start < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        process.kill()
    finally:
        process.wait()
    assert checkpoint.exists() and not out.exists()
    assert w2v_process("train", "--resume", checkpoint, "--quiet").wait(timeout=300) == 0
    assert out.read_bytes() == reference.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ref.bin", "v.bin"]


def test_a_periodic_checkpoint_that_cannot_be_written_does_not_end_the_run(
        tmp_path, corpus, monkeypatch, small_batches, capsys):
    """A full disk at a --checkpoint-every save ended the run (status 1), and the
    training since the previous checkpoint with it, though the outputs could still be
    written. Now a warning; training goes on, and the next period tries again."""
    from w2v import trainer
    common = ["--threads", "1", "--iter", "3", "--debug", "1", *FAST[:-1]]
    assert main(["train", str(corpus), "-o", str(tmp_path / "ref.txt"), *common]) == 0
    original, saves = trainer.save_model, []

    def save_model(path, model, what="model file"):
        if what == "checkpoint":
            saves.append(model.progress["stage"])
            if len(saves) == 1:
                raise UserError(f"cannot write {path}: No space left on device")
        return original(path, model, what)
    monkeypatch.setattr(trainer, "save_model", save_model)
    monkeypatch.setattr(run, "REPORT_INTERVAL", 0.001)
    original_chunks = corpus_module.Corpus.chunks

    def slow_chunks(self, *args, **kwargs):  # a pass long enough for a few periods
        for chunk in original_chunks(self, *args, **kwargs):
            time.sleep(0.01)
            yield chunk
    monkeypatch.setattr(corpus_module.Corpus, "chunks", slow_chunks)
    capsys.readouterr()
    out, checkpoint = tmp_path / "v.txt", tmp_path / "ck"
    assert main(["train", str(corpus), "-o", str(out), "--checkpoint", str(checkpoint),
                 "--checkpoint-every", "0.05s", *common]) == 0
    err = capsys.readouterr().err
    assert "No space left on device: the checkpoint was not saved" in err, err
    assert len(saves) >= 2  # tried again at the next period
    assert out.read_bytes() == (tmp_path / "ref.txt").read_bytes()
    assert not checkpoint.exists()


def test_a_checkpoint_written_in_place_is_never_removed(tmp_path, corpus):
    """`--checkpoint /dev/stdout >> log.txt` appends the checkpoints to the log; when the
    run completed, "removing its checkpoint" deleted log.txt (before that, the link
    /dev/stdout itself)."""
    log = tmp_path / "log.txt"
    log.write_bytes(b"log start\n")
    with open(log, "ab") as stdout:
        process = w2v_process("train", corpus, "-o", tmp_path / "v.txt", "--checkpoint",
                              "/dev/stdout", "--checkpoint-every", "0.01s", "--iter", "300",
                              "--threads", "1", *FAST, stdout=stdout)
        assert process.wait(timeout=300) == 0
    assert log.read_bytes().startswith(b"log start\nPK")  # and a checkpoint after it
    assert os.path.islink("/dev/stdout") or not os.path.exists("/dev")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/full", "/dev/urandom"])
def test_a_model_that_is_an_endless_device_is_refused(tmp_path, corpus, device):
    """--from-model /dev/zero (or --resume, or w2v.load_model) read the device into
    memory, looking for a zip archive's end, until the OOM killer ended the process
    (24 GB here). Run under a memory limit, should that come back."""
    if not os.path.exists(device):
        pytest.skip(f"no {device}")
    for args in (["train", str(corpus), "--from-model", device, "-o",
                  str(tmp_path / "v.txt"), "--quiet"], ["train", "--resume", device]):
        process = subprocess.run(
            [sys.executable, "-c", "import resource, sys; resource.setrlimit("
             "resource.RLIMIT_AS, (2 << 30, 2 << 30)); from w2v.cli import main; "
             "sys.exit(main(sys.argv[1:]))", *args],
            env=dict(os.environ, PYTHONPATH=PACKAGE_PARENT), capture_output=True,
            text=True, timeout=60)
        assert process.returncode in (1, 4), process.stderr
        what = "checkpoint" if "--resume" in args else "model"
        assert process.stderr == f"w2v: error: cannot read {what} {device}: it is not a " \
            "regular file (a model file is a zip archive, read by seeking)\n", process.stderr


def test_a_checkpoint_path_that_cannot_be_looked_at_any_more_fails_nothing(
        tmp_path, corpus, monkeypatch, capsys):
    """The checkpoint named became a link loop while the run trained: removing "its
    checkpoint" at the end raised an error after the outputs were written."""
    from w2v import trainer
    checkpoint, out = tmp_path / "ck", tmp_path / "v.txt"
    original = trainer._Job.write_outputs

    def write_outputs(self, result):
        original(self, result)
        os.symlink(checkpoint.name, checkpoint)  # a link to itself
    monkeypatch.setattr(trainer._Job, "write_outputs", write_outputs)
    assert main(["train", str(corpus), "-o", str(out), "--checkpoint", str(checkpoint),
                 "--threads", "1", *FAST]) == 0
    assert out.exists() and os.path.islink(checkpoint)


LIBRARY_RUN = """
import signal, sys, w2v
signal.signal(signal.SIGINT, signal.default_int_handler)  # as in an interactive program
try:
    w2v.train(sys.argv[1], output=sys.argv[2], checkpoint=sys.argv[3], iter=100000,
              size=10, threads=1, min_count=1)
except KeyboardInterrupt:
    sys.exit(5)
"""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_the_library_saves_its_checkpoint_when_the_process_is_stopped(tmp_path, corpus,
                                                                      signum):
    """w2v.train(checkpoint=...) promised a checkpoint when the process is stopped by a
    signal, but only the command line turned signals into a clean stop: SIGTERM killed
    the script on the spot (no checkpoint, temporary files left), Ctrl-C's
    KeyboardInterrupt saved none. Now the run stops as `w2v train` does, then the
    signal ends the process as it would have (Ctrl-C: a KeyboardInterrupt)."""
    out, checkpoint = tmp_path / "v.txt", tmp_path / "ck"
    process = subprocess.Popen([sys.executable, "-c", LIBRARY_RUN, str(corpus), str(out),
                                str(checkpoint)], stderr=subprocess.PIPE,
                               env=dict(os.environ, PYTHONPATH=PACKAGE_PARENT))
    time.sleep(2.0)
    process.send_signal(signum)
    err = process.communicate(timeout=120)[1].decode()
    assert process.returncode == (5 if signum == signal.SIGINT else -signum), err
    assert f"checkpoint saved to {checkpoint}" in err and "Traceback" not in err, err
    assert load_model(checkpoint, "checkpoint").progress["stage"] in ("counting", "training")
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck", "planted.txt"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_signal_at_a_random_moment_then_resume(tmp_path, signum):
    """A real signal from outside at a random moment (reading, training or writing)."""
    common = ["--threads", "1", "--iter", "2", "--size", "20", "--seed", "5", "--debug", "0"]
    reference = tmp_path / "ref.txt"
    assert w2v_process("train", SAMPLE, "-o", reference, *common).wait(timeout=300) == 0
    out, checkpoint = tmp_path / "v.txt", tmp_path / "ck"
    process = w2v_process("train", SAMPLE, "-o", out, "--checkpoint", checkpoint, *common,
                          stderr=subprocess.PIPE)
    import time
    time.sleep(random.Random(signum).uniform(0.5, 2.5))
    process.send_signal(signum)
    stderr = process.communicate(timeout=120)[1].decode()
    assert "Traceback" not in stderr
    if process.returncode == 0:  # it finished first: nothing to resume
        assert not checkpoint.exists()
    elif process.returncode == -signum:
        # before w2v's handlers were set (Python's start), or after they were put back,
        # the vectors written (its exit: seen on a busy machine, the signal 2.4 s in)
        assert not checkpoint.exists()
        if not out.exists():
            assert w2v_process("train", SAMPLE, "-o", out, *common).wait(timeout=300) == 0
    else:
        assert process.returncode == 128 + signum, stderr
        # no checkpoint: the signal came after the vectors were written, or before the
        # corpus was read (nothing to resume either way)
        if checkpoint.exists():
            assert w2v_process("train", "--resume", checkpoint, "--quiet").wait(timeout=300) == 0
        elif "written before the stop" not in stderr:
            # stopped before the corpus was read (a slow start on a busy machine): nothing
            # done, nothing to resume, nothing left behind; the same command starts over
            assert "no output was written" in stderr and not out.exists(), stderr
            assert w2v_process("train", SAMPLE, "-o", out, *common).wait(timeout=300) == 0
    assert out.read_bytes() == reference.read_bytes()


def test_resume_with_two_threads_learns_as_well(tmp_path, corpus, monkeypatch, small_batches,
                                                capsys):
    out, checkpoint = tmp_path / "v.txt", tmp_path / "ck"
    interrupt(monkeypatch, ("training", 1, 4))
    common = ["--threads", "2", "--iter", "6", "--size", "20", "--min-count", "1",
              "--sample", "0", "--window", "3", "--quiet"]
    assert main(["train", str(corpus), "-o", str(out), "--checkpoint", str(checkpoint),
                 *common]) == 143
    monkeypatch.undo()
    monkeypatch.setattr(run, "BATCH_BYTES", 4096)
    assert main(["train", "--resume", str(checkpoint)]) == 0
    vectors = w2v.load(str(out))
    hits = sum(vectors.most_similar(f"g{g}w{w}", topn=1)[0][0].startswith(f"g{g}w")
               for g in range(5) for w in range(6))
    assert hits >= 27


# -------------------------------------------------------------------- continuing a model

def planted_lines(groups, rng, lines, length=12):
    return "".join(" ".join(rng.choice(rng.choice(groups)) for _ in range(length)) + "\n"
                   for _ in range(lines))


@pytest.mark.parametrize("loss", [["--negative", "5"], ["--hs", "--negative", "0"]],
                         ids=["ns", "hs"])
def test_update_vocab_places_new_words_and_keeps_old_ones(tmp_path, loss):
    rng = random.Random(3)
    old = [[f"a{i}" for i in range(6)], [f"b{i}" for i in range(6)], [f"c{i}" for i in range(6)]]
    (tmp_path / "day1.txt").write_text(
        "".join(" ".join(rng.choice(g) for _ in range(12)) + "\n"
                for g in (rng.choice(old) for _ in range(3000))))
    # day 2: the same groups, each with two new members
    grown = [g + [f"{g[0][0]}new{k}" for k in range(2)] for g in old]
    (tmp_path / "day2.txt").write_text(
        "".join(" ".join(rng.choice(g) for _ in range(12)) + "\n"
                for g in (rng.choice(grown) for _ in range(3000))))
    common = ["--size", "20", "--window", "3", "--sample", "0", "--min-count", "5",
              "--threads", "1", "--iter", "8", "--quiet", *loss]
    assert main(["train", str(tmp_path / "day1.txt"), "-o", str(tmp_path / "v1.txt"),
                 "--save-model", str(tmp_path / "m"), *common]) == 0
    assert main(["train", str(tmp_path / "day2.txt"), "--from-model", str(tmp_path / "m"),
                 "--update-vocab", "-o", str(tmp_path / "v2.txt"), "--save-model",
                 str(tmp_path / "m"), "--iter", "3", "--quiet"]) == 0
    before, after = w2v.load(str(tmp_path / "v1.txt")), w2v.load(str(tmp_path / "v2.txt"))
    model = load_model(tmp_path / "m")
    assert len(model.vocab) == len(before) + 6 and list(model.vocab.counts[1:]) == \
        sorted(model.vocab.counts[1:], reverse=True)
    for group in grown:
        for new in group[-2:]:
            neighbours = [w for w, _ in after.most_similar(new, topn=4)]
            assert sum(w[0] == new[0] for w in neighbours) >= 3, (new, neighbours)
    # old words stay close to where they were (relative to each other)
    old_words = [w for g in old for w in g]
    sim_before = np.array([[before.similarity(a, b) for b in old_words] for a in old_words])
    sim_after = np.array([[after.similarity(a, b) for b in old_words] for a in old_words])
    assert np.corrcoef(sim_before.ravel(), sim_after.ravel())[0, 1] > 0.9


def test_grown_tree_keeps_every_old_path():
    from w2v.model import Huffman
    from w2v.update import grow_tree
    from w2v.vocab import Vocab
    counts = np.array([0, 50, 30, 20, 10, 5, 3, 1], np.int64)
    vocab = Vocab([b"</s>"] + [b"w%d" % i for i in range(7)], counts)
    tree = Huffman(*vocab.huffman())
    grown = grow_tree(tree, counts, np.array([7, 2, 4]))
    old, new = len(counts), 3
    for w in range(1, old):  # every old word but the leaf split (</s>) keeps its path
        n = tree.lengths[w]
        assert grown.lengths[w] == n
        assert (grown.codes[w, :n] == tree.codes[w, :n]).all()
        assert (grown.points[w, :n] == tree.points[w, :n]).all()
    # a binary tree over all the leaves: distinct prefix-free codes, V - 1 inner nodes
    codes = {tuple(grown.codes[w, :grown.lengths[w]]) for w in range(old + new)}
    assert len(codes) == old + new
    for a in codes:
        assert not any(b != a and b[:len(a)] == a for b in codes)
    inner = {int(p) for w in range(old + new) for p in grown.points[w, :grown.lengths[w]]}
    assert inner == set(range(old + new - 1))


def test_a_tied_model_s_output_vectors_are_its_one_matrix(tmp_path, corpus):
    """As `w2v train --tied --output-vectors output` writes them."""
    path = tmp_path / "m.model"
    assert main(["train", str(corpus), "-o", str(tmp_path / "v.txt"), "--save-model",
                 str(path), "--tied", "--output-vectors", "output", "--threads", "1",
                 *FAST]) == 0
    model = load_model(path)
    written = w2v.load(str(tmp_path / "v.txt"))
    np.testing.assert_allclose(model.vectors("output").vectors, written.vectors, atol=1e-6)
    np.testing.assert_allclose(model.vectors("sum").vectors, 2 * model.input_vectors)


def test_continue_without_update_keeps_the_vocabulary(tmp_path, corpus, capsys):
    assert main(["train", str(corpus), "-o", str(tmp_path / "v1.txt"), "--save-model",
                 str(tmp_path / "m"), "--threads", "1", *FAST]) == 0
    (tmp_path / "new.txt").write_text("g0w1 g0w2 unknownword g0w3\n" * 200)
    assert main(["train", str(tmp_path / "new.txt"), "--from-model", str(tmp_path / "m"),
                 "-o", str(tmp_path / "v2.txt"), "--threads", "1", "--quiet"]) == 0
    assert w2v.load(str(tmp_path / "v2.txt")).words == w2v.load(str(tmp_path / "v1.txt")).words
    (tmp_path / "none.txt").write_text("nothing known here\n")
    assert main(["train", str(tmp_path / "none.txt"), "--from-model", str(tmp_path / "m"),
                 "-o", str(tmp_path / "v3.txt"), "--quiet"]) == 1
    assert "--update-vocab" in capsys.readouterr().err
    assert main(["train", str(corpus), "--from-model", str(tmp_path / "m"), "--size", "30",
                 "-o", str(tmp_path / "v3.txt"), "--quiet"]) == 2


def test_update_vocab_on_text_with_nothing_to_learn_is_an_error(tmp_path, corpus, capsys):
    """Without --update-vocab such text was an error; with it, the run trained nothing
    ('0 predictions') and exited 0."""
    assert main(["train", str(corpus), "-o", str(tmp_path / "v1.txt"), "--save-model",
                 str(tmp_path / "m"), "--threads", "1", *FAST]) == 0
    (tmp_path / "none.txt").write_text("nothing known here\n")
    capsys.readouterr()
    assert main(["train", str(tmp_path / "none.txt"), "--from-model", str(tmp_path / "m"),
                 "--update-vocab", "--min-count", "5", "-o", str(tmp_path / "v2.txt"),
                 "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "no new word appears at least --min-count 5 times" in err and err.count("\n") == 1
    assert not (tmp_path / "v2.txt").exists()
    assert main(["train", str(tmp_path / "none.txt"), "--from-model", str(tmp_path / "m"),
                 "--update-vocab", "--min-count", "1", "-o", str(tmp_path / "v2.txt"),
                 "--quiet"]) == 0


def test_python_api_continues_a_model(tmp_path, corpus):
    model_path = tmp_path / "m.model"
    w2v.train(str(corpus), save_model=str(model_path), size=16, min_count=1, threads=1)
    vectors = w2v.train(str(corpus), from_model=str(model_path), iter=1, threads=1)
    assert vectors.dim == 16
    assert w2v.load_model(str(model_path)).options["size"] == 16


# ------------------------------------------------------------------ gate and statuses

def test_quality_gate_statuses(tmp_path, corpus, capsys):
    vectors = tmp_path / "v.txt"
    main(["train", str(corpus), "-o", str(vectors), "--threads", "1", *FAST])
    questions = tmp_path / "q.txt"
    questions.write_text(": planted\ng0w0 g0w1 g1w0 g1w1\ng0w0 g0w2 g2w0 g2w2\n")
    pairs, reversed_pairs = tmp_path / "pairs.tsv", tmp_path / "reversed.tsv"
    pairs.write_text("g0w0\tg0w1\t9\ng0w0\tg1w1\t1\ng2w2\tg2w3\t8\ng3w0\tg4w4\t2\n")
    reversed_pairs.write_text("g0w0\tg0w1\t1\ng0w0\tg1w1\t9\ng2w2\tg2w3\t2\ng3w0\tg4w4\t8\n")
    capsys.readouterr()
    assert main(["eval", "analogies", str(vectors), str(questions), "--fail-under", "0"]) == 0
    accuracy = w2v.load(str(vectors)).evaluate_analogies(str(questions)).accuracy
    assert main(["eval", "analogies", str(vectors), str(questions), "--fail-under",
                 str(accuracy + 0.01)]) == 3
    assert main(["eval", "similarity", str(vectors), str(pairs), "--fail-under", "0.5"]) == 0
    assert main(["eval", "similarity", str(vectors), str(reversed_pairs), "--fail-under",
                 "0"]) == 3
    assert "below --fail-under 0" in capsys.readouterr().err
    assert main(["eval", "analogies", str(vectors), str(questions), "--fail-under", "30"]) == 2
    unknown = tmp_path / "unknown.tsv"
    unknown.write_text("zebra\tyak\t3\nfoo\tbar\t2\n")
    capsys.readouterr()
    assert main(["eval", "similarity", str(vectors), str(unknown)]) == 1
    assert "no correlation" in capsys.readouterr().err
    none = tmp_path / "none.txt"
    none.write_text(": x\nzebra yak foo bar\n")
    assert main(["eval", "analogies", str(vectors), str(none)]) == 1


@pytest.mark.parametrize("args", [
    ["train", "x.txt", "--bogus"], ["train", "x.txt", "--size", "big"], ["train"],
    ["-train", "x.txt", "-bogus", "1"], ["-train", "x.txt", "-size", "big"],
    ["-train", "x.txt", "-size", "0"], ["train", "x.txt", "--size", "0"],
    ["similar"], ["similar", "v", "w", "--top", "0"], ["eval", "analogies"],
    ["phrases", "a"], ["convert", "a", "b", "--to", "pdf"], ["classes", "v", "0"],
    ["nosuchcommand"], ["train", "x.txt", "--checkpoint-every", "soon", "--checkpoint", "c"],
])
def test_usage_errors_are_one_line_and_status_2(tmp_path, capsys, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.txt").write_text("a b c\n")
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("w2v: error: ") and err.count("\n") == 1, err
