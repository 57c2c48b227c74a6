"""What a hostile tester tries against the vectors readers (w2v.formats, w2v.load and every
command that reads a vectors file): compressed data and pipes, damaged compression, files
truncated while read, headers that lie, rows that never end, non-finite values, .npy
matrices and word lists that disagree, and the pair of files written by `convert`.

Each class of attack has several instances; the command-line ones check that the user
sees exactly one "w2v: error: ..." line, no traceback, and the right exit status."""
import bz2
import gzip
import io
import lzma
import mmap
import os
import re
import struct
import subprocess
import sys
import threading
import tracemalloc
import zipfile

import numpy as np
import pytest

import w2v
from w2v import formats, outputs
from w2v.cli import main
from w2v.errors import UserError
from w2v.evaluate import read_word_pairs
from w2v.formats import read_vectors, write_npy, write_vectors
from w2v.vectors import Vectors, load

PACKAGE_PARENT = os.path.dirname(os.path.dirname(w2v.__file__))
WORDS = [b"</s>", b"the", b"caf\xc3\xa9", b"bad\xff\xfe"]
MATRIX = np.array([[0.5, -1.25, 3.0], [1e-3, 2.0, -0.0], [7.0, 8.5, -9.75], [0.0, 0.0, 1.0]],
                  dtype=np.float32)
MB = 1 << 20


def binary_bytes(words, matrix, newline=True):
    rows = b"".join(w + b" " + struct.pack("<%df" % len(r), *r) + (b"\n" if newline else b"")
                    for w, r in zip(words, matrix.tolist()))
    return b"%d %d\n" % matrix.shape + rows


def text_bytes(words, matrix, header=True):
    rows = b"".join(w + b" " + b" ".join(b"%r" % x for x in r) + b"\n"
                    for w, r in zip(words, matrix.tolist()))
    return (b"%d %d\n" % matrix.shape if header else b"") + rows


def compress(kind, data, member="vectors.bin"):
    if kind == "gz":
        return gzip.compress(data)
    if kind == "bz2":
        return bz2.compress(data)
    if kind == "xz":
        return lzma.compress(data)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, data)
    return out.getvalue()


def cli(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err, code, expected_code=1):
    assert code == expected_code, err
    assert err.startswith("w2v: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def similar_fails(capsys, path, expected_code=1):
    """`w2v similar PATH the` ends in one error line; returns that line."""
    code, out, err = cli(capsys, "similar", path, "the")
    return one_error_line(err, code, expected_code)


def zero_members(path, header, megabytes, kind="gz"):
    """`header` followed by `megabytes` MB of zero bytes, compressed a member at a time:
    concatenated members are one valid stream, and 1 MB of zeros compresses to ~1 KB, so
    gigabytes cost a few MB of disk and no memory here."""
    one = compress(kind, bytes(MB))
    with open(path, "wb") as f:
        f.write(compress(kind, header))
        for _ in range(megabytes):
            f.write(one)
    return path


def peak_bytes(function, *args, **kwargs):
    """(result or exception, peak bytes traced by tracemalloc while `function` ran)."""
    tracemalloc.start()
    try:
        try:
            result = function(*args, **kwargs)
        except Exception as exc:  # noqa: BLE001 (returned for the test to inspect)
            result = exc
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# -------------------------------------------------------------- 1. one opener for all

@pytest.mark.parametrize("kind", ["gz", "bz2", "xz", "zip"])
@pytest.mark.parametrize("binary", [True, False])
def test_compressed_vectors_files(tmp_path, kind, binary):
    data = binary_bytes(WORDS, MATRIX) if binary else text_bytes(WORDS, MATRIX)
    path = tmp_path / f"v.{'bin' if binary else 'txt'}.{kind}"
    path.write_bytes(compress(kind, data))
    words, matrix = read_vectors(str(path))
    assert words == WORDS and np.array_equal(matrix, MATRIX)
    assert formats.detect_format(str(path)) == ("binary" if binary else "text")
    assert load(str(path), limit=2).words == ["</s>", "the"]


def test_compressed_npy_and_word_list(tmp_path):
    buffer = io.BytesIO()
    np.save(buffer, MATRIX)
    (tmp_path / "v.npy.gz").write_bytes(gzip.compress(buffer.getvalue()))
    (tmp_path / "v.vocab").write_bytes(b"".join(w + b"\n" for w in WORDS))
    words, matrix = read_vectors(str(tmp_path / "v.npy.gz"))  # default list: v.vocab
    assert words == WORDS and np.array_equal(matrix, MATRIX)
    (tmp_path / "list.xz").write_bytes(lzma.compress(b"".join(w + b"\n" for w in WORDS)))
    words, _ = read_vectors(str(tmp_path / "v.npy.gz"), vocab_path=str(tmp_path / "list.xz"))
    assert words == WORDS


def _through_fifo(tmp_path, name, data, read):
    fifo = tmp_path / name
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(data))
    writer.start()
    try:
        return read(str(fifo))
    finally:
        writer.join(timeout=10)


@pytest.mark.parametrize("name, data", [
    ("v.bin", binary_bytes(WORDS, MATRIX)),
    ("v.txt", text_bytes(WORDS, MATRIX)),
    ("glove.txt", text_bytes(WORDS, MATRIX, header=False)),
    ("v.bin.gz", gzip.compress(binary_bytes(WORDS, MATRIX))),
    ("v.txt.bz2", bz2.compress(text_bytes(WORDS, MATRIX))),
])
def test_vectors_from_a_fifo(tmp_path, name, data):
    words, matrix = _through_fifo(tmp_path, name, data, read_vectors)
    assert words == WORDS and np.array_equal(matrix, MATRIX)


def test_npy_from_a_fifo(tmp_path):
    buffer = io.BytesIO()
    np.save(buffer, MATRIX)
    (tmp_path / "v.vocab").write_bytes(b"".join(w + b"\n" for w in WORDS))
    words, matrix = _through_fifo(tmp_path, "v.npy", buffer.getvalue(), read_vectors)
    assert words == WORDS and np.array_equal(matrix, MATRIX)


def _w2v(args, stdin_bytes):
    return subprocess.run([sys.executable, "-m", "w2v", *map(str, args)], input=stdin_bytes,
                          capture_output=True, timeout=60,
                          env=dict(os.environ, PYTHONPATH=PACKAGE_PARENT))


def test_standard_input_and_dev_stdin_on_the_command_line(tmp_path):
    data = text_bytes([b"a", b"b", b"c"], np.array([[1, 0], [1, 0.1], [0, 1]], np.float32))
    for source in ("-", "/dev/stdin"):
        done = _w2v(["similar", source, "a", "-n", "1"], data)
        assert done.returncode == 0 and done.stdout.startswith(b"b "), done.stderr
    done = _w2v(["convert", "-", tmp_path / "out.npy"], data)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.vocab").read_bytes() == b"a\nb\nc\n"
    # gzip data on stdin has no name to tell it: said so, in one line
    done = _w2v(["similar", "-", "a"], gzip.compress(data))
    assert done.returncode == 1 and b"gzip-compressed data" in done.stderr
    assert done.stderr.count(b"\n") == 1 and b"Traceback" not in done.stderr


