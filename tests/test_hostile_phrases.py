"""`w2v phrases` against a hostile user: damaged and odd inputs, outputs that would destroy
an input, pipes, endless tokens, absurd option values, signals and killed runs.

Every failure must be one line "w2v: error: ..." with the documented exit status, leave
no temporary file behind and leave a previous output as it was.
"""
import bz2
import fcntl
import gzip
import lzma
import os
import random
import signal
import subprocess
import sys
import threading
import time
import zipfile

import pytest

import w2v.phrases as phrases
from w2v.cli import main
from w2v.errors import UsageError, UserError

PREVIOUS = b"the previous output\n"


# ---------------------------------------------------------------------------- helpers

def reference_output(data):
    """word2phrase's output when nothing is joined, by its ReadWord rules one byte at a
    time: "\\r" dropped, words split at space, tab and newline and cut to 58 bytes, each
    newline (and a literal "</s>") a line end, the last word dropped unless followed by
    whitespace."""
    out, word = [], bytearray()
    for byte in data:
        if byte == 13:
            continue
        if byte in (9, 10, 32):
            if word:
                out.append(b"\n" if word == b"</s>" else b" " + bytes(word))
                word.clear()
            if byte == 10:
                out.append(b"\n")
            continue
        if len(word) < phrases.MAX_TOKEN_BYTES:
            word.append(byte)
    return b"".join(out)


def random_text(seed, words=2000, vocabulary=40):
    rng = random.Random(seed)
    units = [b"w%d" % i for i in range(vocabulary)] + [b"new york"] * 3
    out = [rng.choice(units) + rng.choice([b" ", b" ", b" ", b"\n"]) for _ in range(words)]
    return b"".join(out)


def cli(capsys, *args):
    """Run `w2v ARGS` in this process: (exit status, stderr lines)."""
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err.splitlines()


def assert_one_error_line(lines, *fragments):
    assert len(lines) == 1, lines
    assert lines[0].startswith("w2v: error: "), lines
    for fragment in fragments:
        assert fragment in lines[0], lines


def leftovers(directory):
    """Temporary files of w2v (".NAME.w2v-PID-XXXX.tmp") in `directory`."""
    return sorted(name for name in os.listdir(directory) if ".w2v-" in name)


