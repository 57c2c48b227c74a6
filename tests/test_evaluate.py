"""Analogy accuracy by compute-accuracy's rules, and word-pair similarity."""
import shutil
import subprocess

import numpy as np
import pytest

from w2v.errors import UserError
from w2v.cfloat import c_dot, c_sum_of_squares
from w2v.evaluate import (DEFAULT_QUESTIONS, _answer_rows, average_ranks, evaluate_analogies,
                          evaluate_similarity, pearson, read_questions, read_word_pairs,
                          spearman)
from w2v.formats import write_vectors
from w2v.vectors import Vectors

COMPUTE_ACCURACY = shutil.which("word2vec-compute-accuracy") or shutil.which("compute-accuracy")


def planted_vectors(sections, dim=40, seed=0, missing=(), fillers=200):
    """Vectors in which b = a + (the section's relation) + noise for the questions' pairs,
    so that many (not all) analogies come out right; words in `missing` are left out."""
    rng = np.random.default_rng(seed)
    vectors = {}
    for _, questions in sections:
        relation = rng.standard_normal(dim)
        for a, b, c, d in questions:
            for x, y in ((a, b), (c, d)):
                vectors.setdefault(x, rng.standard_normal(dim))
                vectors.setdefault(y, vectors[x] + relation + 1.6 * rng.standard_normal(dim))
    words = [w.lower() for w in vectors if w not in missing]
    matrix = [vectors[w.upper()] for w in words]
    for i in range(fillers):  # distractors, some of them exact copies of real words
        words.append(b"filler%d" % i)
        matrix.append(matrix[i * 7 % len(words)] if i % 10 == 0 else rng.standard_normal(dim))
    order = rng.permutation(len(words))
    return [words[i] for i in order], np.array(matrix, dtype=np.float32)[order]


def small_question_file(tmp_path, per_section=25):
    """The first questions of each of the 14 sections of questions-words.txt."""
    lines = []
    for name, questions in read_questions():
        lines.append(b": " + name.encode())
        lines.extend(b" ".join(q) for q in questions[:per_section])
    path = tmp_path / "questions.txt"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return str(path)


# ---------------------------------------------------------------------- reading questions

def test_packaged_questions():
    sections = read_questions()
    assert len(sections) == 14
    assert sections[0][0] == "capital-common-countries"
    assert sections[0][1][0] == (b"ATHENS", b"GREECE", b"BAGHDAD", b"IRAQ")
    assert sum(len(q) for _, q in sections) == 19544
    assert read_questions(DEFAULT_QUESTIONS) == sections


def test_questions_errors(tmp_path):
    path = tmp_path / "q.txt"
    path.write_bytes(b": s\na b c\n")
    with pytest.raises(UserError, match="fewer than four words"):
        read_questions(str(path))
    path.write_bytes(b": s\n")
    with pytest.raises(UserError, match="no questions"):
        read_questions(str(path))
    with pytest.raises(UserError, match="cannot read questions file .*: no such file"):
        read_questions(str(tmp_path / "nope.txt"))


# ------------------------------------------------------------------ the rules, by hand

def unit_analogy_vectors():
    """Words whose analogies are planted exactly, in 6 sections' worth of relations."""
    rng = np.random.default_rng(1)
    base = {w: rng.standard_normal(8) for w in ["paris", "rome", "berlin", "big", "small"]}
    country = rng.standard_normal(8)
    er = rng.standard_normal(8)
    vectors = dict(base)
    vectors.update(France=base["paris"] + country, italy=base["rome"] + country,
                   germany=base["berlin"] + country, bigger=base["big"] + er,
                   smaller=base["small"] + er)
    words = [w.encode() for w in vectors]
    return words, np.array([vectors[w.decode()] for w in words], dtype=np.float32)


