"""The Vectors object: lookups, neighbours and analogies with known answers, save/load."""
import doctest

import numpy as np
import pytest

import w2v.vectors
from w2v.errors import UserError
from w2v.vectors import Vectors, WordNotFound, load

# Hand-built 3-D vectors: king = man + royal, queen = woman + royal, and a far fruit.
ROYAL, MALE, FEMALE = np.eye(3, dtype=np.float32)
WORDS = ["king", "queen", "man", "woman", "apple", "prince"]
MATRIX = np.array([ROYAL + MALE, ROYAL + FEMALE, MALE, FEMALE, -ROYAL - MALE - FEMALE,
                   ROYAL + 0.9 * MALE + 0.1 * FEMALE], dtype=np.float32)


@pytest.fixture
def vectors():
    return Vectors(WORDS, MATRIX)


def test_lookup(vectors):
    assert len(vectors) == 6 and vectors.dim == 3
    assert "queen" in vectors and b"queen" in vectors and "Queen" not in vectors
    assert vectors["man"].tolist() == [0, 1, 0]
    assert vectors.index("apple") == 4
    assert vectors.get("pear") is None
    with pytest.raises(KeyError, match="pear"):
        vectors["pear"]
    with pytest.raises(WordNotFound):
        vectors.similarity("king", "pear")


def test_most_similar_excludes_the_query_and_sorts_by_cosine(vectors):
    result = vectors.most_similar("king", topn=3)
    assert [w for w, _ in result] == ["prince", "man", "queen"]  # cosines .99, .71, .5
    cosines = [c for _, c in result]
    assert cosines == sorted(cosines, reverse=True)
    expected = MATRIX[5] @ MATRIX[0] / np.linalg.norm(MATRIX[5]) / np.linalg.norm(MATRIX[0])
    assert cosines[0] == pytest.approx(expected, rel=1e-6)


def test_most_similar_of_several_words_uses_the_sum_of_unit_vectors(vectors):
    # unit(man) + unit(woman) = (0, 1, 1): cosine .52 with prince, .5 with king and queen
    # (equal: vocabulary order), negative with apple; the inputs are not answers
    result = vectors.most_similar(["man", "woman"], topn=10)
    assert [w for w, _ in result] == ["prince", "king", "queen", "apple"]
    assert [round(c, 3) for _, c in result[1:]] == [0.5, 0.5, round(-2 / np.sqrt(6), 3)]


def test_analogy_3cosadd_and_3cosmul(vectors):
    assert vectors.analogy("man", "king", "woman", topn=1)[0][0] == "queen"
    assert vectors.analogy("woman", "queen", "man", topn=1)[0][0] == "king"
    assert vectors.analogy("man", "king", "woman", topn=1, method="mul")[0][0] == "queen"
    # the inputs are never answers, even when closest
    answers = [w for w, _ in vectors.analogy("man", "king", "woman", topn=10)]
    assert set(answers) == {"queen", "apple", "prince"}
    with pytest.raises(ValueError):
        vectors.analogy("man", "king", "woman", method="sub")


def test_most_similar_with_negative_equals_analogy(vectors):
    assert vectors.most_similar(["king", "woman"], negative=["man"], topn=3) == \
        vectors.analogy("man", "king", "woman", topn=3)


def test_a_single_negative_word_is_a_word_not_its_letters():
    """most_similar("king", negative="queen") must not subtract q, u, e, e, n."""
    letters = Vectors(["king", "queen", "man", "q", "u", "e", "n"],
                      np.array([[1, 1], [1, -1], [0, 1], [5, 0], [5, 0], [5, 0], [5, 0]],
                               np.float32))
    assert letters.most_similar("king", negative="queen") == \
        letters.most_similar(["king"], negative=["queen"])
    assert letters.most_similar("king", negative="queen")[0][0] == "man"


def test_equal_scores_keep_vocabulary_order():
    same = Vectors(["a", "b", "c", "d"], np.array([[1, 0], [0, 1], [0, 1], [0, 1]], np.float32))
    assert [w for w, _ in same.most_similar("b", topn=2)] == ["c", "d"]


@pytest.mark.parametrize("restrict", [-1, 2.5, "3", True])
def test_a_restrict_that_is_not_a_count_is_refused(vectors, restrict):
    """restrict=-1 sliced off the last word instead: a silently different answer."""
    with pytest.raises(ValueError, match="restrict must be"):
        vectors.most_similar("king", restrict=restrict)
    with pytest.raises(ValueError, match="restrict must be"):
        vectors.analogy("man", "king", "woman", method="mul", restrict=restrict)


def test_restrict_limits_the_candidates(vectors):
    assert [w for w, _ in vectors.most_similar("king", topn=5, restrict=3)] == ["man", "queen"]


def test_zero_vector_does_not_poison_results():
    v = Vectors(["a", "b", "zero"], np.array([[1, 0], [1, 1], [0, 0]], np.float32))
    result = v.most_similar("a", topn=2)
    assert result[0][0] == "b" and result[1] == ("zero", 0.0)


def test_similarity(vectors):
    assert vectors.similarity("man", "woman") == pytest.approx(0.0)
    assert vectors.similarity("king", "king") == pytest.approx(1.0)
    assert vectors.similarity("man", "king") == pytest.approx(1 / np.sqrt(2), rel=1e-6)


def test_invalid_utf8_words_round_trip_byte_for_byte(tmp_path):
    raw = [b"plain", b"caf\xc3\xa9", b"cut\xe2\x82", b"\xff"]
    v = Vectors(raw, np.eye(4, dtype=np.float32))
    assert v.words[:2] == ["plain", "café"]
    assert "café" in v and "caf\udcc3\udca9" not in v
    assert v.words[2] == "cut\udce2\udc82"  # surrogateescape: one surrogate per bad byte
    assert b"cut\xe2\x82" in v and v[b"\xff"].tolist() == [0, 0, 0, 1]
    for binary in (True, False):
        path = tmp_path / f"v{binary}"
        v.save(str(path), binary=binary)
        body = path.read_bytes()
        assert b"\ncut\xe2\x82 " in body and b"\n\xff " in body
        assert load(str(path)).words == v.words


@pytest.mark.parametrize("name, binary", [("v.bin", True), ("v.txt", False), ("v.npy", False)])
def test_save_and_load(tmp_path, vectors, name, binary):
    path = str(tmp_path / name)
    vectors.save(path, binary=binary)
    loaded = Vectors.load(path)
    assert loaded.words == WORDS
    assert np.allclose(loaded.vectors, MATRIX, atol=5e-7)
    assert load(path, limit=2).words == WORDS[:2]


def test_load_errors_are_user_errors(tmp_path):
    with pytest.raises(UserError):
        load(str(tmp_path / "missing.bin"))


def test_repeated_word_resolves_to_its_first_row():
    v = Vectors(["a", "b", "a"], np.eye(3, dtype=np.float32))
    assert v.index("a") == 0


def test_docstring_examples_run():
    result = doctest.testmod(w2v.vectors, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 5 and result.failed == 0