def _damaged(kind):
    good = compress(kind, binary_bytes(WORDS * 50, np.tile(MATRIX, (50, 1))))
    flipped = bytearray(good)
    for i in range(len(good) // 2, len(good) // 2 + 8):
        flipped[i] ^= 0x55
    return {"truncated": good[:len(good) * 2 // 3], "flipped": bytes(flipped),
            "no data": good[:5], "empty": b""}


@pytest.mark.parametrize("kind", ["gz", "bz2", "xz"])
@pytest.mark.parametrize("damage", ["truncated", "flipped", "no data", "empty"])
def test_damaged_compressed_data_is_one_line(tmp_path, capsys, kind, damage):
    path = tmp_path / f"v.bin.{kind}"
    path.write_bytes(_damaged(kind)[damage])
    # (bzip2 checks a block's CRC only at its end: garbage may be decoded before that)
    expected = r"cannot read vectors file .*: corrupt or truncated compressed data" \
        if damage != "flipped" or kind != "bz2" else None
    with pytest.raises(UserError, match=expected):
        read_vectors(str(path))
    err = similar_fails(capsys, path)  # exit 1, never 130 ("interrupted") from an EOFError
    assert "interrupted" not in err


def test_damaged_zip_and_misnamed_compression(tmp_path, capsys):
    good = compress("zip", binary_bytes(WORDS, MATRIX))
    (tmp_path / "v.zip").write_bytes(good[:len(good) // 2])
    assert "zip archive" in similar_fails(capsys, tmp_path / "v.zip")
    (tmp_path / "plain.gz").write_bytes(binary_bytes(WORDS, MATRIX))  # not compressed
    assert "corrupt or truncated compressed data" in similar_fails(capsys, tmp_path / "plain.gz")
    for kind, shown in [("gz", "gzip"), ("bz2", "bzip2"), ("xz", "xz")]:
        (tmp_path / "v.bin").write_bytes(compress(kind, binary_bytes(WORDS, MATRIX)))
        err = similar_fails(capsys, tmp_path / "v.bin")
        assert f"{shown}-compressed data, but the name does not end in .{kind}" in err


def test_damaged_compressed_word_list(tmp_path, capsys):
    np.save(tmp_path / "v.npy", MATRIX)
    words = gzip.compress(b"".join(w + b"\n" for w in WORDS) * 1000)
    (tmp_path / "words.gz").write_bytes(words[:len(words) // 2])
    with pytest.raises(UserError, match=r"cannot read word list .*words.gz: corrupt or "
                                        r"truncated compressed data"):
        read_vectors(str(tmp_path / "v.npy"), vocab_path=str(tmp_path / "words.gz"))


# ------------------------------------------------------------------------ 2. no mmap

def test_no_mmap_and_no_np_load(tmp_path, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the readers must not map or np.load files")
    monkeypatch.setattr(mmap, "mmap", refuse)
    monkeypatch.setattr(np, "load", refuse)
    for name, binary in [("v.bin", True), ("v.txt", False)]:
        write_vectors(str(tmp_path / name), WORDS, MATRIX, binary=binary)
        assert read_vectors(str(tmp_path / name))[0] == WORDS
    write_npy(str(tmp_path / "v.npy"), WORDS, MATRIX)
    assert read_vectors(str(tmp_path / "v.npy"))[0] == WORDS
    assert "mmap" not in vars(formats)


def _truncate_after_first_read(monkeypatch, path, keep):
    """Cut `path` to `keep` bytes once the reader has read its first chunk: a file
    truncated while it is being read (which ended in SIGBUS through mmap)."""
    original = formats._Input._fill
    calls = []

    def fill(self, target):
        got = original(self, target)
        if not calls:
            os.truncate(path, keep)
        calls.append(got)
        return got
    monkeypatch.setattr(formats._Input, "_fill", fill)
    monkeypatch.setattr(formats, "FIRST_CHUNK_BYTES", 4096)


@pytest.mark.parametrize("binary", [True, False])
def test_file_truncated_while_being_read(tmp_path, monkeypatch, capsys, binary):
    rng = np.random.default_rng(0)
    words = [b"w%d" % i for i in range(3000)]
    matrix = rng.standard_normal((3000, 50)).astype(np.float32)
    path = tmp_path / "v"
    write_vectors(str(path), words, matrix, binary=binary)
    size = path.stat().st_size
    _truncate_after_first_read(monkeypatch, path, size // 2)
    expected = r"row \d+ of 3000 .*file ends inside the vector" if binary else \
        r"line \d+: (expected a word and 50 numbers|file ends after \d+ of 3000 rows)"
    with pytest.raises(UserError, match=expected):
        read_vectors(str(path))
    write_vectors(str(path), words, matrix, binary=binary)
    _truncate_after_first_read(monkeypatch, path, size // 2)
    one_error_line(cli(capsys, "similar", path, "w1")[2], 1)


def test_npy_truncated_while_being_read(tmp_path, monkeypatch):
    matrix = np.random.default_rng(0).standard_normal((2000, 40)).astype(np.float32)
    words = [b"w%d" % i for i in range(2000)]
    write_npy(str(tmp_path / "v.npy"), words, matrix)
    _truncate_after_first_read(monkeypatch, tmp_path / "v.npy", 100_000)
    with pytest.raises(UserError, match=r"v.npy: the data ends inside row \d+ of 2000"):
        read_vectors(str(tmp_path / "v.npy"))


# ------------------------------------------------- 3. bounded reads, headers not trusted

def test_four_gigabytes_of_zeros_after_a_header_in_a_subprocess(tmp_path):
    """The reported case: "2 10" and 4 GB of zeros (a 4 MB gzip) took 8 GB before failing.
    Measured in a fresh process: peak resident memory, and time."""
    path = zero_members(tmp_path / "zeros.bin.gz", b"2 10\n", 4096)
    assert path.stat().st_size < 8 * MB
    script = (
        "import resource, sys, time\n"
        "from w2v.formats import read_vectors\n"
        "from w2v.errors import UserError\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "start = time.monotonic()\n"
        "for binary in (None, False):\n"
        "    try:\n"
        "        read_vectors(sys.argv[1], binary=binary)\n"
        "    except UserError as exc:\n"
        "        print(exc)\n"
        "after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print((after - before) // 1024, time.monotonic() - start)\n")
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True,
                          text=True, timeout=60, env=dict(os.environ, PYTHONPATH=PACKAGE_PARENT))
    assert done.returncode == 0, done.stderr
    binary_error, text_error, usage = done.stdout.splitlines()
    assert "row 1 of 2: no word found: no space in the 100000 bytes" in binary_error
    assert "line 2: longer than a word and 10 numbers can be" in text_error
    grown_mb, seconds = usage.split()
    assert int(grown_mb) < 64, usage  # megabytes, for gigabytes of data
    assert float(seconds) < 5, usage


@pytest.mark.parametrize("kind", ["gz", "bz2", "xz"])
@pytest.mark.parametrize("header, binary, message", [
    (b"2 10\n", None, r"row 1 of 2: no word found"),
    (b"2 10\nword ", True, r"row 2 of 2: no word found"),  # a word, then zeros: a "vector"
    (b"2 10\n", False, r"line 2: longer than a word and 10 numbers"),
    (b"the 0.1 0.2\nof ", None, r"line 2: longer than a word and 2 numbers"),  # GloVe
    (b"1000000000 100000\n", None, r"row 1 of 1000000000: no word found"),
    (b"3 2\na 1 2\nb 3 4\n", None, r"line 4: longer than a word and 2 numbers"),
])
def test_endless_rows_in_compressed_streams_use_little_memory(tmp_path, kind, header, binary,
                                                              message):
    path = zero_members(tmp_path / f"v.{kind}", header, 200, kind)  # 200 MB of zeros
    error, peak = peak_bytes(read_vectors, str(path), binary=binary)
    assert isinstance(error, UserError) and re.search(message, str(error)), error
    assert peak < 48 * MB, peak


def test_a_row_longer_than_its_header_allows_is_an_error_at_that_row(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"2 3\na 1 2 3\nb " + b"1 " * 200_000 + b"\n")
    with pytest.raises(UserError, match=r"line 3: longer than a word and 3 numbers can be "
                                        r"\(100192 bytes\)"):
        read_vectors(str(path))
    path.write_bytes(b"1 2\n" + b"w" * 150_000 + b" " + bytes(8))  # a 150 KB word
    with pytest.raises(UserError, match=r"row 1 of 1: no word found: no space in the 100000"):
        read_vectors(str(path), binary=True)
    path.write_bytes(b"a 1 2\n" + b"b" + b" 3" * 100_000 + b"\n")  # headerless
    with pytest.raises(UserError, match=r"line 2: longer than a word and 2 numbers"):
        read_vectors(str(path))


@pytest.mark.parametrize("content, message", [
    (b"1000000000 300\n" + binary_bytes(WORDS[:2], np.zeros((2, 300), np.float32))[8:],
     r"row 3 of 1000000000: file ends early"),
    (b"1000000000 300\na" + b" 0" * 300 + b"\n", r"line 3: file ends after 1 of 1000000000"),
    (b"2000000 100000\n", r"row 1 of 2000000: file ends early"),
    (b"50000 100000\nw " + bytes(400_000), r"row 2 of 50000: file ends early"),
])
def test_a_header_promising_more_than_the_file_holds_allocates_nothing_big(tmp_path, content,
                                                                         message):
    path = tmp_path / "v"
    path.write_bytes(content)
    error, peak = peak_bytes(read_vectors, str(path))
    assert isinstance(error, UserError) and re.search(message, str(error)), error
    assert peak < 40 * MB, peak
    gz = tmp_path / "v.gz"  # the same from a stream, whose size is unknown
    gz.write_bytes(gzip.compress(content))
    error, peak = peak_bytes(read_vectors, str(gz))
    assert isinstance(error, UserError) and re.search(message, str(error)), error
    assert peak < 40 * MB, peak


def _npy_header(shape, dtype="<f4", fortran=False):
    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": dtype, "fortran_order": fortran,
                                                  "shape": shape})
    return buffer.getvalue()


@pytest.mark.parametrize("shape, data_bytes", [
    ((10 ** 9, 300), 4096), ((2, 3), 20), ((1000, 100000), 10 ** 6)])
def test_npy_shape_is_checked_against_the_file_size(tmp_path, capsys, shape, data_bytes):
    path = tmp_path / "v.npy"
    path.write_bytes(_npy_header(shape) + bytes(data_bytes))
    (tmp_path / "v.vocab").write_bytes(b"w\n" * min(shape[0], 1000))
    error, peak = peak_bytes(read_vectors, str(path))
    assert isinstance(error, UserError), error
    assert f"the .npy header promises {shape[0]} rows of {shape[1]} values" in str(error)
    assert peak < 8 * MB, peak
    err = similar_fails(capsys, path)
    assert "file has only" in err


def test_npy_stream_shorter_than_its_shape(tmp_path):
    path = tmp_path / "v.npy.gz"
    path.write_bytes(gzip.compress(_npy_header((10 ** 9, 300)) + bytes(3 * 1200 + 10)))
    (tmp_path / "v.vocab").write_bytes(b"w\n" * 10)
    with pytest.raises(UserError, match=r"has 10 words but the matrix .* has 1000000000 rows"):
        read_vectors(str(path))
    with pytest.raises(UserError, match=r"the data ends inside row 4 of 4"):
        (tmp_path / "v.vocab").write_bytes(b"w\n" * 4)
        path.write_bytes(gzip.compress(_npy_header((4, 300)) + bytes(3 * 1200 + 10)))
        read_vectors(str(path))


@pytest.mark.parametrize("header, message", [
    (_npy_header((4,)), "expected a 2-D float matrix, found 1-D float32"),
    (_npy_header((4, 3), "<i4"), "expected a 2-D float matrix, found 2-D int32"),
    (_npy_header((4, 3), "|O"), "expected a 2-D float matrix"),
    (_npy_header((4, 0)), "the dimension must be 1 to 100000"),
    (_npy_header((4, 100001)), "the dimension must be 1 to 100000"),
    (b"\x93NUMPY\x01\x00\xff\xff{'descr'", "not a readable .npy file"),
    (b"\x93NUMPY\x09\x00", "not a readable .npy file"),
    (b"\x93NUMPY", "not a readable .npy file"),
])
def test_bad_npy_headers(tmp_path, capsys, header, message):
    path = tmp_path / "v.npy"
    path.write_bytes(header + bytes(64))
    (tmp_path / "v.vocab").write_bytes(b"a\nb\nc\nd\n")
    with pytest.raises(UserError, match=message):
        read_vectors(str(path))
    assert message.split("(")[0] in similar_fails(capsys, path)


@pytest.mark.parametrize("damage", ["line break", "python 2"])
def test_npy_headers_that_numpy_parses_as_python_text(tmp_path, capsys, damage):
    """numpy reads a .npy header as a Python literal: a line break inside it raised
    tokenize.TokenError (no ValueError) and a traceback, in vectors files and in the
    arrays of model files; a `2L` (Python 2's long) printed numpy's warning, several
    lines, on stderr."""
    from w2v.model import load_model
    npy = tmp_path / "v.npy"
    write_npy(str(npy), WORDS, MATRIX)
    data = npy.read_bytes()
    start = data.index(b"'shape'")
    if damage == "line break":
        npy.write_bytes(data[:start] + b"(\n" + data[start + 2:])
        code, out, err = cli(capsys, "similar", npy, "the")
        assert one_error_line(err, code) and "EOF in multi-line statement" in err, err

        model = tmp_path / "m.model"
        w2v.train(_tiny_corpus(tmp_path), save_model=str(model), size=4, iter=1,
                  min_count=1, threads=1)
        members = {}
        with zipfile.ZipFile(model) as archive:
            for name in archive.namelist():
                members[name] = archive.read(name)
        counts = members["counts.npy"]
        at = counts.index(b"'shape'")
        members["counts.npy"] = counts[:at] + b"(\n" + counts[at + 2:]
        with zipfile.ZipFile(model, "w") as archive:
            for name, content in members.items():
                archive.writestr(name, content)
        with pytest.raises(UserError, match="counts.npy has no readable .npy header"):
            load_model(str(model))
    else:
        length = data.index(b"\n", 10) + 1 - 10  # the header, padded, up to its newline
        body = data[10:10 + length].rstrip(b" \n").replace(b"(4, 3)", b"(4L, 3L)")
        npy.write_bytes(data[:10] + body + b" " * (length - 1 - len(body)) + b"\n" +
                        data[10 + length:])
        process = subprocess.run(  # (pytest would catch the warning itself)
            [sys.executable, "-m", "w2v", "similar", str(npy), "the", "--top", "1"],
            env=dict(os.environ, PYTHONPATH=PACKAGE_PARENT), capture_output=True,
            timeout=60)
        assert process.returncode == 0 and process.stderr == b"", process.stderr


def _tiny_corpus(tmp_path):
    path = tmp_path / "text.txt"
    path.write_text("a b c d e f\n" * 50)
    return str(path)


def test_endless_questions_or_pairs_are_bounded(tmp_path, monkeypatch, capsys):
    """Questions and word pairs are held whole: `eval analogies v.bin /dev/urandom` (or
    an endless pipe) grew until the OOM killer ended the process. Now an error past a
    bound far beyond any published set."""
    from w2v import evaluate
    monkeypatch.setattr(evaluate, "MAX_QUESTIONS", 100)
    monkeypatch.setattr(evaluate, "MAX_QUESTION_TOKENS", 4 * 100 + 4096)
    monkeypatch.setattr(evaluate, "MAX_PAIRS", 100)
    questions, pairs = tmp_path / "q.txt", tmp_path / "pairs.txt"
    questions.write_text(": s\n" + "a b c d\n" * 1200)
    pairs.write_text("a b 1\n" * 101)
    with pytest.raises(UserError, match="more than 100 questions"):
        evaluate.read_questions(str(questions))
    with pytest.raises(UserError, match="more than 100 word pairs"):
        evaluate.read_word_pairs(str(pairs))
    questions.write_text(": s\n" + "a b c d\n" * 100)
    assert len(evaluate.read_questions(str(questions))[0][1]) == 100


def test_numbers_with_underscores_are_not_numbers(tmp_path, capsys):
    """Python's float() reads b"1_0" as 10 (C's atof, and word2vec.c's tools, read 1):
    a text vectors file or a word-pair score meant another number to w2v than to them,
    silently. An error at its line now, as any other text that is not a number."""
    path = tmp_path / "v.txt"
    path.write_bytes(b"3 2\nthe 1 2\nof 1_0 2\nand 3 4\n")
    assert "line 3: not a number: '1_0'" in similar_fails(capsys, path)
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("the\tof\t2\nof\tand\t1_0\nthe\tand\t3\n")
    with pytest.raises(UserError, match="line 2: the score is not a number: '1_0'"):
        read_word_pairs(str(pairs))
    pairs.write_text("the\tof\t2\nof\tand\t\u0665\nthe\tand\t3\n")  # an Arabic-Indic 5
    with pytest.raises(UserError, match="line 2: the score is not a number"):
        read_word_pairs(str(pairs))


def test_npy_other_layouts_still_read(tmp_path):
    words = [b"a", b"b", b"c", b"d"]
    (tmp_path / "v.vocab").write_bytes(b"a\nb\nc\nd\n")
    for array in (MATRIX.astype(">f4"), MATRIX.astype(np.float64), MATRIX.astype(np.float16),
                  np.asfortranarray(MATRIX)):
        np.save(tmp_path / "v.npy", array)
        got_words, got = read_vectors(str(tmp_path / "v.npy"))
        assert got_words == words and got.dtype == np.float32
        assert np.array_equal(got, array.astype(np.float32))
        assert np.array_equal(read_vectors(str(tmp_path / "v.npy"), limit=2)[1],
                              array[:2].astype(np.float32))


def _repeated_members(path, header, line, megabytes):
    one = gzip.compress(line * (MB // len(line)))
    with open(path, "wb") as f:
        f.write(gzip.compress(header))
        for _ in range(megabytes):
            f.write(one)


def test_many_newlines_between_binary_rows(tmp_path):
    # word2vec.c skips newlines before a word; thousands are still fine and fast
    body = b"".join(b"\n" * 5000 + w + b" " + r.tobytes() for w, r in zip(WORDS, MATRIX))
    path = tmp_path / "v.bin"
    path.write_bytes(b"4 3\n" + body)
    words, matrix = read_vectors(str(path))
    assert words == WORDS and np.array_equal(matrix, MATRIX)
    # but a run of newlines longer than a word can be is not read to its end
    _repeated_members(tmp_path / "nl.bin.gz", b"1 3\n", b"\n", 50)
    error, peak = peak_bytes(read_vectors, str(tmp_path / "nl.bin.gz"), binary=True)
    assert isinstance(error, UserError) and "row 1 of 1: no word found" in str(error)
    assert peak < 32 * MB


def test_blank_lines_after_a_headerless_file(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_bytes(b"the 0.1 0.2\nof 0.3 0.4\n\n \n\r\n")
    assert read_vectors(str(path))[0] == [b"the", b"of"]
    path.write_bytes(b"the 0.1 0.2\n\nof 0.3 0.4\n")
    with pytest.raises(UserError, match=r"line 2: an empty line"):
        read_vectors(str(path))
    # 100 MB of blank lines: not read to the end
    _repeated_members(tmp_path / "g.txt.gz", b"the 0.1 0.2\n", b"\n", 100)
    error, peak = peak_bytes(read_vectors, str(tmp_path / "g.txt.gz"))
    assert isinstance(error, UserError) and "line 2: an empty line" in str(error)
    assert peak < 32 * MB


# ---------------------------------------------------------------------------- 4. headers

@pytest.mark.parametrize("header, message", [
    (b"-50 10", r"bad header '-50 10': the word count and the dimension must be whole"),
    (b"50.0 10", r"bad header '50.0 10': the word count and the dimension must be whole"),
    (b"10 -3", r"bad header '10 -3': the word count and the dimension must be whole"),
    (b"1e3 10", r"bad header '1e3 10'"),
    (b"+5 10", r"bad header '\+5 10'"),
    (b"3 0.5", r"bad header '3 0.5'"),
    (b"3 0", r"the dimension must be at least 1, not 0"),
    (b"99999999999999999999 100", r"bad header '99999999999999999999 100': absurd numbers"),
    (b"10 99999999999999999999999", r"absurd numbers"),
    (b"10 99999999", r"the dimension 99999999 is above w2v's maximum of 100000"),
    (b"10 100001", r"the dimension 100001 is above w2v's maximum of 100000"),
    (b"1099511627777 10", r"absurd numbers"),
])
def test_bad_headers_are_one_clear_line(tmp_path, capsys, header, message):
    path = tmp_path / "v.txt"
    path.write_bytes(header + b"\n" + b"a 1 2 3 4 5 6 7 8 9 10\n" * 3)
    with pytest.raises(UserError, match=r"line 1: bad header") as caught:
        read_vectors(str(path))
    assert re.search(message, str(caught.value)), caught.value
    err = similar_fails(capsys, path)
    assert "out of memory" not in err and "expected a word and" not in err


def test_other_first_lines(tmp_path, capsys):
    path = tmp_path / "v"
    for content, message in [
            (b"", "empty file, not a vectors file"),
            (b"\n\n", "line 1: expected a 'COUNT DIMENSION' header, found ''"),
            (b"hello world\n", "line 1: expected a 'COUNT DIMENSION' header"),
            (b"42\n", "line 1: expected a 'COUNT DIMENSION' header, found '42'"),
            (b"x" * (7 * MB), "line 1 is longer than any header or row can be"),
            (b"w" + b" 1" * 100_001 + b"\n", "line 1: 100001 numbers after the word, more "
                                             "than w2v's maximum dimension 100000")]:
        path.write_bytes(content)
        with pytest.raises(UserError, match=message):
            read_vectors(str(path))
        assert message in similar_fails(capsys, path)


def test_headerless_glove_files_still_read(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_bytes(b"the 0.5\nof -1\n")  # dimension 1: the word is no number
    words, matrix = read_vectors(str(path))
    assert words == [b"the", b"of"] and matrix.tolist() == [[0.5], [-1]]
    path.write_bytes(b"7 0.5 1\n8 2 3\n")  # numbers as words, three fields: still rows
    assert read_vectors(str(path))[0] == [b"7", b"8"]
    assert read_vectors(str(path), limit=0)[1].shape == (0, 2)
    assert read_vectors(str(path), limit=1)[0] == [b"7"]


# ------------------------------------------------------------------- 5. non-finite values

NAN_CASES = [
    ("nan in text", b"4 2\na 1 2\nb nan 1\nc 3 4\nd 1 -inf\n", r"line 3 \('b'\)", "2 of the 4"),
    ("inf in text", b"2 2\na inf 1\nb 0 0\n", r"line 2 \('a'\)", "1 of the 2"),
    ("beyond float32", b"2 2\na 1 2\nb 1e39 0\n", r"line 3 \('b'\)", "1 of the 2"),
    ("NaN spelt oddly", b"3 2\na NaN 1\nb -Infinity 2\nc 1 1\n", r"line 2 \('a'\)", "2 of the 3"),
    ("headerless", b"x 1 2\ny 2 nan\n", r"line 2 \('y'\)", "1 of the 2"),
    ("binary NaN bits", binary_bytes([b"ok", b"bad"], np.array(
        [[1, 2], [np.nan, 1]], np.float32)), r"row 2 of 2 \('bad'\)", "1 of the 2"),
    ("binary inf", binary_bytes([b"p", b"q", b"r"], np.array(
        [[np.inf, 2], [-np.inf, 1], [0, 0]], np.float32)), r"row 1 of 3 \('p'\)", "2 of the 3"),
]


@pytest.mark.parametrize("name, content, where, how_many", NAN_CASES,
                         ids=[c[0] for c in NAN_CASES])
def test_non_finite_values_are_rejected_naming_the_row(tmp_path, capsys, name, content, where,
                                                       how_many):
    path = tmp_path / "v"
    path.write_bytes(content)
    with pytest.raises(UserError, match=where + r" has a value that is not a finite number"):
        read_vectors(str(path))
    with pytest.raises(UserError, match=how_many + " rows read ha(s|ve) such values"):
        load(str(path))
    code, out, err = cli(capsys, "similar", path, "a")
    one_error_line(err, code)
    assert out == "" and "-inf" not in err


def test_non_finite_rows_outside_the_limit_are_not_read(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"3 2\na 1 2\nb 2 1\nc nan 0\n")
    assert read_vectors(str(path), limit=2)[0] == [b"a", b"b"]


def test_non_finite_in_npy(tmp_path, capsys):
    matrix = MATRIX.astype(np.float64)
    matrix[2, 1] = 1e300  # finite in float64, infinite in float32
    np.save(tmp_path / "v.npy", matrix)
    (tmp_path / "v.vocab").write_bytes(b"a\nb\nc\nd\n")
    with pytest.raises(UserError, match=r"row 3 of 4 \('c'\) has a value that is not a "
                                        r"finite number .*1 of the 4 rows"):
        read_vectors(str(tmp_path / "v.npy"))
    one_error_line(cli(capsys, "eval", "analogies", tmp_path / "v.npy")[2], 1)


def test_similarity_evaluation_never_prints_nan(tmp_path, capsys):
    path = tmp_path / "v.txt"
    path.write_bytes(b"3 2\nking 1 0\nqueen nan 1\nman 0 1\n")
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("king queen 9\nking man 2\nqueen man 3\n")
    code, out, err = cli(capsys, "eval", "similarity", path, pairs)
    one_error_line(err, code)
    assert "nan" not in out and "RuntimeWarning" not in err


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_vectors_object_refuses_non_finite_matrices(bad):
    matrix = MATRIX.copy()
    matrix[1, 2] = bad
    matrix[3, 0] = bad
    with pytest.raises(ValueError, match=r"the row of 'the' \(index 1\) has NaN or infinity; "
                                         r"2 of the 4 rows"):
        Vectors(WORDS, matrix)


def test_huge_finite_values_still_give_sensible_cosines():
    big = Vectors(["a", "b", "c"], np.array([[1e30, 1e30], [1e30, 0], [3e38, 3e38]],
                                            np.float32))
    assert big.similarity("a", "b") == pytest.approx(2 ** -0.5, rel=1e-6)
    assert big.similarity("a", "c") == pytest.approx(1.0, rel=1e-6)
    assert big.most_similar("a", topn=1)[0][0] == "c"


@pytest.fixture
def king_vectors():
    return Vectors(["king", "queen", "man", "woman", "apple"], np.array(
        [[1, 1, 0], [1, 0, 1], [0, 1, 0], [0, 0, 1], [-1, 0, 0]], dtype=np.float32))


@pytest.mark.parametrize("value", [-1, 2.5, "3", None, float("nan"), True])
def test_a_topn_that_is_not_a_count_is_refused(king_vectors, value):
    """topn=2.5 or None failed inside numpy with a TypeError about partitions or '<'."""
    with pytest.raises(ValueError, match="topn must be a whole number"):
        king_vectors.most_similar("king", topn=value)
    with pytest.raises(ValueError, match="topn must be a whole number"):
        king_vectors.analogy("man", "king", "woman", method="mul", topn=value)


@pytest.mark.parametrize("restrict", [-1, 2.5, "3", True])
def test_evaluations_refuse_a_restrict_that_is_not_a_count(king_vectors, tmp_path, restrict):
    """evaluate_analogies(restrict=-1) and evaluate_similarity(restrict=-1) silently left
    out the last word (the fix of most_similar's restrict had not reached them), and
    column=0 read the default third field, column=-1 another one."""
    pairs = tmp_path / "pairs.txt"
    pairs.write_text("king queen 8\nman woman 7\nking apple 1\n")
    with pytest.raises(ValueError, match="restrict must be"):
        king_vectors.evaluate_analogies(restrict=restrict)
    with pytest.raises(ValueError, match="restrict must be"):
        king_vectors.evaluate_similarity(str(pairs), restrict=restrict)
    for column in (0, -1, 1.5):
        with pytest.raises(ValueError, match="column must be"):
            king_vectors.evaluate_similarity(str(pairs), column=column)
    assert king_vectors.evaluate_similarity(str(pairs), restrict=None).used == 3


@pytest.mark.parametrize("query, message", [
    (np.array([np.nan, 0, 0]), "finite"), (np.array([np.inf, 1, 1], np.float32), "finite"),
    (np.ones(2), r"shape \(3,\)"), (np.ones((2, 3)), r"shape \(3,\)")])
def test_query_vectors_that_mean_nothing_are_refused(king_vectors, query, message):
    """A NaN query vector scored every word -inf, and the first words came back as its
    answers; a vector of the wrong width failed inside numpy."""
    with pytest.raises(ValueError, match=message):
        king_vectors.most_similar(query)
    with pytest.raises(ValueError, match=message):
        king_vectors.nearest(query)


def test_huge_query_vectors_still_point_somewhere(king_vectors):
    """Their length overflowed: 3e38s (float32) and 1e300s (float64) were scaled to zero
    and every word scored 0."""
    expected = king_vectors.most_similar(king_vectors["king"])
    assert king_vectors.most_similar(king_vectors["king"] * np.float32(1e38)) == expected
    huge = king_vectors["king"].astype(np.float64) * 1e300
    assert [w for w, _ in king_vectors.nearest(huge)] == \
        [w for w, _ in king_vectors.nearest(king_vectors["king"])]


def test_vectors_of_no_dimension_are_refused():
    """They were saved as a "2 0" header that no reader (w2v's, word2vec.c's) takes."""
    with pytest.raises(ValueError, match="D at least 1"):
        Vectors(["a", "b"], np.zeros((2, 0)))


def test_a_path_holding_a_nul_byte_is_a_usage_error(tmp_path, king_vectors, capsys):
    """A NUL byte in a path raised the system calls' ValueError ("embedded null byte"):
    from the library (w2v.load, save, train...) and from main(argv) called from Python
    (no process's own arguments can hold one)."""
    from w2v.errors import UsageError
    for call in (lambda: w2v.load("a\0b"), lambda: king_vectors.save("o\0.txt"),
                 lambda: w2v.train(["a\0b"]), lambda: w2v.load_model("m\0"),
                 lambda: w2v.resume("c\0"),
                 lambda: king_vectors.evaluate_similarity("p\0")):
        with pytest.raises(UsageError, match="holds a NUL byte"):
            call()
    for args in (["similar", "v\0.txt", "the"], ["convert", "v.txt", "o\0.txt"],
                 ["train", "c\0.txt", "-o", "v.txt"], ["phrases", "a", "\0"]):
        code, _, err = cli(capsys, *args)
        assert "holds a NUL byte" in one_error_line(err, code, 2)


@pytest.mark.parametrize("bad", [None, 123, ["v.txt"]], ids=["None", "int", "list"])
def test_what_is_no_file_name_is_a_usage_error_from_the_library(tmp_path, king_vectors, bad):
    """w2v.load(None), load_model(123), resume(None), Vectors.save(123), the evaluations'
    file arguments and word2phrase raised Python's TypeError from deep inside (os.fspath)
    where w2v.train(123) already said what was wrong."""
    from w2v.errors import UsageError
    from w2v.phrases import word2phrase
    text = tmp_path / "text.txt"
    text.write_text("a b c\n")
    calls = [lambda: w2v.load(bad), lambda: w2v.load_model(bad), lambda: w2v.resume(bad),
             lambda: king_vectors.save(bad if bad is not None else 1),
             lambda: king_vectors.save(str(tmp_path / "v.npy"), vocab_path=bad or 1),
             lambda: w2v.load(str(tmp_path / "v.npy"), vocab_path=bad or 1),
             lambda: king_vectors.evaluate_analogies(questions=bad or 1),
             lambda: king_vectors.evaluate_similarity(bad),
             lambda: word2phrase(bad, str(tmp_path / "out.txt")),
             lambda: word2phrase(str(text), bad if bad is not None else 1)]
    for call in calls:
        with pytest.raises(UsageError, match=r"path must be a file name \(str, bytes or "
                                             r"os.PathLike\), not "):
            call()


# ---------------------------------------------------------------------- 6. paired outputs

def _old_pair(tmp_path):
    write_npy(str(tmp_path / "v.npy"), [b"old1", b"old2"], np.ones((2, 3), np.float32))
    return {name: (tmp_path / name).read_bytes() for name in ("v.npy", "v.vocab")}


def _leftovers(tmp_path):
    return [p.name for p in tmp_path.iterdir() if p.name.endswith(outputs.TEMP_SUFFIX)]


def test_a_failure_while_writing_the_matrix_leaves_the_old_pair(tmp_path, monkeypatch):
    before = _old_pair(tmp_path)

    def disk_full(*args, **kwargs):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(np, "save", disk_full)
    with pytest.raises(UserError, match="No space left on device"):
        write_npy(str(tmp_path / "v.npy"), WORDS, MATRIX)
    assert {n: (tmp_path / n).read_bytes() for n in before} == before
    assert _leftovers(tmp_path) == []


def test_a_failure_renaming_the_second_file_restores_the_first(tmp_path, monkeypatch):
    before = _old_pair(tmp_path)
    original = os.replace
    calls = []

    def replace(src, dst, *args, **kwargs):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(5, "Input/output error")
        return original(src, dst, *args, **kwargs)
    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(UserError, match="Input/output error"):
        Vectors(["a", "b", "c", "d"], MATRIX).save(str(tmp_path / "v.npy"))
    monkeypatch.setattr(os, "replace", original)
    assert {n: (tmp_path / n).read_bytes() for n in before} == before
    assert read_vectors(str(tmp_path / "v.npy"))[0] == [b"old1", b"old2"]


def test_convert_to_npy_replaces_the_pair_together(tmp_path, capsys, monkeypatch):
    before = _old_pair(tmp_path)
    source = tmp_path / "in.bin"
    write_vectors(str(source), WORDS, MATRIX, binary=True)
    assert cli(capsys, "convert", source, tmp_path / "v.npy")[0] == 0
    assert read_vectors(str(tmp_path / "v.npy"))[0] == WORDS
    _old_pair(tmp_path)
    monkeypatch.setattr(np, "save", lambda *a, **k: (_ for _ in ()).throw(OSError(28, "full")))
    code, _, err = cli(capsys, "convert", source, tmp_path / "v.npy")
    one_error_line(err, code)
    assert {n: (tmp_path / n).read_bytes() for n in before} == before


def test_matrix_and_word_list_must_be_two_files(tmp_path):
    with pytest.raises(UserError, match="would be the same file"):
        write_npy(str(tmp_path / "v.npy"), WORDS, MATRIX, vocab_path=str(tmp_path / "v.npy"))


@pytest.mark.parametrize("listed, found", [(3, "3 words"), (5, "more than 4 words"),
                                           (0, "0 words")])
def test_npy_and_word_list_from_different_runs(tmp_path, capsys, listed, found):
    np.save(tmp_path / "v.npy", MATRIX)
    (tmp_path / "v.vocab").write_bytes(b"w\n" * listed)
    message = (f"the word list {tmp_path / 'v.vocab'} has {found} but the matrix "
               f"{tmp_path / 'v.npy'} has 4 rows: they do not belong together (from "
               "different runs?)")
    with pytest.raises(UserError) as caught:
        read_vectors(str(tmp_path / "v.npy"))
    assert message in str(caught.value)
    assert message in similar_fails(capsys, tmp_path / "v.npy")


def test_words_that_cannot_be_written(tmp_path):
    for bad in (b"new york", b"two\nlines"):
        for write in (lambda p: write_vectors(p, [b"ok", bad], np.eye(2, dtype=np.float32)),
                      lambda p: write_npy(p + ".npy", [b"ok", bad], np.eye(2))):
            with pytest.raises(UserError, match=r"word 2 .* contains a space or a newline"):
                write(str(tmp_path / "out"))
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- 7. word lists

def test_word_list_line_without_end_is_bounded(tmp_path):
    np.save(tmp_path / "v.npy", MATRIX)
    _repeated_members(tmp_path / "words.gz", b"", b"x", 200)  # 200 MB on one line
    error, peak = peak_bytes(read_vectors, str(tmp_path / "v.npy"),
                             vocab_path=str(tmp_path / "words.gz"))
    assert isinstance(error, UserError), error
    assert "word list" in str(error) and "line 1: longer than 1048576 bytes" in str(error)
    assert peak < 48 * MB, peak
    (tmp_path / "words.txt").write_bytes(b"a\nb\n" + b"y" * (2 * MB) + b"\nc\n")
    with pytest.raises(UserError, match=r"words.txt, line 3: longer than 1048576 bytes"):
        read_vectors(str(tmp_path / "v.npy"), vocab_path=str(tmp_path / "words.txt"))


def test_a_word_list_much_longer_than_the_matrix_is_not_read_to_its_end(tmp_path):
    np.save(tmp_path / "v.npy", MATRIX)
    _repeated_members(tmp_path / "words.gz", b"", b"w\n", 200)  # 100 M words
    error, peak = peak_bytes(read_vectors, str(tmp_path / "v.npy"),
                             vocab_path=str(tmp_path / "words.gz"))
    assert isinstance(error, UserError) and "has more than 4 words" in str(error)
    assert peak < 64 * MB, peak


def test_word_list_variants(tmp_path):
    np.save(tmp_path / "v.npy", MATRIX[:3])
    for content in (b"a\nb\nc\n", b"a\nb\nc", b"a\r\nb\r\nc\r\n", b"a 10\nb 5\nc 1\n",
                    b"a 10\r\nb 5\r\nc 1"):
        (tmp_path / "v.vocab").write_bytes(content)
        assert formats.read_word_list(str(tmp_path / "v.vocab")) == [b"a", b"b", b"c"]
        assert read_vectors(str(tmp_path / "v.npy"))[0] == [b"a", b"b", b"c"]
    (tmp_path / "list.bz2").write_bytes(bz2.compress(b"a\n\xff\xfe\nc\n"))
    assert formats.read_word_list(str(tmp_path / "list.bz2")) == [b"a", b"\xff\xfe", b"c"]


# ------------------------------------------------------- 8. what worked before still works

@pytest.mark.parametrize("binary", [True, False])
def test_large_file_round_trip_across_chunks(tmp_path, monkeypatch, binary):
    """Rows that straddle the reader's chunks, in plain files and streams."""
    monkeypatch.setattr(formats, "CHUNK_BYTES", 1000)
    monkeypatch.setattr(formats, "FIRST_CHUNK_BYTES", 100)
    monkeypatch.setattr(formats, "GROW_BYTES", 64)
    monkeypatch.setattr(formats, "TEXT_BATCH_LINES", 7)
    rng = np.random.default_rng(1)
    words = [b"w%d" % i * (i % 5 + 1) for i in range(500)]
    matrix = rng.standard_normal((500, 20)).astype(np.float32)
    path = tmp_path / "v"
    write_vectors(str(path), words, matrix, binary=binary)
    (tmp_path / "v.gz").write_bytes(gzip.compress(path.read_bytes()))
    for name in ("v", "v.gz"):
        got_words, got = read_vectors(str(tmp_path / name))
        assert got_words == words
        assert np.allclose(got, matrix, atol=5e-7) and got.flags["C_CONTIGUOUS"]
        assert read_vectors(str(tmp_path / name), limit=123)[0] == words[:123]
    write_npy(str(tmp_path / "m.npy"), words, matrix)
    assert np.array_equal(read_vectors(str(tmp_path / "m.npy"))[1], matrix)


def test_binary_rows_without_newlines_and_text_without_final_newline(tmp_path):
    path = tmp_path / "v"
    path.write_bytes(binary_bytes(WORDS, MATRIX, newline=False))
    assert read_vectors(str(path))[0] == WORDS
    path.write_bytes(text_bytes(WORDS, MATRIX).rstrip(b"\n"))
    assert np.array_equal(read_vectors(str(path))[1], MATRIX)
    path.write_bytes(text_bytes(WORDS, MATRIX).replace(b"\n", b"\r\n"))
    assert read_vectors(str(path))[0] == WORDS


def test_a_file_read_as_it_is_being_written_by_word2vec_c_style_pipes(tmp_path):
    """A writer that sends the file a few bytes at a time through a FIFO."""
    data = binary_bytes(WORDS * 30, np.tile(MATRIX, (30, 1)))
    fifo = tmp_path / "slow.bin"
    os.mkfifo(fifo)

    def write_slowly():
        with open(fifo, "wb", buffering=0) as f:
            for i in range(0, len(data), 7):
                f.write(data[i:i + 7])
    writer = threading.Thread(target=write_slowly)
    writer.start()
    try:
        words, matrix = read_vectors(str(fifo))
    finally:
        writer.join(timeout=10)
    assert words == WORDS * 30 and np.array_equal(matrix, np.tile(MATRIX, (30, 1)))


def test_zip_members_are_joined(tmp_path):
    """Two members of a zip are read one after the other, as the corpus reader does."""
    data = binary_bytes(WORDS, MATRIX)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a", data[:30])
        archive.writestr("b", data[30:])
    (tmp_path / "v.zip").write_bytes(out.getvalue())
    assert read_vectors(str(tmp_path / "v.zip"))[0] == WORDS


def test_convert_checks_its_outputs_before_reading(tmp_path, capsys):
    code, _, err = cli(capsys, "convert", tmp_path / "missing.bin", tmp_path / "no" / "x.npy")
    assert "directory" in one_error_line(err, code) and "missing.bin" not in err
    source = tmp_path / "v.txt"
    write_vectors(str(source), WORDS, MATRIX)
    assert cli(capsys, "convert", source, source, "--limit", "2")[0] == 0  # in place: safe
    assert read_vectors(str(source))[0] == WORDS[:2]
    code, _, err = cli(capsys, "convert", source, tmp_path / "v.npy", "--vocab", source)
    assert "would destroy the input" in one_error_line(err, code, 2)


def test_convert_never_writes_over_the_word_list_it_reads(tmp_path, capsys):
    """`convert a.npy a.vocab` (or `--vocab x.txt` with OUT x.txt) read the word list,
    then wrote the vectors over it: a.npy had no words any more. `--vocab` names the
    list read and the one written: with --limit, the shorter list replaced a.npy's."""
    npy, words = tmp_path / "a.npy", tmp_path / "a.vocab"
    write_npy(str(npy), WORDS, MATRIX)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    for args in ([npy, words], [npy, tmp_path / "x.txt", "--vocab", tmp_path / "x.txt"],
                 [npy, tmp_path / "b.npy", "--vocab", words, "--limit", "2"],
                 [npy, words, "--to", "binary"]):
        if args[-1] == tmp_path / "x.txt":
            (tmp_path / "x.txt").write_bytes(words.read_bytes())
            before["x.txt"] = words.read_bytes()
        code, _, err = cli(capsys, "convert", *args)
        assert "would destroy the word list of the input" in one_error_line(err, code, 2)
        assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    # the same list read and written whole, or IN rewritten in place with it: safe
    assert cli(capsys, "convert", npy, tmp_path / "b.npy", "--vocab", words)[0] == 0
    assert words.read_bytes() == before["a.vocab"]
    assert cli(capsys, "convert", npy, npy, "--limit", "2")[0] == 0
    assert read_vectors(str(npy))[0] == WORDS[:2]
    # nor do the other commands that read an .npy file and write one
    before = words.read_bytes()
    code, _, err = cli(capsys, "classes", npy, "2", "-o", words)
    assert "would destroy the word list" in one_error_line(err, code, 2)
    assert words.read_bytes() == before


def test_an_npy_written_to_a_device_needs_its_word_list_named(tmp_path, capsys):
    """`convert v.txt /dev/stdout --to npy` made /dev/stdout.vocab, a new file in /dev."""
    if not os.access("/dev/null", os.W_OK):
        pytest.skip("no writable /dev/null")
    source = tmp_path / "v.txt"
    write_vectors(str(source), WORDS, MATRIX)
    before = set(os.listdir("/dev"))
    for target in ("/dev/null", "/dev/stdout", "/dev/null.npy"):
        code, _, err = cli(capsys, "convert", source, target, "--to", "npy")
        assert "name it with --vocab FILE" in one_error_line(err, code, 2)
    with pytest.raises(UserError, match="name it with --vocab"):
        load(str(source)).save("/dev/null.npy")
    assert set(os.listdir("/dev")) == before
    assert cli(capsys, "convert", source, "/dev/null", "--to", "npy", "--vocab",
               tmp_path / "words.vocab")[0] == 0
    assert (tmp_path / "words.vocab").read_bytes() == b"".join(w + b"\n" for w in WORDS)


@pytest.mark.parametrize("word", [b"a\tb", b"a\rb", b"", b"\t"])
def test_a_text_file_whose_first_word_holds_a_tab_or_is_empty_is_read_as_text(tmp_path, word):
    """The format test split the first row at every blank, the text reader at the first
    space: such a file was taken for binary, and its rows silently read as garbage."""
    path = tmp_path / "v.txt"
    write_vectors(str(path), [word, b"c"], np.eye(2, dtype=np.float32))
    words, matrix = read_vectors(str(path))
    assert words == [word, b"c"]
    np.testing.assert_array_equal(matrix, np.eye(2))


@pytest.mark.parametrize("binary", [False, True])
def test_rows_beyond_the_header_count_are_an_error_not_dropped(tmp_path, capsys, binary):
    """`cat a.txt b.txt > both.txt` read as a.txt alone, b's rows silently dropped."""
    one, both = tmp_path / "one", tmp_path / "both"
    write_vectors(str(one), WORDS, MATRIX, binary=binary)
    both.write_bytes(one.read_bytes() * 2)
    with pytest.raises(UserError, match=r"more rows follow the \d+ its header announces"):
        read_vectors(str(both))
    assert read_vectors(str(both), limit=2)[0] == WORDS[:2]  # asked for the first rows
    one.write_bytes(one.read_bytes() + b"\n\n  \n")  # trailing blank lines are fine
    assert read_vectors(str(one))[0] == WORDS
