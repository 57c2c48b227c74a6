"""Quality of a word2vec binary vectors file, measured the same way for every trainer.

Analogy accuracy follows the rules of word2vec.c's compute-accuracy exactly (it is the
number papers and the word2vec README quote), but on a matrix product instead of one
question at a time, so it takes seconds instead of half a minute:

- only the first `restrict` words of the file are used (30,000 by convention);
- words and questions are upper-cased byte by byte (ASCII only, like C's toupper);
- a question is "seen" only if all four words are among those; others are skipped;
- the answer is the word with the largest dot product with b - a + c over unit vectors,
  excluding a, b and c; a best score that is not above 0 counts as no answer;
- the first five sections of questions-words.txt are semantic, the rest syntactic.

`--compare` runs the real compute-accuracy binary on the same file for a side-by-side check.
Word-pair similarity is Spearman's rank correlation between human scores and cosine
similarity, over the pairs whose two words (case-insensitive) are in the vocabulary.

    python scripts/bench_eval.py vectors.bin [--restrict 30000] [--compare BIN]
"""
import argparse
import json
import os
import re
import subprocess
import sys

import numpy as np

SEMANTIC_SECTIONS = 5  # compute-accuracy: sections 1-5 of questions-words.txt are semantic
MAX_WORD_BYTES = 50  # compute-accuracy keeps at most this many bytes of a vocabulary word


def read_word2vec_binary(path):
    """(words as bytes, float32 matrix) from a word2vec.c binary vectors file."""
    with open(path, "rb") as f:
        data = f.read()
    newline = data.find(b"\n")
    try:
        count, dim = (int(x) for x in data[:newline].split())
    except ValueError:
        raise SystemExit(f"bench: {path}: not a word2vec binary vectors file") from None
    words = []
    matrix = np.empty((count, dim), dtype=np.float32)
    row_bytes = 4 * dim
    pos = newline + 1
    for i in range(count):
        space = data.find(b" ", pos)
        if space < 0 or space + 1 + row_bytes > len(data):
            raise SystemExit(f"bench: {path}: truncated at word {i} of {count}")
        # word2vec.c writes "\n" after each vector; its readers drop newlines inside words
        words.append(data[pos:space].replace(b"\n", b""))
        matrix[i] = np.frombuffer(data, dtype="<f4", count=dim, offset=space + 1)
        pos = space + 1 + row_bytes
    return words, matrix


def read_questions(path):
    """[(section number, [a, b, c, d] upper-cased)], read as compute-accuracy reads: tokens."""
    with open(path, "rb") as f:
        tokens = f.read().split()
    questions = []
    section = 0
    i = 0
    while i < len(tokens):
        token = tokens[i].upper()
        if token == b":":
            section += 1
            i += 2  # ":" and the section's name
            continue
        if token == b"EXIT" or i + 4 > len(tokens):
            break
        questions.append((section, [t.upper() for t in tokens[i : i + 4]]))
        i += 4
    return questions


def unit_rows(matrix):
    """Rows scaled to length 1; a zero row becomes NaN, which never wins (as in C)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return matrix / np.sqrt((matrix * matrix).sum(axis=1, dtype=np.float32))[:, None]


def analogy_accuracy(words, matrix, questions_path, restrict=30000, chunk=1024):
    n = min(restrict, len(words)) if restrict else len(words)
    keys = [w[:MAX_WORD_BYTES].upper() for w in words[:n]]
    first = {}
    for i, key in enumerate(keys):
        first.setdefault(key, i)
    # compute-accuracy compares the best word's *string* with the answer: an upper-case
    # duplicate further down the list counts as the answer too
    canonical = np.array([first[k] for k in keys], dtype=np.int64)
    unit = unit_rows(matrix[:n].astype(np.float32))

    questions = read_questions(questions_path)
    seen = []
    for section, four in questions:
        ids = [first.get(w) for w in four]
        if None not in ids:
            seen.append((section, ids))
    correct = np.zeros(len(seen), dtype=bool)
    for start in range(0, len(seen), chunk):
        part = seen[start : start + chunk]
        ids = np.array([p[1] for p in part], dtype=np.int64)
        target = (unit[ids[:, 1]] - unit[ids[:, 0]]) + unit[ids[:, 2]]
        scores = target @ unit.T
        rows = np.arange(len(part))
        for col in range(3):
            scores[rows, ids[:, col]] = -np.inf
        scores[np.isnan(scores)] = -np.inf
        best = scores.argmax(axis=1)  # first maximum, like C's strict '>' scan
        found = scores[rows, best] > 0
        correct[start : start + len(part)] = found & (canonical[best] == ids[:, 3])

    semantic = np.array([s <= SEMANTIC_SECTIONS for s, _ in seen], dtype=bool)

    def pct(mask):
        return round(100.0 * correct[mask].sum() / mask.sum(), 2) if mask.sum() else None

    everything = np.ones(len(seen), dtype=bool)
    return {
        "total": pct(everything), "semantic": pct(semantic), "syntactic": pct(~semantic),
        "correct": int(correct.sum()), "seen": len(seen), "questions": len(questions),
        "restrict": n,
    }


def compute_accuracy_binary(binary, vectors_path, questions_path, restrict=30000):
    """The same figures from word2vec.c's own compute-accuracy program."""
    with open(questions_path, "rb") as q:
        out = subprocess.run([binary, vectors_path, str(restrict)], stdin=q,
                             capture_output=True, check=True).stdout.decode()
    totals = re.findall(r"Total accuracy: ([\d.na-]+) %\s+Semantic accuracy: ([\d.na-]+) %"
                        r"\s+Syntactic accuracy: ([\d.na-]+) %", out)
    seen = re.search(r"Questions seen / total: (\d+) (\d+)", out)
    correct = re.findall(r"ACCURACY TOP1: [\d.]+ %\s+\((\d+) / \d+\)", out)
    total, sem, syn = (float(x) for x in totals[-1])
    return {"total": total, "semantic": sem, "syntactic": syn,
            "correct": sum(int(c) for c in correct), "seen": int(seen.group(1)),
            "questions": int(seen.group(2)), "restrict": restrict}