def wait_for_temporary(directory, output_name, pid, timeout=30):
    """The path of a non-empty temporary file of `output_name` made by process `pid`,
    once one appears."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in os.scandir(directory):
            if entry.name.startswith(f".{output_name}.w2v-{pid}-") and \
                    entry.name.endswith(".tmp"):
                try:
                    if entry.stat().st_size > 0:
                        return entry.path
                except FileNotFoundError:
                    continue
        time.sleep(0.005)
    raise AssertionError(f"no temporary file of {output_name} appeared")


def command(*args):
    return [sys.executable, "-m", "w2v.cli", "phrases", *map(str, args)]


@pytest.fixture
def text_file(tmp_path):
    path = tmp_path / "in.txt"
    path.write_bytes(random_text(0))
    return path


@pytest.fixture(scope="module")
def big_text(tmp_path_factory):
    """About 3 MB of text: a second or two of work per pass."""
    rng = random.Random(1)
    vocabulary = [b"w%d" % i for i in range(60000)]
    words = rng.choices(vocabulary, k=500_000)
    data = b"\n".join(b" ".join(words[i:i + 12]) for i in range(0, len(words), 12)) + b"\n"
    path = tmp_path_factory.mktemp("big") / "big.txt"
    path.write_bytes(data)
    return path


# ------------------------------------------------ 1. one opener, one kind of read error

def _damaged(kind, data):
    """`data` compressed as `kind`, with its second half missing or its middle garbled."""
    how, extension = kind.split("-")
    packed = {"gz": gzip.compress, "bz2": bz2.compress, "xz": lzma.compress}[extension](data)
    if how == "truncated":
        return packed[:len(packed) // 2]
    middle = len(packed) // 2
    return packed[:middle] + bytes(b ^ 0x55 for b in packed[middle:middle + 64]) \
        + packed[middle + 64:]


@pytest.mark.parametrize("kind", ["truncated-gz", "truncated-bz2", "truncated-xz",
                                  "garbled-gz", "garbled-bz2", "garbled-xz"])
def test_damaged_compressed_input_is_one_line(tmp_path, capsys, kind):
    data = random_text(3, words=60000, vocabulary=5000)
    source = tmp_path / f"in.txt.{kind.split('-')[1]}"
    source.write_bytes(_damaged(kind, data))
    out = tmp_path / "out.txt"
    out.write_bytes(PREVIOUS)
    code, lines = cli(capsys, "phrases", source, out, "--passes", "2")
    assert code == 1  # not 130 "interrupted", as when an EOFError reached click
    assert_one_error_line(lines, f"cannot read input text {source}: corrupt or truncated")
    assert out.read_bytes() == PREVIOUS and leftovers(tmp_path) == []


@pytest.mark.parametrize("name, content, message", [
    ("plain.gz", b"not gzip at all\n", "corrupt or truncated"),
    ("plain.bz2", b"not bzip2 at all\n", "corrupt or truncated"),
    ("plain.xz", b"not xz at all\n", "corrupt or truncated"),
    ("plain.zip", b"not a zip at all\n", "not a valid zip archive"),
    ("empty.gz", b"", "corrupt or truncated"),  # as gzip -t sees it (see commit 8a4b623)
])
def test_misnamed_input_is_one_line(tmp_path, capsys, name, content, message):
    (tmp_path / name).write_bytes(content)
    code, lines = cli(capsys, "phrases", tmp_path / name, tmp_path / "out.txt", "--quiet")
    if message is None:
        assert code == 0 and (tmp_path / "out.txt").read_bytes() == b""
    else:
        assert code == 1 and not (tmp_path / "out.txt").exists()
        assert_one_error_line(lines, message)
    assert leftovers(tmp_path) == []


def test_missing_directory_and_empty_inputs(tmp_path, capsys):
    (tmp_path / "folder").mkdir()
    for path, message in ((tmp_path / "missing.txt", "no such file"),
                          (tmp_path / "folder", "directory"),
                          ("", "empty")):
        code, lines = cli(capsys, "phrases", path, tmp_path / "out.txt")
        assert code in (1, 2)
        assert_one_error_line(lines, message)
    assert not (tmp_path / "out.txt").exists()


def test_compressed_inputs_give_the_same_output(tmp_path, text_file):
    data = text_file.read_bytes()
    expected_path = tmp_path / "expected.txt"
    phrases.word2phrase(text_file, expected_path, threshold=1)
    expected = expected_path.read_bytes()
    assert b"new_york" in expected
    for extension, pack in ((".gz", gzip.compress), (".bz2", bz2.compress),
                            (".XZ", lzma.compress)):  # the extension's case is ignored
        source = tmp_path / ("in.txt" + extension)
        source.write_bytes(pack(data))
        phrases.word2phrase(source, tmp_path / "out.txt", threshold=1)
        assert (tmp_path / "out.txt").read_bytes() == expected, extension


def test_zip_members_are_read_one_after_the_other(tmp_path, text_file):
    data = text_file.read_bytes()
    phrases.word2phrase(text_file, tmp_path / "expected.txt", threshold=1)
    single = tmp_path / "single.zip"
    with zipfile.ZipFile(single, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("in.txt", data)
    phrases.word2phrase(single, tmp_path / "out.txt", threshold=1)
    assert (tmp_path / "out.txt").read_bytes() == (tmp_path / "expected.txt").read_bytes()
    # members ending with a newline: as their concatenation; each ends like a file (a last
    # word without whitespace after it is dropped), a folder entry is skipped
    lines = data.split(b"\n")
    half = len(lines) // 2
    first, second = b"\n".join(lines[:half]) + b"\n", b"\n".join(lines[half:])
    several = tmp_path / "several.zip"
    with zipfile.ZipFile(several, "w") as archive:
        archive.writestr("a.txt", first + b"dropped")
        archive.writestr("sub/", b"")
        archive.writestr("sub/b.txt", second)
    phrases.word2phrase(several, tmp_path / "out.txt", threshold=1)
    (tmp_path / "joined.txt").write_bytes(first + second)
    phrases.word2phrase(tmp_path / "joined.txt", tmp_path / "expected.txt", threshold=1)
    assert (tmp_path / "out.txt").read_bytes() == (tmp_path / "expected.txt").read_bytes()


# --------------------------------------------------------------------------- 2. outputs

@pytest.mark.parametrize("how", ["same", "symlink", "hardlink", "dotted", "symlinked-dir"])
def test_output_that_is_the_input_is_refused(tmp_path, capsys, text_file, how):
    before = text_file.read_bytes()
    if how == "same":
        out = text_file
    elif how == "symlink":
        out = tmp_path / "link.txt"
        out.symlink_to(text_file)
    elif how == "hardlink":
        out = tmp_path / "hard.txt"
        os.link(text_file, out)
    elif how == "dotted":
        out = f"{tmp_path}/./sub/../in.txt"
        (tmp_path / "sub").mkdir()
    else:
        (tmp_path / "alias").symlink_to(tmp_path)
        out = tmp_path / "alias" / "in.txt"
    code, lines = cli(capsys, "phrases", text_file, out, "--passes", "3")
    assert code == 2
    assert_one_error_line(lines, "is the same file as the input text")
    assert text_file.read_bytes() == before and leftovers(tmp_path) == []


def test_output_that_is_standard_input_is_refused(tmp_path, text_file):
    before = text_file.read_bytes()
    with open(text_file, "rb") as stdin:
        done = subprocess.run(command("-", text_file), stdin=stdin, capture_output=True)
    assert done.returncode == 2
    assert done.stderr.decode().count("\n") == 1
    assert b"is the same file as the input text" in done.stderr
    assert text_file.read_bytes() == before


@pytest.mark.parametrize("out, message", [
    ("missing/out.txt", "does not exist"),
    ("folder", "directory"),
])
def test_unwritable_outputs_are_one_line(tmp_path, capsys, text_file, out, message):
    (tmp_path / "folder").mkdir()
    code, lines = cli(capsys, "phrases", text_file, tmp_path / out)
    assert code in (1, 2)
    assert_one_error_line(lines, message)
    assert leftovers(tmp_path) == []


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")
def test_full_device_is_one_line(capsys, text_file):
    code, lines = cli(capsys, "phrases", text_file, "/dev/full", "--passes", "2", "--quiet")
    assert code == 1
    assert_one_error_line(lines, "/dev/full", "No space left")


def test_full_disk_during_a_pass_removes_everything(tmp_path, text_file):
    """A file size limit (as a full disk) while writing the output of pass 1."""
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a kill
        import resource
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    out = tmp_path / "out.txt"
    out.write_bytes(PREVIOUS)
    done = subprocess.run(command(text_file, out, "--passes", "2", "--threshold", "1"),
                          preexec_fn=limit, capture_output=True)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.decode().splitlines()
    assert_one_error_line(lines, f"cannot write phrases file {out}", "pass 1")
    assert out.read_bytes() == PREVIOUS and leftovers(tmp_path) == []


def test_pass_files_are_named_after_the_output_locked_and_removed(tmp_path, text_file):
    out = tmp_path / "out.txt"
    seen = []

    def progress(stage, name, nbytes, total):
        if ".w2v-" in os.path.basename(name) and not seen:  # reading pass 1's output
            seen.append(name)
            assert os.path.basename(name).startswith(f".out.txt.w2v-{os.getpid()}-")
            with open(name, "rb") as other:  # held by the running job: not swept
                with pytest.raises(BlockingIOError):
                    fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    phrases.word2phrase(text_file, out, threshold=1, passes=3, progress=progress)
    assert seen and leftovers(tmp_path) == []


@pytest.mark.parametrize("failing_pass", [1, 2, 3])
def test_an_error_in_any_pass_removes_every_temporary_file(tmp_path, text_file, failing_pass):
    out = tmp_path / "out.txt"
    out.write_bytes(PREVIOUS)
    reports = []

    def progress(stage, name, nbytes, total):
        if len(reports) == failing_pass - 1 and stage == "writing":
            raise RuntimeError("boom")
    with pytest.raises(RuntimeError):
        phrases.word2phrase(text_file, out, threshold=1, passes=3, progress=progress,
                            report=reports.append)
    assert out.read_bytes() == PREVIOUS and leftovers(tmp_path) == []


@pytest.mark.parametrize("passes", ["1", "2"])
@pytest.mark.parametrize("change", ["truncate", "append", "replace"])
def test_input_changed_between_counting_and_writing(tmp_path, capsys, monkeypatch, change,
                                                    passes):
    """Each pass reads its input twice: a file cut (or rewritten) in between gave a cut
    output, joined by the counts of the other text, with status 0."""
    source = tmp_path / "in.txt"
    source.write_bytes(b"new york is big\n" * 5000)
    original = phrases.count

    def count(path, *args, **kwargs):
        counted = original(path, *args, **kwargs)
        if change == "truncate":
            os.truncate(source, 100)
        elif change == "append":
            with open(source, "ab") as f:
                f.write(b"more text\n")
        elif os.path.exists(source):  # replaced once, by another file
            (tmp_path / "other").write_bytes(b"other text\n")
            os.replace(tmp_path / "other", source)
        return counted
    monkeypatch.setattr(phrases, "count", count)
    out = tmp_path / "out.txt"
    code, lines = cli(capsys, "phrases", source, out, "--passes", passes, "--quiet")
    assert code == 1
    assert_one_error_line(lines, "changed while it was read")
    assert not out.exists() and leftovers(tmp_path) == []


def test_output_to_a_pipe_through_dev_stdout(tmp_path, text_file):
    phrases.word2phrase(text_file, tmp_path / "expected.txt", threshold=1, passes=2)
    done = subprocess.run(command(text_file, "/dev/stdout", "--threshold", "1", "--passes",
                                  "2", "--quiet"), capture_output=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (tmp_path / "expected.txt").read_bytes()
    assert leftovers(tmp_path) == []


# ------------------------------------------------------ 3. inputs that can be read once

def _feed_fifo(path, data):
    def write():
        with open(path, "wb") as fifo:
            fifo.write(data)
    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def _finish(thread, path):
    thread.join(timeout=10)
    if thread.is_alive():  # the reader never came: unblock the writer's open()
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
    assert not thread.is_alive()


@pytest.mark.parametrize("passes", [1, 3])
def test_fifo_input(tmp_path, capsys, text_file, passes):
    phrases.word2phrase(text_file, tmp_path / "expected.txt", threshold=1, passes=passes)
    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)
    writer = _feed_fifo(fifo, text_file.read_bytes())
    code, lines = cli(capsys, "phrases", fifo, tmp_path / "out.txt", "--threshold", "1",
                      "--passes", passes)
    _finish(writer, fifo)
    assert code == 0, lines
    assert any("into a temporary file" in line for line in lines)
    assert (tmp_path / "out.txt").read_bytes() == (tmp_path / "expected.txt").read_bytes()
    assert leftovers(tmp_path) == []


def test_compressed_fifo_input_keeps_its_format(tmp_path, capsys, text_file):
    """The spooled copy of `in.gz` (a FIFO) is still read as gzip: its name tells."""
    phrases.word2phrase(text_file, tmp_path / "expected.txt", threshold=1)
    fifo = tmp_path / "in.txt.gz"
    os.mkfifo(fifo)
    writer = _feed_fifo(fifo, gzip.compress(text_file.read_bytes()))
    code, lines = cli(capsys, "phrases", fifo, tmp_path / "out.txt", "--threshold", "1")
    _finish(writer, fifo)
    assert code == 0, lines
    assert (tmp_path / "out.txt").read_bytes() == (tmp_path / "expected.txt").read_bytes()


def test_damaged_compressed_fifo_is_one_line(tmp_path, capsys):
    fifo = tmp_path / "in.txt.xz"
    os.mkfifo(fifo)
    writer = _feed_fifo(fifo, _damaged("truncated-xz", random_text(4, words=20000)))
    code, lines = cli(capsys, "phrases", fifo, tmp_path / "out.txt", "--quiet")
    _finish(writer, fifo)
    assert code == 1
    assert_one_error_line(lines, f"cannot read input text {fifo}: corrupt or truncated")
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("name", ["-", "/dev/stdin"])
def test_standard_input(tmp_path, text_file, name):
    phrases.word2phrase(text_file, tmp_path / "expected.txt", threshold=1, passes=2)
    out = tmp_path / "out.txt"
    done = subprocess.run(command(name, out, "--threshold", "1", "--passes", "2"),
                          input=text_file.read_bytes(), capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == (tmp_path / "expected.txt").read_bytes()
    assert b"Reading" in done.stderr and b"into a temporary file" in done.stderr
    assert leftovers(tmp_path) == []


def test_full_disk_while_copying_standard_input(tmp_path):
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a kill
        import resource
        resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
    done = subprocess.run(command("-", tmp_path / "out.txt", "--quiet"), preexec_fn=limit,
                          input=random_text(8), capture_output=True, timeout=60)
    assert done.returncode == 1
    lines = done.stderr.decode().splitlines()
    assert_one_error_line(lines, "cannot copy standard input to ", "File too large")
    assert not (tmp_path / "out.txt").exists() and leftovers(tmp_path) == []


def test_empty_standard_input(tmp_path):
    done = subprocess.run(command("-", tmp_path / "out.txt"), input=b"",
                          capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.txt").read_bytes() == b"" and leftovers(tmp_path) == []


# ------------------------------------------------------------------ 4. bounded memory

PEAK = """
import resource, sys
from w2v.phrases import word2phrase
word2phrase(sys.argv[1], sys.argv[2], passes=int(sys.argv[3]), threshold=1)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def _peak_kib(source, out, passes=1):
    done = subprocess.run([sys.executable, "-c", PEAK, str(source), str(out), str(passes)],
                          capture_output=True, check=True, timeout=120)
    return int(done.stdout)


