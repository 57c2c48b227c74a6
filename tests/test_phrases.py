"""word2phrase: planted phrases, its rules one by one, and its exact output bytes."""
import gzip
import random
import shutil
import subprocess

import pytest

import w2v.phrases as phrases
from w2v.errors import UserError

WORD2PHRASE = shutil.which("word2phrase")


def run(tmp_path, text, **options):
    source = tmp_path / "in.txt"
    source.write_bytes(text)
    target = tmp_path / "out.txt"
    stats = phrases.word2phrase(str(source), str(target), **options)
    return target.read_bytes(), stats


def planted_text(seed=0, lines=400):
    """Lines of 12 random words; "new york" planted in every 16th line, "los angeles"
    in every 13th: rare enough for a score above 100, never split by other words."""
    rng = random.Random(seed)
    vocabulary = [f"w{i}" for i in range(300)]
    out = []
    for number in range(lines):
        units = [rng.choice(vocabulary) for _ in range(12)]
        for every, phrase in ((16, "new york"), (13, "los angeles")):
            if number % every == 0:
                units.insert(rng.randrange(len(units) + 1), phrase)
        out.append(" ".join(units))
    return ("\n".join(out) + "\n").encode()


def test_planted_phrases_are_joined(tmp_path):
    output, stats = run(tmp_path, planted_text())
    lines = output.split(b"\n")
    assert lines[0].startswith(b" ") and len(lines) == 401 and lines[-1] == b""
    # (25 - 5) / 25 / 25 * 4962 = 159 and (31 - 5) / 31 / 31 * 4962 = 134: above 100
    assert output.count(b" new_york") == 25 and output.count(b" los_angeles") == 31
    assert b" new york" not in output and b" los angeles" not in output
    assert output.count(b"_") == 56  # random pairs of 300 words are far below the threshold
    assert stats[0].phrases == 56 and stats[0].words == 400 * 12 + 2 * (25 + 31)


def test_score_formula_and_strict_threshold(tmp_path):
    # "a b" 10 times among 100 words: score = (10 - 5) / 10 / 10 * 100 = 5
    text = b"a b " * 10 + b" ".join(b"x%d" % i for i in range(80)) + b"\n"
    assert b"a_b" in run(tmp_path, text, threshold=4.99)[0]
    assert b"a_b" not in run(tmp_path, text, threshold=5)[0]  # must be above, not equal
    assert b"a_b" not in run(tmp_path, text, min_count=11, threshold=0)[0]


def test_no_chaining_within_a_pass(tmp_path):
    text = b"a b c\n" * 50
    output, _ = run(tmp_path, text, threshold=1)
    # "b c" scores as high as "a b", but b was just joined: it cannot start a pair
    assert output == b" a_b c\n" * 50


def test_more_passes_build_longer_phrases(tmp_path):
    text = b"a b c d\n" * 50
    output, stats = run(tmp_path, text, threshold=[1, 1])
    assert output == b" a_b_c_d\n" * 50
    assert [s.phrases for s in stats] == [100, 50]
    assert run(tmp_path, text, threshold=1, passes=2)[0] == output


def test_pairs_count_across_lines_but_never_join_across(tmp_path):
    text = b"x a\nb y\n" * 30
    output, _ = run(tmp_path, text, threshold=1)
    assert b"a_b" not in output  # "a b" is counted (30 times) but b starts a line
    assert output.startswith(b" x_a\n b_y\n")


def test_word2phrase_reading_rules(tmp_path):
    long = b"L" * 70
    text = b"p q\r\n\tp  q </s> " + long + b"\n\nlast"
    output, stats = run(tmp_path, text, threshold=1e9)
    # \r dropped, tabs and runs of spaces are separators, "</s>" is a line end, tokens are
    # cut to 58 bytes, an empty line stays, and the final word without whitespace after it
    # is dropped, as word2phrase does
    assert output == b" p q\n p q\n " + b"L" * 58 + b"\n\n"
    assert stats[0].words == 5


def test_chunk_boundaries_do_not_matter(tmp_path, monkeypatch):
    text = planted_text(seed=3, lines=60).replace(b"\n", b" \t", 7)
    expected, _ = run(tmp_path, text, threshold=10)
    monkeypatch.setattr(phrases, "CHUNK_BYTES", 7)
    assert run(tmp_path, text, threshold=10)[0] == expected


