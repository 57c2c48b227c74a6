"""The commands on vectors files, run through click as a user would."""
import json

import click
import numpy as np
import pytest
from click.testing import CliRunner

import w2v
from w2v import tools_cli
from w2v.errors import UserError
from w2v.formats import read_vectors, write_vectors

WORDS = [b"king", b"queen", b"man", b"woman", b"apple", b"prince", b"caf\xc3\xa9"]
ROYAL, MALE, FEMALE, FRUIT = np.eye(4, dtype=np.float32)
MATRIX = np.array([ROYAL + MALE, ROYAL + FEMALE, MALE, FEMALE, FRUIT,
                   ROYAL + 0.9 * MALE + 0.1 * FEMALE, FRUIT + 0.2 * FEMALE], dtype=np.float32)


@click.group()
def cli():
    """A stand-in for w2v's main group."""


tools_cli.register(cli)


@pytest.fixture
def vectors_file(tmp_path):
    path = tmp_path / "vectors.bin"
    write_vectors(str(path), WORDS, MATRIX, binary=True)
    return str(path)


def run(*args, input=None):
    return CliRunner().invoke(cli, [str(a) for a in args], input=input)


def rows(output):
    return [line.split() for line in output.splitlines()]


def test_similar(vectors_file):
    result = run("similar", vectors_file, "king", "-n", "3")
    assert result.exit_code == 0, result.output
    assert [r[0] for r in rows(result.output)] == ["prince", "man", "queen"]
    assert rows(result.output)[1][1] == "0.707107"


def test_similar_reads_queries_from_a_pipe(vectors_file):
    result = run("similar", vectors_file, "-n", "1", input="king\nunicorn\nman woman\nEXIT\nqueen\n")
    assert result.exit_code == 0
    # one block per query line, an empty one for the unknown word; EXIT stops
    blocks, block = [], []
    for line in result.stdout.split("\n")[:-1]:
        if line:
            block.append(line.split()[0])
        else:
            blocks.append(block)
            block = []
    assert blocks == [["prince"], [], ["prince"]]
    assert "not in the vocabulary: unicorn" in result.stderr


def test_a_huge_query_line_is_skipped_and_never_echoed_whole(vectors_file):
    """`cat /dev/zero | w2v similar` must not hold the endless line, nor print it back."""
    huge = "x" * (tools_cli.MAX_QUERY_BYTES * 3)
    result = run("similar", vectors_file, "-n", "1", input=f"{huge}\n{'y' * 5000}\nking\n")
    assert result.exit_code == 0
    assert [line.split()[:1] for line in result.stdout.split("\n")] == [[], [], ["prince"], [], []]
    assert "query line longer than 65536 bytes was skipped" in result.stderr
    assert "(5000 characters)" in result.stderr and len(result.stderr) < 400


def test_similar_unknown_word_is_a_user_error(vectors_file):
    result = run("similar", vectors_file, "unicorn")
    assert isinstance(result.exception, UserError)
    assert str(result.exception) == "not in the vocabulary: unicorn"


def test_a_word_listed_twice_is_warned_about_and_never_its_own_neighbour(tmp_path):
    """word2vec.c's tools accept such a file; the query's other row must not answer it."""
    path = tmp_path / "dup.txt"
    write_vectors(str(path), WORDS + [b"king"], np.vstack([MATRIX, MATRIX[:1] * 2]))
    result = run("similar", path, "king", "-n", "3")
    assert result.exit_code == 0, result.output
    assert [r[0] for r in rows(result.stdout)] == ["prince", "man", "queen"]
    assert result.stderr == (f"w2v: warning: {path} lists 1 word more than once (the first: "
                             "'king'); each is looked up by its first row\n")
    result = run("analogy", path, "man", "king", "woman", "--method", "mul", "-n", "2")
    assert "king" not in result.stdout and result.exit_code == 0, result.output
    vectors = w2v.load(str(path))
    assert vectors.repeated_words == ["king"] and vectors.index("king") == 0
    assert "king" not in [w for w, _ in vectors.most_similar("king", topn=10)]


