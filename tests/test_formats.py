"""Reading and writing vector files, byte by byte, in every variant the field produces."""
import gzip
import struct

import numpy as np
import pytest

from w2v.errors import UserError
from w2v.formats import detect_format, npy_vocab_path, read_vectors, write_npy, write_vectors

WORDS = [b"</s>", b"the", b"caf\xc3\xa9", b"bad\xff\xfe"]  # the last is not valid UTF-8
MATRIX = np.array([[0.5, -1.25, 3.0], [1e-3, 2.0, -0.0], [7.0, 8.5, -9.75], [0.0, 0.0, 1.0]],
                  dtype=np.float32)


def binary_bytes(words, matrix, newline=True):
    rows = b"".join(w + b" " + struct.pack("<%df" % len(r), *r) + (b"\n" if newline else b"")
                    for w, r in zip(words, matrix.tolist()))
    return b"%d %d\n" % matrix.shape + rows


def test_binary_writer_bytes(tmp_path):
    path = tmp_path / "v.bin"
    write_vectors(str(path), WORDS, MATRIX, binary=True)
    assert path.read_bytes() == binary_bytes(WORDS, MATRIX)


def test_text_writer_bytes_match_word2vec_c(tmp_path):
    path = tmp_path / "v.txt"
    write_vectors(str(path), WORDS[:2], MATRIX[:2], binary=False)
    assert path.read_bytes() == (b"2 3\n</s> 0.500000 -1.250000 3.000000 \n"
                                 b"the 0.001000 2.000000 -0.000000 \n")


@pytest.mark.parametrize("newline", [True, False])
def test_read_binary_with_and_without_row_newline(tmp_path, newline):
    path = tmp_path / "v.bin"
    path.write_bytes(binary_bytes(WORDS, MATRIX, newline=newline))
    words, matrix = read_vectors(str(path))
    assert words == WORDS
    assert matrix.dtype == np.float32 and np.array_equal(matrix, MATRIX)


def test_binary_float_bytes_that_look_like_separators(tmp_path):
    # 0x20 (space) and 0x0a (newline) inside the floats must not confuse the reader
    tricky = np.frombuffer(b"\x20\x20\x0a\x20" + b"\x0a\x0a\x0a\x0a", dtype="<f4").reshape(1, 2)
    matrix = np.vstack([tricky, tricky]).astype(np.float32)
    path = tmp_path / "v.bin"
    path.write_bytes(binary_bytes([b"a", b"b"], matrix))
    words, read = read_vectors(str(path))
    assert words == [b"a", b"b"] and read.tobytes() == matrix.tobytes()


@pytest.mark.parametrize("row_end", [b" \n", b"\n", b" \r\n"])
def test_read_text_variants(tmp_path, row_end):
    # word2vec.c ("... \n"), gensim ("...\n"), a file edited on Windows ("... \r\n")
    body = b"".join(w + b" " + b" ".join(b"%r" % x for x in r) + row_end
                    for w, r in zip(WORDS, MATRIX.tolist()))
    path = tmp_path / "v.txt"
    path.write_bytes(b"4 3" + row_end + body)
    words, matrix = read_vectors(str(path))
    assert words == WORDS
    assert np.array_equal(matrix, MATRIX)


def test_read_text_without_final_newline(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"2 2\na 1 2\nb 3 4")
    words, matrix = read_vectors(str(path))
    assert words == [b"a", b"b"] and matrix.tolist() == [[1, 2], [3, 4]]


def test_read_fasttext_vec(tmp_path):
    # fastText's .vec: header, then "word v1 ... vD \n" with short decimals
    path = tmp_path / "wiki.vec"
    path.write_bytes(b"3 2\n, -0.1 0.25 \nthe 0.5 -0.5 \n\xd0\xb8 1e-05 -2.5E+00 \n")
    words, matrix = read_vectors(str(path))
    assert words == [b",", b"the", "и".encode()]
    assert np.allclose(matrix, [[-0.1, 0.25], [0.5, -0.5], [1e-5, -2.5]])