def test_sections_semantic_syntactic_unknown_and_case(tmp_path):
    words, matrix = unit_analogy_vectors()
    # sections 1-5 semantic, 6 syntactic; "london" is unknown; "France" is upper-cased
    questions = (b": capitals\nparis france rome italy\nrome italy berlin germany\n"
                 b"paris france london england\n"
                 b": empty2\n: empty3\n: empty4\n: empty5\n"
                 b": comparative\nbig bigger small smaller\n")
    path = tmp_path / "q.txt"
    path.write_bytes(questions)
    result = evaluate_analogies(words, matrix, str(path))
    names = [s.name for s in result.sections]
    assert names == ["capitals", "empty2", "empty3", "empty4", "empty5", "comparative"]
    capitals, comparative = result.sections[0], result.sections[-1]
    assert (capitals.questions, capitals.seen, capitals.correct) == (3, 2, 2)
    assert (comparative.seen, comparative.correct) == (1, 1)
    assert result.semantic == (2, 2) and result.syntactic == (1, 1)
    assert (result.questions_seen, result.questions_total) == (3, 4)
    assert result.accuracy == 1.0


def test_restrict_drops_words_beyond_the_limit(tmp_path):
    words, matrix = unit_analogy_vectors()
    path = tmp_path / "q.txt"
    path.write_bytes(b": capitals\nparis france rome italy\n")
    assert evaluate_analogies(words, matrix, str(path), restrict=0).questions_seen == 1
    # "italy" is row 6: a limit of 6 words leaves it out
    assert evaluate_analogies(words, matrix, str(path), restrict=6).questions_seen == 0


def test_answers_exclude_the_question_words_and_need_a_positive_score(tmp_path):
    words = [b"a", b"b", b"c", b"d", b"e"]
    # b - a + c = (0, 0, 1) points exactly at c and e; c is excluded, so e wins over d
    matrix = np.array([[1, 0, 0], [1, 0, 0.0], [0, 0, 1], [0, 1, 0], [0, 0, 1]], np.float32)
    path = tmp_path / "q.txt"
    path.write_bytes(b": s\na b c e\na b c d\n")
    result = evaluate_analogies(words, matrix, str(path))
    assert (result.sections[0].seen, result.sections[0].correct) == (2, 1)
    # no candidate above 0: no answer at all, even for the "best" one
    matrix = np.array([[0, 1, 0], [0, -1, 0], [0, 1, 0], [0, 1, 0], [0, 1, 0]], np.float32)
    assert evaluate_analogies(words, matrix, str(path)).total == (0, 2)


def test_equal_scores_go_to_the_earlier_row(tmp_path):
    words = [b"a", b"b", b"c", b"first", b"second"]
    matrix = np.array([[1, 0], [1, 0], [0, 1], [0, 1], [0, 1]], np.float32)
    path = tmp_path / "q.txt"
    path.write_bytes(b": s\na b c first\na b c second\n")
    assert evaluate_analogies(words, matrix, str(path)).total == (1, 2)


def test_long_words_and_zero_vectors_never_match(tmp_path):
    long_word = b"x" * 50
    words = [b"a", b"b", b"c", long_word, b"z", b"y"]
    matrix = np.array([[1, 0], [1, 0], [0, 1], [0, 1], [0, 0], [1, 1]], np.float32)
    path = tmp_path / "q.txt"
    path.write_bytes(b": s\na b c " + long_word + b"\na b z y\n")
    result = evaluate_analogies(words, matrix, str(path))
    # the 50-byte word is unknown (compute-accuracy keeps 50 bytes per word); the
    # question with a zero vector is seen but, its length being 0, never right
    assert (result.questions_seen, result.total) == (1, (0, 1))


def test_word2vec_format_quirks(tmp_path):
    words, matrix = unit_analogy_vectors()
    path = tmp_path / "q.txt"
    path.write_bytes(b": capitals\nparis france rome italy\n: nothing-known\nq w e r\n")
    text = evaluate_analogies(words, matrix, str(path)).format_word2vec()
    assert text == (
        "capitals:\n"
        "ACCURACY TOP1: 100.00 %  (1 / 1)\n"
        "Total accuracy: 100.00 %   Semantic accuracy: 100.00 %   Syntactic accuracy: -nan % \n"
        "nothing-known:\n"
        "ACCURACY TOP1: 0.00 %  (0 / 1)\n"
        "Total accuracy: 100.00 %   Semantic accuracy: 100.00 %   Syntactic accuracy: -nan % \n"
        "Questions seen / total: 1 2   50.00 % \n")