def test_a_token_without_end_takes_no_memory(tmp_path):
    megabytes = 50
    source = tmp_path / "endless.txt"
    with open(source, "wb") as f:
        f.write(b"a b\n")
        for _ in range(megabytes):
            f.write(b"x" * (1 << 20))
        f.write(b" tail\n")
    (tmp_path / "small.txt").write_bytes(b"a b\n" + b"x" * 100 + b" tail\n")
    baseline = _peak_kib(tmp_path / "small.txt", tmp_path / "small-out.txt")
    for passes in (1, 2):
        peak = _peak_kib(source, tmp_path / "out.txt", passes)
        # the old carry-over held the whole token, more than once: 184 MB for 50 MB
        assert peak - baseline < 16 * 1024, (peak, baseline)
        assert (tmp_path / "out.txt").read_bytes() == b" a b\n " + b"x" * 58 + b" tail\n"
    compressed = tmp_path / "endless.txt.gz"
    with gzip.open(compressed, "wb", compresslevel=1) as f:
        for _ in range(megabytes):
            f.write(b"y" * (1 << 20))
        f.write(b"\n")
    assert _peak_kib(compressed, tmp_path / "out.txt") - baseline < 16 * 1024
    assert (tmp_path / "out.txt").read_bytes() == b" " + b"y" * 58 + b"\n"


