"""The README's "Running unattended" recipes, end to end: the nightly cron script and the
Makefile that rebuilds vectors only when the corpus changes."""
import os
import random
import shutil
import signal
import subprocess
import sys
import time

import pytest

import w2v

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NIGHTLY = os.path.join(ROOT, "scripts", "unattended", "nightly.sh")
MAKEFILE = os.path.join(ROOT, "scripts", "unattended", "vectors.mk")
SAMPLE = os.path.join(os.path.dirname(w2v.__file__), "data", "sample-enwiki.txt.gz")
OPTIONS = ["--size", "16", "--window", "3", "--min-count", "3", "--iter", "3", "--threads", "2",
           "--debug", "1"]

pytestmark = pytest.mark.skipif(shutil.which("flock") is None or shutil.which("make") is None,
                                reason="needs flock and make")


@pytest.fixture
def w2v_command(tmp_path):
    """A `w2v` executable for the scripts, running this checkout's package."""
    path = tmp_path / "bin" / "w2v"
    path.parent.mkdir()
    package_parent = os.path.dirname(os.path.dirname(w2v.__file__))
    path.write_text(f"#!/bin/sh\nPYTHONPATH={package_parent} exec {sys.executable} -m w2v \"$@\"\n")
    path.chmod(0o755)
    return str(path)


def text_with_groups(path, groups, lines, seed):
    rng = random.Random(seed)
    with open(path, "w") as f:
        for _ in range(lines):
            group = rng.choice(groups)
            f.write(" ".join(rng.choice(group) for _ in range(12)) + "\n")


def nightly(w2v_command, text, state, published, gate, *extra, **popen):
    env = dict(os.environ, W2V=w2v_command, GATE=gate)
    return subprocess.Popen(["sh", NIGHTLY, str(text), str(state), str(published), *OPTIONS,
                             *extra], env=env, stderr=subprocess.PIPE, **popen)


def test_nightly_retraining(tmp_path, w2v_command):
    groups = [[f"{c}{i}" for i in range(6)] for c in "abcd"]
    pairs = tmp_path / "pairs.tsv"  # same-group pairs are similar, others not
    pairs.write_text("a0\ta1\t9\nb0\tb2\t9\nc1\tc3\t9\na0\tb0\t1\nc2\td2\t1\nb4\td5\t1\n")
    gate = f"similarity {pairs} 0.5"
    state, published = tmp_path / "state", tmp_path / "vectors.bin"

    # night 1: from scratch
    text_with_groups(tmp_path / "day1.txt", groups, 2000, 1)
    process = nightly(w2v_command, tmp_path / "day1.txt", state, published, gate)
    err = process.communicate(timeout=300)[1].decode()
    assert process.returncode == 0, err
    first = w2v.load(str(published))
    assert "published" in err and (state / "model").exists()
    assert not (state / "checkpoint").exists()

    # night 2: yesterday's model continued, with the new words of today's text
    grown = [g + [g[0][0] + "new"] for g in groups]
    text_with_groups(tmp_path / "day2.txt", grown, 2000, 2)
    process = nightly(w2v_command, tmp_path / "day2.txt", state, published, gate)
    err = process.communicate(timeout=300)[1].decode()
    assert process.returncode == 0, err
    second = w2v.load(str(published))
    assert len(second) == len(first) + 4 and "anew" in second

    # night 3: vectors that fail the gate are not published, the model is not adopted
    before, model_before = published.read_bytes(), (state / "model").read_bytes()
    text_with_groups(tmp_path / "day3.txt", grown, 500, 3)
    process = nightly(w2v_command, tmp_path / "day3.txt", state, published,
                      f"similarity {pairs} 0.9999")
    err = process.communicate(timeout=300)[1].decode()
    assert process.returncode == 3, err
    assert "gate refused" in err
    assert published.read_bytes() == before and (state / "model").read_bytes() == model_before