def test_table_and_json_agree(tmp_path):
    words, matrix = planted_vectors(read_questions(small_question_file(tmp_path, 5)))
    result = evaluate_analogies(words, matrix, small_question_file(tmp_path, 5))
    data = result.to_dict()
    assert data["total"]["seen"] == result.questions_seen == 70
    assert 0 < data["total"]["correct"] < 70
    assert f"{data['total']['correct']:>7}  {70:>6}" in result.format_table()


def test_c_order_float32_helpers():
    rng = np.random.default_rng(3)
    rows = rng.standard_normal((5, 33)).astype(np.float32)
    vector = rng.standard_normal(33).astype(np.float32)
    expected_dot, expected_sq = [], []
    for row in rows:
        x = s = np.float32(0)
        for a in range(33):
            x = np.float32(x + np.float32(row[a] * vector[a]))
            s = np.float32(s + np.float32(row[a] * row[a]))
        expected_dot.append(x)
        expected_sq.append(s)
    assert c_dot(rows, vector).tolist() == expected_dot
    assert c_sum_of_squares(rows).tolist() == expected_sq


def reference_answer(unit, a, b, c):
    """compute-accuracy's scan, literally: C-order float32 scores, the first strictly
    greater one wins, starting from 0."""
    query = (unit[b] - unit[a]) + unit[c]
    scores = c_dot(unit, query)
    best, best_row = np.float32(0), -1
    for row, score in enumerate(scores.tolist()):
        if row not in (a, b, c) and score > best:
            best, best_row = score, row
    return best_row


def test_matrix_product_answers_equal_the_c_scan_even_for_near_ties():
    # Ten copies of each of 40 random vectors, a third of their components moved by one
    # float32 step: the best candidates differ by rounding noise, where a matrix product
    # and C's loop disagree about half of the time unless the ties are re-scored in C order.
    rng = np.random.default_rng(7)
    copies = np.repeat(rng.standard_normal((40, 50)).astype(np.float32), 10, axis=0)
    direction = np.where(rng.random(copies.shape) < 0.5, np.inf, -np.inf).astype(np.float32)
    moved = np.nextafter(copies, direction).astype(np.float32)
    raw = np.where(rng.random(copies.shape) < 0.3, moved, copies)[rng.permutation(400)]
    unit = raw / np.sqrt(c_sum_of_squares(raw))[:, None]
    questions = rng.integers(0, 400, size=(300, 3))
    questions = questions[[len(set(q)) == 3 for q in questions.tolist()]]
    expected = [reference_answer(unit, *q) for q in questions.tolist()]
    assert _answer_rows(raw, questions).tolist() == expected


@pytest.mark.skipif(COMPUTE_ACCURACY is None, reason="word2vec.c's compute-accuracy not installed")
@pytest.mark.parametrize("threshold", [30000, 500])
def test_same_output_as_compute_accuracy(tmp_path, threshold):
    questions = small_question_file(tmp_path)
    words, matrix = planted_vectors(read_questions(questions), missing={b"ATHENS", b"DANCING"})
    path = str(tmp_path / "vectors.bin")
    write_vectors(path, words, matrix, binary=True)
    with open(questions, "rb") as stdin:
        reference = subprocess.run([COMPUTE_ACCURACY, path, str(threshold)], stdin=stdin,
                                   capture_output=True, check=True).stdout.decode()
    ours = evaluate_analogies(words, matrix, questions, restrict=threshold)
    assert 0 < ours.total[0] < ours.total[1]  # a non-trivial mix of right and wrong
    assert ours.format_word2vec() == reference


# ---------------------------------------------------------------------- word-pair files