def test_read_headerless_glove_text(tmp_path):
    path = tmp_path / "glove.txt"
    path.write_bytes(b"the 0.1 0.2 0.3\nof -1 -2 -3\n")
    words, matrix = read_vectors(str(path))
    assert words == [b"the", b"of"] and np.allclose(matrix, [[0.1, 0.2, 0.3], [-1, -2, -3]])
    assert detect_format(str(path)) == "text"


@pytest.mark.parametrize("binary", [True, False])
def test_limit_reads_the_first_rows(tmp_path, binary):
    path = tmp_path / "v"
    write_vectors(str(path), WORDS, MATRIX, binary=binary)
    words, matrix = read_vectors(str(path), limit=2)
    assert words == WORDS[:2] and np.allclose(matrix, MATRIX[:2], atol=5e-7)
    assert read_vectors(str(path), limit=0)[1].shape == (0, 3)
    assert read_vectors(str(path), limit=99)[0] == WORDS


@pytest.mark.parametrize("binary", [True, False])
def test_detect_and_force_format(tmp_path, binary):
    path = tmp_path / "v"
    write_vectors(str(path), WORDS, MATRIX, binary=binary)
    assert detect_format(str(path)) == ("binary" if binary else "text")
    words, matrix = read_vectors(str(path), binary=binary)
    assert words == WORDS


def test_gzip_compressed(tmp_path):
    path = tmp_path / "v.bin.gz"
    path.write_bytes(gzip.compress(binary_bytes(WORDS, MATRIX)))
    words, matrix = read_vectors(str(path))
    assert words == WORDS and np.array_equal(matrix, MATRIX)


def test_empty_vocabulary(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"0 5\n")
    words, matrix = read_vectors(str(path))
    assert words == [] and matrix.shape == (0, 5)


# ------------------------------------------------------------------ corrupt and missing files

def test_truncated_binary_names_the_row(tmp_path):
    data = binary_bytes(WORDS, MATRIX)
    path = tmp_path / "v.bin"
    path.write_bytes(data[:-7])  # cut inside the last vector
    with pytest.raises(UserError, match=r"row 4 of 4 .*file ends inside the vector"):
        read_vectors(str(path))
    cut = data[:data.index(b"caf")]  # cut between rows
    path.write_bytes(cut)
    with pytest.raises(UserError, match=r"row 3 of 4: file ends early"):
        read_vectors(str(path))
    gz = tmp_path / "v.bin.gz"  # the same in a stream
    gz.write_bytes(gzip.compress(cut))
    with pytest.raises(UserError, match=r"row 3 of 4: file ends early"):
        read_vectors(str(gz))


def test_binary_without_word_separator(tmp_path):
    path = tmp_path / "v.bin"
    path.write_bytes(b"1 2\n" + b"x" * 200_000)
    with pytest.raises(UserError, match=r"row 1 of 1: no word found"):
        read_vectors(str(path), binary=True)


def test_truncated_text_names_the_line(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"3 3\na 1 2 3\nb 4 5")
    with pytest.raises(UserError, match=r"line 3: expected a word and 3 numbers, found 2"):
        read_vectors(str(path))
    path.write_bytes(b"3 3\na 1 2 3\nb 4 5 6\n")
    with pytest.raises(UserError, match=r"line 4: file ends after 2 of 3 rows"):
        read_vectors(str(path))


def test_text_with_a_bad_number(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"2 2\na 1 2\nb 3 x4\n")
    with pytest.raises(UserError, match=r"line 3: not a number: 'x4'"):
        read_vectors(str(path))


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"),
    (b"hello world\n", "line 1: expected a 'COUNT DIMENSION' header"),
    (b"3 0\n", "dimension must be at least 1"),
])
def test_bad_header(tmp_path, content, message):
    path = tmp_path / "v"
    path.write_bytes(content)
    with pytest.raises(UserError, match=message):
        read_vectors(str(path))


@pytest.mark.parametrize("start, message", [
    (b"\xba\x16\x4f\x2f\x0c\x00", "a fastText model"), (b"\x80\x02cgensim", "a Python pickle")])
