"""How close do negative sampling and hierarchical softmax get to the full softmax? On a
vocabulary small enough for the exact softmax (the most frequent words of the shared
corpus), CBOW trained with --softmax, negative sampling with k = 1, 5 and 15, and
hierarchical softmax; each scored by the exact objective: the average negative
log-likelihood -log p(word | mean of its context) over positions of the training text
and of held-out text that follows it (full window of 5 on each side, no subsampling).
For softmax and negative sampling p is the softmax of the output vectors' scores; for
hierarchical softmax it is the product of the sigmoids along the word's Huffman path
(a normalised distribution too). Negative sampling's scores estimate log p(w | c) / (k q(w))
with q its noise distribution, not log p(w | c) (Levy & Goldberg, 2014), so they are also
scored with log q(w) added back before the softmax. Plus the vectors' quality.

CBOW (one prediction per position) keeps the exact softmax affordable.

    python scripts/experiments/softmax_vs_approximations.py [--words 2000] [--tokens 3000000]
        [--passes 2] [--seeds 1,2] [--corpus FILE]

Writes scripts/results/softmax_vs_approximations.md, .json and .png.
"""
import collections
import os

import numpy as np

from common import arguments, corpus_path, mean_spread, run, save, score
from w2v.model import Huffman
from w2v.vocab import Vocab
from w2v.vectors import Vectors

WINDOW = 5
VARIANTS = {
    "full softmax": dict(softmax=True, negative=0),
    "negative sampling, k = 1": dict(negative=1),
    "negative sampling, k = 5": dict(negative=5),
    "negative sampling, k = 15": dict(negative=15),
    "hierarchical softmax": dict(hs=True, negative=0),
}
EVAL_POSITIONS = 100000


