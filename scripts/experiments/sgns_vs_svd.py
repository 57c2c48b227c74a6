"""Negative sampling as matrix factorisation (Levy & Goldberg, 2014): skip-gram with k
negatives implicitly factorises the word-context PMI matrix shifted by log k. Here the
explicit version, an SVD of the shifted positive PMI matrix of the most frequent words,
against SGNS vectors of the same words, trained by w2v on the same text.

Co-occurrences are counted with word2vec's window as it acts on average (a context at
distance d counts (window - d + 1) / window, since the window shrinks uniformly), after
word2vec.c's subsampling; the context distribution is smoothed with exponent 0.75, as
negative sampling's noise is; SPPMI = max(PMI - log k, 0); the word vectors are U sqrt(S)
of its truncated SVD. Both are scored on WordSim-353, SimLex-999 and the analogies whose
four words are all among the words kept, and compared by how well their cosine
similarities agree (Pearson r over every pair of the words).

    python scripts/experiments/sgns_vs_svd.py [--words 5000] [--seeds 1,2,3] [--corpus FILE]

Writes scripts/results/sgns_vs_svd.md, .json and .png.
"""
import time

import numpy as np

from common import arguments, corpus_path, mean_spread, run, save
from w2v.evaluate import evaluate_analogies
from w2v.vectors import Vectors

WINDOW, NEGATIVE, SAMPLE, DIM = 5, 5, 1e-4, 100


def sppmi_vectors(corpus, words, seed):
    """U sqrt(S) of the SVD of the shifted PPMI matrix over `words` (bytes, frequent
    first), counted on `corpus` after subsampling."""
    from w2v.corpus import Corpus
    from w2v.vocab import Vocab
    vocab = Vocab.build(Corpus([corpus]), min_count=1)
    index = {w: i for i, w in enumerate(words)}
    keep = vocab.keep_probabilities(SAMPLE)
    keep_of = {w: float(k) for w, k in zip(vocab.words, keep)}
    from w2v.inputs import open_stream
    with open_stream(corpus, "corpus") as f:
        tokens = f.read().split()
    rng = np.random.default_rng(seed)
    kept = [t for t, r in zip(tokens, rng.random(len(tokens))) if keep_of.get(t, 0) >= r]
    ids = np.array([index.get(t, -1) for t in kept], np.int64)
    V = len(words)
    counts = np.zeros(V * V, np.float64)
    for d in range(1, WINDOW + 1):
        weight = (WINDOW - d + 1) / WINDOW
        a, b = ids[:-d], ids[d:]
        both = (a >= 0) & (b >= 0)
        pairs = a[both] * V + b[both]
        counts += weight * np.bincount(pairs, minlength=V * V)
        counts += weight * np.bincount(b[both] * V + a[both], minlength=V * V)
    counts = counts.reshape(V, V)
    total = counts.sum()
    word_p = counts.sum(axis=1) / total
    context = counts.sum(axis=0) ** 0.75
    context_p = context / context.sum()
    with np.errstate(divide="ignore"):
        pmi = np.log(counts / total) - np.log(word_p)[:, None] - np.log(context_p)[None, :]
    sppmi = np.maximum(pmi - np.log(NEGATIVE), 0)
    sppmi[~np.isfinite(sppmi)] = 0
    u, s, _ = np.linalg.svd(sppmi.astype(np.float32), full_matrices=False)
    return (u[:, :DIM] * np.sqrt(s[:DIM])).astype(np.float32)


def scores(words, matrix):
    from common import similarity_sets
    vectors = Vectors(words, matrix)
    result = {"analogy": 100 * (evaluate_analogies(list(words), matrix, restrict=0).accuracy
                                or 0),
              "analogy_seen": evaluate_analogies(list(words), matrix, restrict=0).questions_seen}
    for name, path in similarity_sets().items():
        found = vectors.evaluate_similarity(path)
        result[name] = found.spearman
        result[name + "_pairs"] = found.used
    return result


def agreement(a, b):
    unit = [m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-12) for m in (a, b)]
    upper = np.triu_indices(len(a), 1)
    return float(np.corrcoef((unit[0] @ unit[0].T)[upper], (unit[1] @ unit[1].T)[upper])[0, 1])


def main():
    args = arguments(__doc__, "sgns_vs_svd", add=lambda parser: parser.add_argument(
        "--words", type=int, default=5000))
    corpus = corpus_path(args.workdir, args.corpus)
    runs = []
    for seed in args.seed_list:
        _, result = run(corpus, cbow=False, size=DIM, window=WINDOW, negative=NEGATIVE,
                        sample=SAMPLE, min_count=5, iter=5, seed=seed)
        words = result.vocab.words[1:args.words + 1]
        sgns = np.asarray(result.input_vectors[1:args.words + 1])
        started = time.perf_counter()
        svd = sppmi_vectors(corpus, words, seed)
        seconds = time.perf_counter() - started
        runs.append(dict(seed=seed, method="SGNS (w2v, 5 passes)", **scores(words, sgns)))
        runs.append(dict(seed=seed, method="SVD of SPPMI", seconds=seconds,
                         **scores(words, svd)))
        runs.append(dict(seed=seed, method="agreement", r=agreement(sgns, svd)))
        print(runs[-3:], flush=True)
        report(runs, args)


def report(runs, args):
    lines = [f"Shared corpus; the {args.words} most frequent words; window {WINDOW}, k = "
             f"{NEGATIVE}, sample {SAMPLE}, {DIM} dimensions; mean ± standard deviation over "
             "seeds (each seed: its own SGNS run and its own subsampling for the counts). "
             "Analogies: those whose four words are among the kept words. Command: `python "
             f"scripts/experiments/sgns_vs_svd.py --words {args.words} --seeds {args.seeds}`",
             "", "| method | analogy % (questions) | WS353 ρ (pairs) | SimLex ρ (pairs) |",
             "| --- | ---: | ---: | ---: |"]
    for method in ("SGNS (w2v, 5 passes)", "SVD of SPPMI"):
        group = [r for r in runs if r["method"] == method]
        if not group:
            continue
        lines.append(f"| {method} | {mean_spread(r['analogy'] for r in group)} "
                     f"({group[0]['analogy_seen']}) "
                     f"| {mean_spread((r.get('ws353') for r in group), 3)} "
                     f"({group[0].get('ws353_pairs', '–')}) "
                     f"| {mean_spread((r.get('simlex') for r in group), 3)} "
                     f"({group[0].get('simlex_pairs', '–')}) |")
    agree = [r["r"] for r in runs if r["method"] == "agreement"]
    lines += ["", f"Agreement of the two similarity structures (Pearson r of the cosines of "
              f"every word pair): {mean_spread(agree, 3)}"]
    methods = ("SGNS (w2v, 5 passes)", "SVD of SPPMI")
    panels = {title: [(m, [r.get(key) for r in runs if r["method"] == m]) for m in methods]
              for key, title in (("analogy", "analogy % (kept words)"),
                                 ("ws353", "WordSim-353 ρ"), ("simlex", "SimLex-999 ρ"))}
    save(args.name, "\n".join(lines) + "\n", runs, panels)


if __name__ == "__main__":
    main()