def test_model_files_are_recognised(tmp_path, start, message):
    path = tmp_path / "model.bin"
    path.write_bytes(start + bytes(100))
    with pytest.raises(UserError, match=message):
        read_vectors(str(path))


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(UserError, match="no such file"):
        read_vectors(str(tmp_path / "nope.bin"))
    with pytest.raises(UserError, match="is a directory"):
        read_vectors(str(tmp_path))


# ------------------------------------------------------------------------------ .npy files

def test_npy_round_trip(tmp_path):
    path = str(tmp_path / "v.npy")
    write_npy(path, WORDS, MATRIX)
    assert npy_vocab_path(path) == str(tmp_path / "v.vocab")
    assert (tmp_path / "v.vocab").read_bytes() == b"".join(w + b"\n" for w in WORDS)
    assert detect_format(path) == "npy"
    words, matrix = read_vectors(path)
    assert words == WORDS and np.array_equal(matrix, MATRIX)
    assert read_vectors(path, limit=1)[0] == WORDS[:1]


def test_npy_with_a_word2vec_vocab_file(tmp_path):
    np.save(tmp_path / "m.npy", MATRIX[:2])
    (tmp_path / "counts.txt").write_bytes(b"</s> 0\nthe 1061396\n")
    words, _ = read_vectors(str(tmp_path / "m.npy"), vocab_path=str(tmp_path / "counts.txt"))
    assert words == [b"</s>", b"the"]


def test_npy_with_a_wrong_word_list(tmp_path):
    np.save(tmp_path / "m.npy", MATRIX)
    (tmp_path / "m.vocab").write_bytes(b"a\nb\n")
    with pytest.raises(UserError, match=r"word list .*m.vocab has 2 words but the matrix "
                                        r".*m.npy has 4 rows: .*different runs"):
        read_vectors(str(tmp_path / "m.npy"))
    (tmp_path / "m.vocab").unlink()
    with pytest.raises(UserError, match="cannot read word list .*m.vocab: no such file"):
        read_vectors(str(tmp_path / "m.npy"))


# ------------------------------------------------------------------------ gensim interop

@pytest.mark.parametrize("binary", [True, False])
def test_gensim_reads_what_we_write(tmp_path, binary):
    gensim_models = pytest.importorskip("gensim.models")
    words = [b"</s>", b"the", "café".encode(), b"x"]
    path = str(tmp_path / "ours")
    write_vectors(path, words, MATRIX, binary=binary)
    kv = gensim_models.KeyedVectors.load_word2vec_format(path, binary=binary)
    assert kv.index_to_key == [w.decode() for w in words]
    if binary:
        assert np.array_equal(kv.vectors, MATRIX)
    else:
        assert np.allclose(kv.vectors, MATRIX, atol=5e-7)


def test_fasttext_vec_file_from_gensims_test_data():
    gensim_models = pytest.importorskip("gensim.models")
    from gensim.test.utils import datapath
    path = datapath("crime-and-punishment.vec")  # written by fastText: Russian words
    words, matrix = read_vectors(path)
    kv = gensim_models.KeyedVectors.load_word2vec_format(path)
    assert [w.decode() for w in words] == kv.index_to_key and len(words) == 291
    assert np.array_equal(matrix, kv.vectors)


@pytest.mark.parametrize("binary", [True, False])
def test_we_read_what_gensim_writes(tmp_path, binary):
    gensim_models = pytest.importorskip("gensim.models")
    rng = np.random.default_rng(0)
    kv = gensim_models.KeyedVectors(vector_size=7)
    keys = ["alpha", "béta", "gamma", "δ"]
    kv.add_vectors(keys, rng.standard_normal((4, 7)).astype(np.float32))
    path = str(tmp_path / "gensim")
    kv.save_word2vec_format(path, binary=binary)
    words, matrix = read_vectors(path)
    assert [w.decode() for w in words] == keys
    if binary:
        assert np.array_equal(matrix, kv.vectors)
    else:  # gensim writes repr-precision text: the same float32 values come back
        assert np.array_equal(matrix, kv.vectors)