def _long_token_text(seed):
    """Tokens around 58 bytes long (with "\\r" inside, which does not count), "</s>"
    literals, vertical tabs, runs of whitespace, bytes that are not UTF-8."""
    rng = random.Random(seed)
    out = []
    for _ in range(400):
        n = rng.choice([1, 3, 56, 57, 58, 59, 60, 61, 130, 500])
        token = bytes(rng.choice(b"abc\xff\x0b") for _ in range(n))
        r = rng.random()
        if r < 0.1:
            cut = rng.randrange(n + 1)
            token = token[:cut] + b"\r" * rng.randint(1, 3) + token[cut:]
        elif r < 0.15:
            token = b"</s>"
        elif r < 0.4:
            token = b"ab"  # frequent: some pairs are joined
        out.append(token)
        out.append(rng.choice([b" ", b" ", b"\t", b"\n", b"\r\n", b"  \n\n", b" \r "]))
    return b"".join(out)


@pytest.mark.parametrize("seed", range(3))
def test_long_tokens_across_blocks_keep_word2phrase_rules(tmp_path, monkeypatch, seed):
    data = _long_token_text(seed) + (b"\n" if seed % 2 else b"unended" * 20)
    source = tmp_path / "in.txt"
    source.write_bytes(data)
    out = tmp_path / "out.txt"
    phrases.word2phrase(source, out, threshold=1e30)  # nothing joined: only the reading
    assert out.read_bytes() == reference_output(data)
    phrases.word2phrase(source, out, min_count=1, threshold=0.5, passes=2)
    expected = out.read_bytes()
    assert b"_" in expected
    for size in (3, 57, 58, 59, 64, 1000):
        monkeypatch.setattr(phrases, "CHUNK_BYTES", size)
        phrases.word2phrase(source, out, min_count=1, threshold=0.5, passes=2)
        assert out.read_bytes() == expected, size