def test_read_word_pairs_formats(tmp_path):
    path = tmp_path / "pairs"
    path.write_text("# a comment\nWord 1,Word 2,Human (mean)\nlove,sex,6.77\ntiger,cat,7.35\n")
    assert read_word_pairs(str(path)) == [("love", "sex", 6.77), ("tiger", "cat", 7.35)]
    path.write_text("old\tnew\t1.58\n\nsmart\tintelligent\t9.2\n")
    assert read_word_pairs(str(path))[1] == ("smart", "intelligent", 9.2)
    path.write_text("sun sunlight 50.000000\n")
    assert read_word_pairs(str(path)) == [("sun", "sunlight", 50.0)]
    path.write_text("word1\tword2\tPOS\tSimLex999\tconc(w1)\nold\tnew\tA\t1.58\t2.72\n")
    assert read_word_pairs(str(path)) == [("old", "new", 1.58)]
    assert read_word_pairs(str(path), column=5) == [("old", "new", 2.72)]


def test_read_word_pairs_errors(tmp_path):
    path = tmp_path / "pairs"
    path.write_text("a b 1\nc d x\n")
    with pytest.raises(UserError, match="line 2: the score is not a number"):
        read_word_pairs(str(path))
    path.write_text("a\n")
    with pytest.raises(UserError, match="line 1: expected two words and a score"):
        read_word_pairs(str(path))
    path.write_text("# nothing\n")
    with pytest.raises(UserError, match="no word pairs"):
        read_word_pairs(str(path))


def test_rank_correlations():
    assert average_ranks([10, 20, 20, 5]).tolist() == [2, 3.5, 3.5, 1]
    assert spearman([1, 2, 3, 4], [10, 20, 30, 1000]) == pytest.approx(1.0)
    assert spearman([1, 2, 3, 4], [4, 3, 2, 1]) == pytest.approx(-1.0)
    assert pearson([1, 2, 3], [1, 1, 1]) is None
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(0)
    x, y = rng.integers(0, 5, 50), rng.standard_normal(50)
    assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y)[0])
    assert pearson(x, y) == pytest.approx(stats.pearsonr(x, y)[0])


def test_evaluate_similarity(tmp_path):
    vectors = Vectors(["Cat", "dog", "car", "truck"],
                      np.array([[1, 0.1], [1, 0.3], [0.1, 1], [0.5, 1]], np.float32))
    path = tmp_path / "pairs.tsv"
    path.write_text("cat\tdog\t9\ncar\ttruck\t8\ncat\tcar\t1\ndog\ttruck\t2\ncat\tunicorn\t5\n")
    result = evaluate_similarity(vectors, str(path))
    assert (result.pairs, result.used, result.unknown_words) == (5, 4, ["unicorn"])
    assert result.oov_ratio == pytest.approx(0.2)
    assert result.spearman == pytest.approx(1.0)  # the cosines rank the pairs as people do
    assert "Pairs used:   4 of 5 (20.00 % skipped" in result.format_table()
    exact = evaluate_similarity(vectors, str(path), case_insensitive=False)
    assert exact.used == 2  # "cat" is not "Cat"


def test_similarity_equals_gensims_evaluate_word_pairs(tmp_path):
    gensim_models = pytest.importorskip("gensim.models")
    from gensim.test.utils import datapath
    pairs = datapath("wordsim353.tsv")
    words = sorted({w for w1, w2, _ in read_word_pairs(pairs) for w in (w1, w2)})
    words = [w.upper() if i % 7 == 0 else w for i, w in enumerate(words) if i % 11]  # some unknown
    matrix = np.random.default_rng(0).standard_normal((len(words), 20)).astype(np.float32)
    kv = gensim_models.KeyedVectors(vector_size=20)
    kv.add_vectors(words, matrix)
    (pearson_r, _), (spearman_rho, _), oov_percent = kv.evaluate_word_pairs(pairs)
    ours = evaluate_similarity(Vectors(words, matrix), pairs)
    assert ours.spearman == pytest.approx(spearman_rho, abs=1e-6)
    assert ours.pearson == pytest.approx(pearson_r, abs=1e-6)
    assert 100 * ours.oov_ratio == pytest.approx(oov_percent)