def split(corpus, workdir, words, tokens):
    """Training and held-out files of `tokens` and tokens / 10 words, and a vocabulary
    file of the `words` most frequent words of the training part."""
    from w2v.inputs import open_stream
    os.makedirs(workdir, exist_ok=True)
    with open_stream(corpus, "corpus") as f:
        text = f.read(int(tokens * 1.1 * 7)).split()
    train, held = text[:tokens], text[tokens:tokens + tokens // 10]
    counts = collections.Counter(train).most_common(words)
    paths = [os.path.join(workdir, name) for name in ("sm-train.txt", "sm-held.txt",
                                                       "sm-vocab.txt")]
    for path, part in zip(paths[:2], (train, held)):
        with open(path, "wb") as f:
            for start in range(0, len(part), 1000):
                f.write(b" ".join(part[start:start + 1000]) + b"\n")
    with open(paths[2], "wb") as f:
        f.write(b"</s> 0\n" + b"".join(b"%s %d\n" % pair for pair in counts))
    return paths


def positions(path, index, limit, rng):
    """(contexts (P, 2 * WINDOW) of ids, targets (P,)) for up to `limit` positions with a
    full window, unknown words dropped first as training drops them."""
    with open(path, "rb") as f:
        ids = np.array([index[t] for t in f.read().split() if t in index], np.int64)
    centres = np.arange(WINDOW, len(ids) - WINDOW)
    if len(centres) > limit:
        centres = np.sort(rng.choice(centres, limit, replace=False))
    offsets = np.r_[-WINDOW:0, 1:WINDOW + 1]
    return ids[centres[:, None] + offsets], ids[centres]


def exact_nll(result, config, contexts, targets, bias=None):
    """Average -log p(target | mean of its contexts); `bias` (one per word) is added to
    every score before the softmax."""
    hidden = result.input_vectors[contexts].mean(axis=1)
    if config.get("hs"):
        tree = Huffman(*result.vocab.huffman())
        syn1 = result.model.hs_vectors
        total = 0.0
        for h, word in zip(hidden, targets):
            n = tree.lengths[word]
            f = syn1[tree.points[word, :n]] @ h
            sign = 1 - 2 * tree.codes[word, :n].astype(np.float64)  # code 0: sigmoid(f)
            total -= np.sum(-np.logaddexp(0, -sign * f))
        return total / len(targets)
    output = result.output_vectors
    total = 0.0
    for start in range(0, len(targets), 4096):
        scores = hidden[start:start + 4096] @ output.T
        if bias is not None:
            scores = scores + bias
        top = scores.max(axis=1, keepdims=True)
        log_z = top[:, 0] + np.log(np.exp(scores - top).sum(axis=1))
        chosen = scores[np.arange(len(scores)), targets[start:start + 4096]]
        total += float(np.sum(log_z - chosen))
    return total / len(targets)


def main():
    def add(parser):
        parser.add_argument("--words", type=int, default=2000)
        parser.add_argument("--tokens", type=int, default=3_000_000)
        parser.add_argument("--passes", type=int, default=2)
    args = arguments(__doc__, "softmax_vs_approximations", seeds="1,2", add=add)
    train_path, held_path, vocab_path = split(corpus_path(args.workdir, args.corpus),
                                              args.workdir, args.words, args.tokens)
    vocab = Vocab.read(vocab_path, min_count=0)
    index = {w: i for i, w in enumerate(vocab.words)}
    rng = np.random.default_rng(0)
    samples = {"train": positions(train_path, index, EVAL_POSITIONS, rng),
               "held-out": positions(held_path, index, EVAL_POSITIONS, rng)}
    runs = []
    for seed in args.seed_list:
        for name, options in VARIANTS.items():
            measured, result = run(train_path, cbow=True, size=100, window=WINDOW,
                                   sample=1e-4, min_count=0, iter=args.passes, seed=seed,
                                   read_vocab=vocab_path, **options)
            noise = np.maximum(result.vocab.counts, 1).astype(np.float64) ** 0.75
            log_noise = np.log(noise / noise.sum())
            for part, (contexts, targets) in samples.items():
                measured[part] = exact_nll(result, options, contexts, targets)
                if options.get("negative"):
                    measured[part + " + log q"] = exact_nll(result, options, contexts, targets,
                                                            log_noise)
            if not options.get("hs"):
                measured["output"] = score(Vectors(result.vocab.words, result.output_vectors))
            runs.append(dict(variant=name, seed=seed, **measured))
            print(runs[-1], flush=True)
            report(runs, args)


def report(runs, args):
    lines = [f"CBOW on the first {args.tokens:,} words of the shared corpus, vocabulary cut to "
             f"its {args.words} most frequent words, {args.passes} passes, size 100, window "
             f"{WINDOW}, sample 1e-4, 2 threads; exact negative log-likelihood per prediction "
             f"(nats) on {EVAL_POSITIONS:,} positions of the training text and of the "
             f"{args.tokens // 10:,} words after it; mean ± standard deviation over seeds "
             f"{args.seeds}; for negative sampling also with log q(w), the log of its noise "
             f"distribution, added to the scores. Uniform guessing: "
             f"{np.log(args.words):.2f} nats. Command: `python "
             f"scripts/experiments/softmax_vs_approximations.py --words {args.words} --tokens "
             f"{args.tokens} --passes {args.passes} --seeds {args.seeds}`", "",
             "| objective | exact NLL, training text | exact NLL, held-out | held-out, + log q(w) "
             "| analogy % | WS353 ρ | SimLex ρ | wall s |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name in VARIANTS:
        group = [r for r in runs if r["variant"] == name]
        if not group:
            continue
        lines.append(f"| {name} | {mean_spread((r['train'] for r in group), 3)} "
                     f"| {mean_spread((r['held-out'] for r in group), 3)} "
                     f"| {mean_spread((r.get('held-out + log q') for r in group), 3)} "
                     f"| {mean_spread(r['analogy'] for r in group)} "
                     f"| {mean_spread((r.get('ws353') for r in group), 3)} "
                     f"| {mean_spread((r.get('simlex') for r in group), 3)} "
                     f"| {mean_spread(r['seconds'] for r in group)} |")
    panels = {title: [(name, [r.get(key) for r in runs if r["variant"] == name])
                      for name in VARIANTS]
              for key, title in (("train", "exact NLL, training text (nats)"),
                                 ("held-out", "exact NLL, held-out (nats)"),
                                 ("held-out + log q", "held-out, NS + log q(w) (nats)"),
                                 ("analogy", "analogy %"))}
    save(args.name, "\n".join(lines) + "\n", runs, panels)


if __name__ == "__main__":
    main()