def test_carry_is_bounded_whatever_the_block_size(monkeypatch):
    """What is carried from block to block never exceeds a token's 58 bytes."""
    carried = []
    real_tokens = phrases._tokens

    def tokens(data):
        carried.append(len(data))
        return real_tokens(data)
    monkeypatch.setattr(phrases, "_tokens", tokens)
    monkeypatch.setattr(phrases, "CHUNK_BYTES", 100)
    blocks = [b"z" * 100] * 50 + [b" end\n"]
    monkeypatch.setattr(phrases, "_blocks", lambda text: iter(blocks + [None]))
    chunks = list(phrases._token_chunks("unused"))
    assert chunks == [[b"z" * 58, b"end", b"</s>"]]
    assert carried == [phrases.MAX_TOKEN_BYTES + 5]


# -------------------------------------------------------------------- 5. option values

@pytest.mark.parametrize("options, message", [
    (["--threshold", "nan"], "--threshold must be a finite number"),
    (["--threshold", "inf"], "--threshold must be a finite number"),
    (["--threshold=-inf"], "--threshold must be a finite number"),
    (["--threshold", "1e39"], "--threshold must be a finite number"),  # inf as a float
    (["--threshold", "5", "--threshold", "NaN"], "not nan"),
    (["--threshold", "lots"], "--threshold"),
    (["--min-count", "-5"], "--min-count must be from 0"),
    (["--min-count", "99999999999999999999"], "--min-count must be from 0"),
    (["--min-count", "2.5"], "--min-count"),
    (["--passes", "1000000000"], "--passes must be from 1 to 100"),
    (["--passes", "101"], "--passes must be from 1 to 100"),
    (["--passes", "0"], "--passes must be from 1 to 100"),
    (["--passes", "-3"], "--passes must be from 1 to 100"),
    (["--threshold", "1"] * 101, "at most 100 passes"),
    (["--max-entries", "5"], "--max-entries"),
    (["--bogus"], "--bogus"),
])
def test_bad_option_values_are_usage_errors(tmp_path, capsys, text_file, options, message):
    out = tmp_path / "out.txt"
    out.write_bytes(PREVIOUS)
    code, lines = cli(capsys, "phrases", text_file, out, *options)
    assert code == 2
    assert_one_error_line(lines, message)
    assert out.read_bytes() == PREVIOUS and leftovers(tmp_path) == []