def test_progress_reports_every_byte_of_each_stage(tmp_path, monkeypatch):
    monkeypatch.setattr(phrases, "CHUNK_BYTES", 1000)
    text = planted_text(lines=100)
    seen = []
    run(tmp_path, text, threshold=[50, 50],
        progress=lambda *call: seen.append(call))
    runs = []  # consecutive calls of one stage on one file
    for stage, path, nbytes, total in seen:
        if not runs or runs[-1][:2] != [stage, path]:
            runs.append([stage, path, 0, total])
        runs[-1][2] += nbytes
    assert [r[0] for r in runs] == ["counting", "writing"] * 2  # two passes
    assert runs[0][2] == runs[1][2] == runs[0][3] == len(text)  # the input, read twice
    assert runs[2][1] != runs[0][1]  # the second pass reads the first one's output
    assert runs[2][2] == runs[3][2] == runs[2][3] > 0  # ... whose size is known


def test_pruning_bounds_the_table(tmp_path):
    source = tmp_path / "in.txt"
    source.write_bytes(planted_text(lines=200))
    counts = phrases.count(str(source), max_entries=1000)
    assert len(counts.table) <= 1000
    assert counts.table[b"new_york"] == 13  # frequent entries survive pruning


def test_compressed_input(tmp_path):
    source = tmp_path / "in.txt.gz"
    source.write_bytes(gzip.compress(planted_text()))
    phrases.word2phrase(str(source), str(tmp_path / "out.txt"))
    assert (tmp_path / "out.txt").read_bytes().count(b"new_york") == 25


def test_errors(tmp_path):
    with pytest.raises(UserError, match="no such file"):
        phrases.word2phrase(str(tmp_path / "missing.txt"), str(tmp_path / "out.txt"))
    (tmp_path / "in.txt").write_bytes(b"a b\n")
    with pytest.raises(UserError, match="does not exist"):
        phrases.word2phrase(str(tmp_path / "in.txt"), str(tmp_path / "no" / "out.txt"))


def awkward_text(seed):
    """Planted phrases plus everything word2phrase's reader treats specially."""
    rng = random.Random(seed)
    out = []
    for token in planted_text(seed, lines=300).split():
        r = rng.random()
        if r < 0.004:
            token = token * 12           # longer than 58 bytes
        elif r < 0.006:
            token = b"</s>"              # a literal line end
        elif r < 0.008:
            token = b"\xff\xfe" + token  # not UTF-8
        elif r < 0.01:
            token = token + b"\x0b" + token  # \v is part of a word for word2phrase
        out.append(token)
        r = rng.random()
        out.append(b"\n" if r < 0.06 else b"\r\n" if r < 0.07 else b"\n\n" if r < 0.075
                   else b"\t" if r < 0.09 else b"  " if r < 0.1 else b" ")
    return b"".join(out)


@pytest.mark.skipif(WORD2PHRASE is None, reason="word2vec.c's word2phrase not installed")
@pytest.mark.parametrize("min_count, threshold, ending", [
    (5, 100, b"\n"), (1, 50, b" tail"),
    # each run of word2phrase costs seconds (it allocates a 2 GB table): the rest are slow
    pytest.param(3, 10, b"\n", marks=pytest.mark.slow),
    pytest.param(0, 100, b"\n", marks=pytest.mark.slow),
    pytest.param(5, -1, b"\n", marks=pytest.mark.slow)])
def test_same_bytes_as_word2phrase(tmp_path, min_count, threshold, ending):
    source = tmp_path / "in.txt"
    source.write_bytes(awkward_text(min_count) + ending)
    reference = tmp_path / "reference.txt"
    # relative names: word2phrase keeps file names in 60-byte buffers
    subprocess.run([WORD2PHRASE, "-train", "in.txt", "-output", "reference.txt",
                    "-min-count", str(min_count), "-threshold", str(threshold), "-debug", "0"],
                   check=True, capture_output=True, cwd=tmp_path)
    ours = tmp_path / "ours.txt"
    phrases.word2phrase(str(source), str(ours), min_count=min_count, threshold=threshold)
    assert b"_" in ours.read_bytes()
    assert ours.read_bytes() == reference.read_bytes()