def test_nightly_run_killed_then_resumed(tmp_path, w2v_command):
    state, published = tmp_path / "state", tmp_path / "vectors.bin"
    text = tmp_path / "news.txt.gz"
    shutil.copy(SAMPLE, text)
    gate = "analogies 0"
    process = nightly(w2v_command, text, state, published, gate, "--iter", "20",
                      start_new_session=True)
    seen = []
    for line in process.stderr:  # wait until training has started
        seen.append(line.decode())
        if line.startswith(b"Memory for the matrices"):
            break
    time.sleep(1.5)
    os.killpg(process.pid, signal.SIGTERM)  # what a scheduler's time limit does
    err = "".join(seen) + process.communicate(timeout=120)[1].decode()
    assert process.returncode != 0, err
    assert (state / "checkpoint").exists(), err
    assert not published.exists()

    # the next night resumes the stopped run, publishes it, then trains the new text
    process = nightly(w2v_command, text, state, published, gate, "--iter", "1")
    err = process.communicate(timeout=600)[1].decode()
    assert process.returncode == 0, err
    assert "resuming the run that was stopped" in err and err.count("published") == 2
    assert not (state / "checkpoint").exists()
    assert w2v.load(str(published)).dim == 16


def test_makefile_rebuilds_only_when_the_corpus_changes(tmp_path, w2v_command):
    corpus = tmp_path / "corpus.txt"
    text_with_groups(corpus, [[f"{c}{i}" for i in range(5)] for c in "xyz"], 500, 4)

    def make():
        return subprocess.run(["make", "-f", MAKEFILE, f"W2V={w2v_command}",
                               f"CORPUS={corpus}", f"VECTORS={tmp_path / 'v.bin'}",
                               "OPTIONS=--size 8 --min-count 1 --iter 1 --quiet"],
                              capture_output=True, text=True, cwd=tmp_path)
    assert make().returncode == 0
    built = (tmp_path / "v.bin").stat().st_mtime_ns
    result = make()
    assert result.returncode == 0 and "up to date" in result.stdout
    assert (tmp_path / "v.bin").stat().st_mtime_ns == built
    time.sleep(0.01)
    with open(corpus, "a") as f:
        f.write("x1 y1 z1\n")
    assert make().returncode == 0
    assert (tmp_path / "v.bin").stat().st_mtime_ns > built
    # a checkpoint left from an older corpus is dropped, not resumed
    (tmp_path / "v.bin.checkpoint").write_bytes(b"not a checkpoint")
    os.utime(corpus)
    result = make()
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "v.bin.checkpoint").exists()


def test_recipes_keep_a_checkpoint_whose_resume_failed_for_another_reason(tmp_path,
                                                                          w2v_command):
    """Both recipes dropped the checkpoint whenever `--resume` failed with status 1, which
    is also a full disk while writing the outputs, when the checkpoint holds the whole
    trained state: the next night (or `make`) trained from scratch. Only status 4 (it can
    never be resumed) drops it now."""
    failing = tmp_path / "bin" / "w2v-disk-full"
    failing.write_text(f"#!/bin/sh\nif [ \"$2\" = --resume ]; then echo 'w2v: error: cannot "
                       f"write v.bin: No space left on device' >&2; exit 1; fi\n"
                       f"exec {w2v_command} \"$@\"\n")
    failing.chmod(0o755)
    corpus = tmp_path / "corpus.txt"
    text_with_groups(corpus, [[f"{c}{i}" for i in range(5)] for c in "xyz"], 500, 4)
    checkpoint = tmp_path / "v.bin.checkpoint"
    checkpoint.write_bytes(b"the trained state")
    result = subprocess.run(["make", "-f", MAKEFILE, f"W2V={failing}", f"CORPUS={corpus}",
                             f"VECTORS={tmp_path / 'v.bin'}",
                             "OPTIONS=--size 8 --min-count 1 --iter 1 --quiet"],
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode != 0 and "No space left" in result.stderr, result.stderr
    assert checkpoint.read_bytes() == b"the trained state"
    assert not (tmp_path / "v.bin").exists()  # and no training from scratch was started

    state = tmp_path / "state"
    state.mkdir()
    (state / "checkpoint").write_bytes(b"the trained state")
    env = dict(os.environ, W2V=str(failing), GATE="analogies 0")
    process = subprocess.run(["sh", NIGHTLY, str(corpus), str(state),
                              str(tmp_path / "published.bin"), *OPTIONS], env=env,
                             capture_output=True, text=True, timeout=300)
    assert process.returncode == 1, process.stderr
    assert (state / "checkpoint").read_bytes() == b"the trained state"
    assert "dropping" not in process.stderr
