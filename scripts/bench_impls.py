"""The trainers under benchmark, and how one run of one of them is measured.

Every trainer runs as its own process and is measured whole: wall time from spawn to exit,
CPU time and peak RSS from the kernel's rusage of that very process (os.wait4), so an
interpreter's start-up and imports count for the Python tools exactly as the vocabulary
scan and the final write count for word2vec.c.
"""
import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PEER_SCRIPT = os.path.join(HERE, "bench_peer_train.py")
LAUNCHER = os.path.join(HERE, "bench_launch.py")


@dataclass
class Settings:
    """One training job, the same for every implementation."""
    config: str
    cbow: int
    hs: int
    negative: int
    threads: int
    iter: int
    size: int = 100
    window: int = 5
    sample: float = 1e-4
    min_count: int = 5
    alpha: float = 0.025


@dataclass
class Measurement:
    wall: float
    user: float
    sys: float
    maxrss_kb: int
    returncode: int


def run_measured(cmd, stdout_path, stderr_path, cwd=None, env=None):
    """Run `cmd` to completion through bench_launch.py (see there why); wall time and the
    rusage of that child alone."""
    launcher = [sys.executable, "-S", LAUNCHER, stdout_path, stderr_path] + list(cmd)
    result = subprocess.run(launcher, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"bench_launch failed: {result.stderr.strip()}")
    m = json.loads(result.stdout)
    return Measurement(m["wall"], m["user"], m["sys"], m["maxrss_kb"], m["returncode"])


class Implementation:
    name = ""
    label = ""

    def problem(self):
        """Why this implementation cannot run here, or None."""
        return None

    def supports(self, settings):
        """False for a configuration this implementation does not train."""
        return True

    def version(self):
        return ""

    def corpus_path(self, corpus, prepare_lines):
        """The file this trainer reads: the plain corpus unless it needs lines."""
        return corpus.path

    def command(self, s, corpus_path, output, expected_words=0):
        """The argv of one run; `expected_words` lets a trainer check it read the corpus."""
        raise NotImplementedError

    def env(self):
        return None

    def cwd(self):
        return None


def _word2vec_c_flags(s, corpus_path, output):
    return ["-train", corpus_path, "-output", output, "-cbow", str(s.cbow), "-size", str(s.size),
            "-window", str(s.window), "-negative", str(s.negative), "-hs", str(s.hs),
            "-sample", str(s.sample), "-min-count", str(s.min_count), "-iter", str(s.iter),
            "-threads", str(s.threads), "-alpha", str(s.alpha), "-binary", "1"]


def _package_version(dist):
    try:
        from importlib.metadata import version
        return version(dist)
    except Exception:
        return ""


class W2V(Implementation):
    """This project, through its word2vec.c drop-in form. By default the in-place build of
    the repository (python -m w2v with PYTHONPATH at the repo), so that no install is needed."""
    name = "w2v"
    label = "w2v"

    def __init__(self, cmd=None):
        self.default = cmd is None
        self.cmd = [sys.executable, "-m", "w2v"] if cmd is None else shlex.split(cmd)

    def problem(self):
        if self.default and not os.path.exists(os.path.join(REPO, "w2v", "cli.py")):
            return f"no w2v/cli.py in {REPO}"
        if not self.default and shutil.which(self.cmd[0]) is None:
            return f"{self.cmd[0]} not found"
        return None

    def version(self):
        try:
            commit = subprocess.run(["git", "-C", REPO, "describe", "--always", "--dirty"],
                                    capture_output=True, text=True).stdout.strip()
        except OSError:
            commit = ""
        cmd = " ".join(self.cmd)
        return f"{cmd} (repo {commit})" if commit else cmd

    def command(self, s, corpus_path, output, expected_words=0):
        return self.cmd + _word2vec_c_flags(s, corpus_path, output)

    def env(self):
        if not self.default:
            return None
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (REPO, env.get("PYTHONPATH")) if p)
        return env

    def cwd(self):
        return REPO if self.default else None


class W2VBatch(W2V):
    """w2v's batched mode (--batch), through its click form; skip-gram only."""
    name = "w2v-batch"
    label = "w2v --batch"

    def supports(self, s):
        return not s.cbow

    def command(self, s, corpus_path, output, expected_words=0):
        return self.cmd + [
            "train", corpus_path, "-o", output, "--binary", "--skip-gram", "--batch",
            "--size", str(s.size), "--window", str(s.window), "--negative", str(s.negative),
            "--hs" if s.hs else "--no-hs", "--sample", str(s.sample),
            "--min-count", str(s.min_count), "--iter", str(s.iter), "--threads", str(s.threads),
            "--alpha", str(s.alpha), "--quiet"]