def test_analogy(vectors_file):
    result = run("analogy", vectors_file, "man", "king", "woman", "-n", "1")
    assert result.exit_code == 0 and rows(result.output)[0][0] == "queen"
    result = run("analogy", vectors_file, "man", "king", "woman", "-n", "1", "--method", "mul")
    assert rows(result.output)[0][0] == "queen"
    result = run("analogy", vectors_file, "-n", "1", input="man king woman\nman king\n")
    assert result.stdout.startswith("queen ")
    assert "three words are needed, not 2" in result.stderr
    result = run("analogy", vectors_file, "man", "king")
    assert result.exit_code == 2 and "give three words" in result.output


def test_words_are_written_as_their_bytes(tmp_path):
    path = tmp_path / "v.bin"
    write_vectors(str(path), [b"a", b"\xff\xfe"], np.array([[1, 0], [1, 0.1]], np.float32), True)
    result = CliRunner().invoke(cli, ["similar", str(path), "a"])
    assert result.stdout_bytes.startswith(b"\xff\xfe  0.99")


def test_eval_analogies_formats(vectors_file, tmp_path):
    questions = tmp_path / "q.txt"
    questions.write_text(": royals\nman king woman queen\nwoman queen man king\nman king woman apple\n")
    table = run("eval", "analogies", vectors_file, questions)
    assert table.exit_code == 0, table.output
    assert "royals" in table.output and "66.67 %" in table.output
    c_style = run("eval", "analogies", vectors_file, questions, "--format", "word2vec")
    assert c_style.output.startswith("royals:\nACCURACY TOP1: 66.67 %  (2 / 3)\n")
    data = json.loads(run("eval", "analogies", vectors_file, questions, "--format", "json").output)
    assert data["total"] == {"correct": 2, "seen": 3, "accuracy": pytest.approx(2 / 3)}
    limited = json.loads(run("eval", "analogies", vectors_file, questions, "--limit", "3",
                             "--format", "json").output)
    assert limited["questions_seen"] == 0  # "woman" is the 4th word


def test_eval_analogies_default_questions(vectors_file):
    result = run("eval", "analogies", vectors_file)
    assert result.exit_code == 0
    # only "man woman king queen" and "woman man queen king" of the family section are known
    assert "Questions seen / total: 2 / 19544" in result.output
    assert "family" in result.output


def test_eval_similarity(vectors_file, tmp_path):
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("w1,w2,score\nking,prince,8\nking,queen,7\nKing,apple,1\nman,unicorn,3\n")
    result = run("eval", "similarity", vectors_file, pairs)
    assert result.exit_code == 0, result.output
    assert "Pairs used:   3 of 4 (25.00 % skipped for unknown words)" in result.output
    data = json.loads(run("eval", "similarity", vectors_file, pairs, "--format", "json").output)
    assert data["unknown_words"] == ["unicorn"] and data["spearman"] == pytest.approx(1.0)
    assert json.loads(run("eval", "similarity", vectors_file, pairs, "--case-sensitive",
                          "--format", "json").output)["used"] == 2


@pytest.mark.parametrize("score", ["nan", "inf", "-inf", "1e400"])
def test_eval_similarity_refuses_scores_that_are_not_finite(vectors_file, tmp_path, score):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text(f"king\tprince\t8\nking\tqueen\t{score}\nking\tapple\t1\n")
    result = run("eval", "similarity", vectors_file, pairs)
    assert result.exit_code == 1 and "Pearson r:    nan" not in result.output
    assert "line 2: the score is not a finite number" in str(result.exception)


def test_eval_similarity_with_equal_human_scores_says_so(vectors_file, tmp_path):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("king\tprince\t5\nking\tqueen\t5\nking\tapple\t5\n")
    result = run("eval", "similarity", vectors_file, pairs)
    assert result.exit_code == 1
    assert "human scores or the cosines of the 3 pairs" in str(result.exception)


@pytest.mark.parametrize("command", ["analogies", "similarity"])
def test_a_nan_quality_gate_is_a_usage_error_not_a_gate_always_open(vectors_file, tmp_path,
                                                                     command):
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("king\tprince\t8\nking\tqueen\t7\nking\tapple\t1\n")
    args = [vectors_file] + ([pairs] if command == "similarity" else [])
    result = run("eval", command, *args, "--fail-under", "nan")
    assert result.exit_code == 2 and "must be a number, not nan" in result.output


