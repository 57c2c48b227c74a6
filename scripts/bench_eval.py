"""Quality of a word2vec binary vectors file, measured the same way for every trainer.

A thin adapter between the benchmark and w2v's own evaluator, so that the published
numbers come from the code that is checked against word2vec.c's compute-accuracy
(w2v.evaluate; scripts/check_compute_accuracy.py compares the two byte for byte):

- analogy accuracy by compute-accuracy's rules on the first `restrict` words (30,000 by
  convention), as `w2v eval analogies` computes it;
- word-pair similarity: Spearman's rank correlation between human scores and cosine
  similarity over the pairs whose two words (case-insensitive) are known, on every word of
  the file, as `w2v eval similarity --limit 0` computes it.

The file is read by w2v.formats, the reader every w2v command uses. `--compare` also runs
the real compute-accuracy binary on the same file, for a side-by-side check.

    python scripts/bench_eval.py vectors.bin [--restrict 30000] [--compare BIN]
"""
import argparse
import json
import os
import re
import subprocess
import sys

from w2v import evaluate as w2v_evaluate
from w2v.errors import UserError
from w2v.formats import read_vectors
from w2v.vectors import Vectors


def _percent(correct_seen):
    correct, seen = correct_seen
    return round(100.0 * correct / seen, 2) if seen else None


def analogy_accuracy(words, matrix, questions_path, restrict=30000):
    """The benchmark's analogy figures (percentages) from w2v.evaluate.evaluate_analogies."""
    result = w2v_evaluate.evaluate_analogies(words, matrix, questions_path, restrict=restrict)
    return {
        "total": _percent(result.total), "semantic": _percent(result.semantic),
        "syntactic": _percent(result.syntactic), "correct": result.total[0],
        "seen": result.questions_seen, "questions": result.questions_total,
        "restrict": min(restrict, len(words)) if restrict else len(words),
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


def word_pair_similarity(vectors, pairs_path):
    """Spearman between human scores and cosines (w2v.evaluate.evaluate_similarity)."""
    result = w2v_evaluate.evaluate_similarity(vectors, pairs_path, restrict=0)
    rho = result.spearman
    return {"spearman": None if rho is None else round(rho, 4), "pairs": result.used,
            "pairs_total": result.pairs}


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
    binary) analogies are scored by word2vec.c's program instead of w2v.evaluate. A file
    w2v refuses (truncated, non-finite values) gives {"error": its one-line reason}."""
    try:
        words, matrix = read_vectors(vectors_path)
    except UserError as exc:
        return {"error": str(exc)}
    if compute_accuracy:
        analogy = compute_accuracy_binary(compute_accuracy, vectors_path, questions_path, restrict)
        analogy["evaluator"] = "compute-accuracy"
    else:
        analogy = analogy_accuracy(words, matrix, questions_path, restrict)
        analogy["evaluator"] = "w2v.evaluate (compute-accuracy rules)"
    result = {"vocab": len(words), "dim": matrix.shape[1], "analogy": analogy}
    if similarity_sets:
        vectors = Vectors(words, matrix)
        for name, path in similarity_sets.items():
            result[name] = word_pair_similarity(vectors, path)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("vectors", help="word2vec binary vectors file")
    parser.add_argument("--questions", default=w2v_evaluate.DEFAULT_QUESTIONS)
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