@pytest.mark.parametrize("options", [
    dict(threshold=float("nan")), dict(threshold=[1.0, float("inf")]), dict(threshold=[]),
    dict(threshold="100"), dict(min_count=-1), dict(min_count=True), dict(min_count=2.0),
    dict(passes=10**9), dict(passes=0), dict(max_entries=-1), dict(max_entries=0),
])
def test_library_refuses_bad_values_before_any_work(tmp_path, text_file, options):
    with pytest.raises(UsageError):
        phrases.word2phrase(text_file, tmp_path / "out.txt", **options)
    assert not (tmp_path / "out.txt").exists()


def test_extreme_but_valid_values(tmp_path, capsys, text_file):
    out = tmp_path / "out.txt"
    for options in (["--threshold", "-3.4e38", "--min-count", "0"],
                    ["--threshold", "3.4e38", "--min-count", "2147483647"],
                    ["--passes", "100", "--threshold", "1", "--quiet"]):
        code, lines = cli(capsys, "phrases", text_file, out, *options)
        assert code == 0, lines
    assert b"new_york" in out.read_bytes() and leftovers(tmp_path) == []


# ------------------------------------------------------------ 6. signals and leftovers

def _stop(process, signum):
    process.send_signal(signum)
    try:
        return process.wait(timeout=30)
    finally:
        process.kill()


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM])
def test_signal_during_a_pass(tmp_path, big_text, signum):
    out = tmp_path / "out.txt"
    out.write_bytes(PREVIOUS)
    process = subprocess.Popen(command(big_text, out, "--passes", "2"),
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    wait_for_temporary(tmp_path, "out.txt", process.pid)  # pass 1 is writing its output
    status = _stop(process, signum)
    error = process.stderr.read().decode()
    process.stderr.close()
    assert status == 128 + signum, error
    assert error.splitlines()[-1].startswith("w2v: error: stopped by ")
    assert out.read_bytes() == PREVIOUS and leftovers(tmp_path) == []


STDIN_DATA = (b"one two three four five six seven\n" * 50000)[: 3 << 19]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGQUIT, signal.SIGUSR1,
                                    signal.SIGALRM])