def test_phrases(tmp_path):
    source = tmp_path / "in.txt"
    source.write_bytes(b"x y\n" * 20 + b" ".join(b"w%d" % i for i in range(300)) + b"\n")
    # score of "x y": (20 - 5) / 20 / 20 * 340 words = 12.75
    result = run("phrases", source, tmp_path / "out.txt", "--threshold", "12.7")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out.txt").read_bytes().startswith(b" x_y\n x_y\n")
    assert "pass 1: 340 words" in result.stderr and "20 pairs joined" in result.stderr
    result = run("phrases", tmp_path / "nope.txt", tmp_path / "out.txt")
    assert isinstance(result.exception, UserError)


def test_classes(vectors_file, tmp_path):
    result = run("classes", vectors_file, "2")
    assert result.exit_code == 0
    lines = result.stdout_bytes.split(b"\n")[:-1]
    assert [line.split()[0] for line in lines] == WORDS
    assert {line.split()[1] for line in lines} <= {b"0", b"1"}
    out = tmp_path / "classes.txt"
    assert run("classes", vectors_file, "2", "-o", out, "--sort").exit_code == 0
    classes = [int(line.split()[1]) for line in out.read_bytes().splitlines()]
    assert classes == sorted(classes)


def test_convert_round_trip(vectors_file, tmp_path):
    text, npy, back = tmp_path / "v.txt", tmp_path / "v.npy", tmp_path / "back.bin"
    assert run("convert", vectors_file, text).exit_code == 0
    assert text.read_bytes().startswith(b"7 4\nking 1.000000 1.000000 0.000000 0.000000 \n")
    assert run("convert", text, npy).exit_code == 0
    assert (tmp_path / "v.vocab").read_bytes().split(b"\n")[:2] == [b"king", b"queen"]
    result = run("convert", npy, back, "--limit", "2")
    assert result.exit_code == 0 and "wrote 2 words x 4 dimensions" in result.stderr
    words, matrix = read_vectors(str(back))
    assert words == WORDS[:2] and np.array_equal(matrix, MATRIX[:2])
    assert run("convert", vectors_file, tmp_path / "x.out", "--to", "binary").exit_code == 0
    assert read_vectors(str(tmp_path / "x.out"))[0] == WORDS


def test_convert_corrupt_input_is_a_user_error(tmp_path):
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"3 4\nking \x00\x00")
    result = run("convert", bad, tmp_path / "out.txt")
    assert isinstance(result.exception, UserError) and "row 1 of 3" in str(result.exception)
    assert not (tmp_path / "out.txt").exists()


def test_plot(vectors_file, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "map.svg"
    result = run("plot", vectors_file, "king", "queen", "apple", "--neighbours", "1", "-o", out)
    assert result.exit_code == 0, result.output
    svg = out.read_text()
    assert svg.startswith("<?xml") and "wrote" in result.stderr
    result = run("plot", vectors_file, "king", "unicorn", "-o", out)
    assert isinstance(result.exception, UserError)


def test_plot_without_matplotlib(vectors_file, tmp_path, monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)
    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    result = run("plot", vectors_file, "king", "queen", "-o", tmp_path / "x.png")
    assert isinstance(result.exception, UserError)
    assert "plotting needs matplotlib" in str(result.exception)


def test_pca_projection():
    from w2v.plot import pca_2d
    # points spread along one axis in 5-D: PCA puts that axis first
    points = np.zeros((4, 5))
    points[:, 3] = [-3, -1, 1, 3]
    points[:, 1] = [0.1, -0.1, -0.1, 0.1]  # uncorrelated with the first axis
    xy = pca_2d(points)
    assert np.allclose(np.abs(xy[:, 0]), [3, 1, 1, 3])
    assert np.allclose(np.abs(xy[:, 1]), 0.1)


def test_through_the_w2v_entry_point(vectors_file, capsys):
    cli_module = pytest.importorskip("w2v.cli")
    assert cli_module.main(["similar", vectors_file, "unicorn"]) == 1
    assert capsys.readouterr().err == "w2v: error: not in the vocabulary: unicorn\n"