def read_pairs(path):
    pairs = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            a, b, score = line.split("\t")[:3] if "\t" in line else line.split()[:3]
            pairs.append((a.strip().lower(), b.strip().lower(), float(score)))
    return pairs


def spearman(x, y):
    try:
        from scipy.stats import spearmanr
    except ImportError:  # ranks with ties averaged, then Pearson on the ranks
        def ranks(v):
            v = np.asarray(v, dtype=float)
            order = v.argsort(kind="mergesort")
            r = np.empty(len(v))
            r[order] = np.arange(len(v))
            for value in np.unique(v):
                tie = v == value
                r[tie] = r[tie].mean()
            return r
        return float(np.corrcoef(ranks(x), ranks(y))[0, 1])
    return float(spearmanr(x, y).correlation)


def word_pair_similarity(words, matrix, pairs_path):
    """Spearman between human scores and cosines; pairs with an unknown word are skipped."""
    index = {}
    for i, w in enumerate(words):
        index.setdefault(w.decode("utf-8", "replace").lower(), i)
    pairs = read_pairs(pairs_path)
    unit = unit_rows(matrix)
    human, model = [], []
    for a, b, score in pairs:
        if a in index and b in index:
            human.append(score)
            model.append(float(unit[index[a]] @ unit[index[b]]))
    rho = spearman(human, model) if len(human) > 2 else None
    return {"spearman": None if rho is None else round(rho, 4), "pairs": len(human),
            "pairs_total": len(pairs)}


def default_similarity_sets():
    """Word-similarity sets available offline: the copies gensim ships with its tests."""
    try:
        from gensim.test.utils import datapath
    except ImportError:
        return {}
    sets = {"wordsim353": datapath("wordsim353.tsv"), "simlex999": datapath("simlex999.txt")}
    return {name: path for name, path in sets.items() if os.path.exists(path)}


def evaluate(vectors_path, questions_path, restrict=30000, similarity_sets=None,
             compute_accuracy=None):
    """All quality figures of one vectors file. With `compute_accuracy` (a path to the
    binary) analogies are scored by word2vec.c's program instead of the numpy copy."""
    words, matrix = read_word2vec_binary(vectors_path)
    if compute_accuracy:
        analogy = compute_accuracy_binary(compute_accuracy, vectors_path, questions_path, restrict)
        analogy["evaluator"] = "compute-accuracy"
    else:
        analogy = analogy_accuracy(words, matrix, questions_path, restrict)
        analogy["evaluator"] = "numpy (compute-accuracy rules)"
    result = {"vocab": len(words), "dim": matrix.shape[1], "analogy": analogy}
    for name, path in (similarity_sets or {}).items():
        result[name] = word_pair_similarity(words, matrix, path)
    return result


def main(argv=None):
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("vectors", help="word2vec binary vectors file")
    parser.add_argument("--questions",
                        default=os.path.join(here, "..", "w2v", "data", "questions-words.txt"))
    parser.add_argument("--restrict", type=int, default=30000)
    parser.add_argument("--compare", metavar="BIN",
                        help="also run this compute-accuracy binary and show both")
    args = parser.parse_args(argv)
    result = evaluate(args.vectors, args.questions, args.restrict, default_similarity_sets())
    if args.compare:
        result["analogy_compute_accuracy"] = compute_accuracy_binary(
            args.compare, args.vectors, args.questions, args.restrict)
    json.dump(result, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