def test_signal_while_copying_standard_input(tmp_path, signum):
    out = tmp_path / "out.txt"
    out.write_bytes(PREVIOUS)
    process = subprocess.Popen(command("-", out), stdin=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    data = STDIN_DATA  # 1.5 MB: the copy waits for more

    def feed():
        try:
            process.stdin.write(data)
            process.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass
    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    wait_for_temporary(tmp_path, "out.txt", process.pid)
    status = _stop(process, signum)
    writer.join(timeout=10)
    process.stdin.close()
    error = process.stderr.read().decode()
    process.stderr.close()
    assert status == 128 + signum, error
    assert error.splitlines()[-1].startswith("w2v: error: ")
    assert out.read_bytes() == PREVIOUS and leftovers(tmp_path) == []


def test_files_of_a_killed_run_are_swept_by_the_next(tmp_path, capsys, big_text):
    out = tmp_path / "out.txt"
    process = subprocess.Popen(command(big_text, out, "--passes", "2"),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    wait_for_temporary(tmp_path, "out.txt", process.pid)
    assert _stop(process, signal.SIGKILL) == -signal.SIGKILL
    left = leftovers(tmp_path)
    assert left  # SIGKILL cannot be caught: the file stays, unlocked
    old = time.time() - 3600
    for name in left:
        os.utime(tmp_path / name, (old, old))
    (tmp_path / "small.txt").write_bytes(random_text(6))
    code, lines = cli(capsys, "phrases", tmp_path / "small.txt", out, "--quiet")
    assert code == 0, lines
    assert leftovers(tmp_path) == []


def test_stale_temporary_files_made_by_hand(tmp_path, capsys, text_file):
    old = time.time() - 3600
    stale = [tmp_path / ".out.txt.w2v-999999-0123456789ab.tmp",  # a killed run's
             tmp_path / ".out.txt.w2v-4242-spool-00000000.tmp"]
    young = tmp_path / ".out.txt.w2v-999998-0123456789ab.tmp"  # maybe being created
    held = tmp_path / ".out.txt.w2v-999997-0123456789ab.tmp"   # a live run's
    other = tmp_path / ".other.txt.w2v-999999-0123456789ab.tmp"  # another output's
    for path in stale + [young, held, other]:
        path.write_bytes(b"x" * 100)
    for path in stale + [held, other]:
        os.utime(path, (old, old))
    with open(held, "rb") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        code, lines = cli(capsys, "phrases", text_file, tmp_path / "out.txt", "--quiet",
                          "--passes", "2")
    assert code == 0, lines
    assert leftovers(tmp_path) == sorted(p.name for p in (young, held, other))


def test_errors_leave_no_traceback_through_the_library_either(tmp_path):
    """The library raises UserError (never an EOFError or an OSError) for bad data."""
    source = tmp_path / "in.txt.gz"
    source.write_bytes(_damaged("truncated-gz", random_text(7, words=50000)))
    with pytest.raises(UserError, match="corrupt or truncated"):
        phrases.count(str(source))
    with pytest.raises(UserError, match="corrupt or truncated"):
        phrases.word2phrase(source, tmp_path / "out.txt")
    assert leftovers(tmp_path) == []