class W2VBatchPositions(W2VBatch):
    """--batch with two positions sharing each draw of negatives (--batch-positions 2)."""
    name = "w2v-batch2"
    label = "w2v --batch --batch-positions 2"

    def supports(self, s):
        return not s.cbow and s.negative > 0

    def command(self, s, corpus_path, output, expected_words=0):
        return super().command(s, corpus_path, output) + ["--batch-positions", "2"]


class W2VBest(W2V):
    """w2v with --preset best (the measured improvements on word2vec.c's updates)."""
    name = "w2v-best"
    label = "w2v --preset best"

    def command(self, s, corpus_path, output, expected_words=0):
        return self.cmd + [
            "train", corpus_path, "-o", output, "--binary",
            "--cbow" if s.cbow else "--skip-gram", "--preset", "best",
            "--size", str(s.size), "--window", str(s.window), "--negative", str(s.negative),
            "--hs" if s.hs else "--no-hs", "--sample", str(s.sample),
            "--min-count", str(s.min_count), "--iter", str(s.iter), "--threads", str(s.threads),
            "--quiet"]


def find_tool(name):
    """A console tool installed with this Python (not a pyenv shim in front of it)."""
    candidate = os.path.join(sysconfig.get_path("scripts"), name)
    if os.path.exists(candidate):
        return candidate
    return shutil.which(name)


class Word2VecC(Implementation):
    """Mikolov's word2vec.c as built by PyPI's `word2vec` package (gcc -Ofast -march=native)."""
    name = "word2vec.c"
    label = "word2vec.c"

    def __init__(self, binary=None):
        self.binary = binary or find_tool("word2vec")

    def problem(self):
        if not self.binary or not os.path.exists(self.binary):
            return "word2vec binary not found (pip install word2vec==0.11.1)"
        return None

    def version(self):
        v = _package_version("word2vec")
        return f"{self.binary} (PyPI word2vec {v})" if v else str(self.binary)

    def command(self, s, corpus_path, output, expected_words=0):
        return [self.binary] + _word2vec_c_flags(s, corpus_path, output)


class PythonPeer(Implementation):
    """gensim or fastText, trained by bench_peer_train.py in a fresh interpreter."""
    module = ""
    dist = ""

    def problem(self):
        if importlib.util.find_spec(self.module) is None:
            return f"python module {self.module} not installed"
        return None

    def version(self):
        return f"{self.dist} {_package_version(self.dist)}"

    def command(self, s, corpus_path, output, expected_words=0):
        return [sys.executable, PEER_SCRIPT, self.name, corpus_path, output,
                "--cbow", str(s.cbow), "--hs", str(s.hs), "--negative", str(s.negative),
                "--size", str(s.size), "--window", str(s.window), "--sample", str(s.sample),
                "--min-count", str(s.min_count), "--iter", str(s.iter), "--alpha", str(s.alpha),
                "--threads", str(s.threads), "--expected-words", str(expected_words)]


class Gensim(PythonPeer):
    name = "gensim"
    label = "gensim (corpus_file)"
    module = "gensim"
    dist = "gensim"

    def corpus_path(self, corpus, prepare_lines):
        return prepare_lines(corpus)


class GensimIterable(Gensim):
    name = "gensim-iter"
    label = "gensim (iterable)"


class FastText(PythonPeer):
    name = "fasttext"
    label = "fastText"
    module = "fasttext"

    @property
    def dist(self):
        for dist in ("fasttext-wheel", "fasttext"):
            if _package_version(dist):
                return dist
        return "fasttext"


ALIASES = {"word2vec": "word2vec.c", "w2c": "word2vec.c", "ft": "fasttext", "fastText": "fasttext"}
DEFAULT_IMPLS = ["w2v", "word2vec.c", "gensim", "fasttext"]
KNOWN_IMPLS = DEFAULT_IMPLS + ["gensim-iter", "w2v-batch", "w2v-batch2", "w2v-best"]


def make_implementations(names, w2v_cmd=None, word2vec_bin=None):
    table = {"w2v": lambda: W2V(w2v_cmd), "w2v-batch": lambda: W2VBatch(w2v_cmd),
             "w2v-batch2": lambda: W2VBatchPositions(w2v_cmd),
             "w2v-best": lambda: W2VBest(w2v_cmd),
             "word2vec.c": lambda: Word2VecC(word2vec_bin),
             "gensim": Gensim, "gensim-iter": GensimIterable, "fasttext": FastText}
    impls = []
    for name in names:
        name = ALIASES.get(name, name)
        if name not in table:
            raise SystemExit(f"bench: unknown implementation {name!r}; "
                             f"choose from {', '.join(KNOWN_IMPLS)}")
        impls.append(table[name]())
    return impls
