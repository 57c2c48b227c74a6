"""What --update-vocab does to a hierarchical-softmax model, against gensim's way.

gensim's build_vocab(update=True) rebuilds the Huffman tree from the merged counts but
keeps the output matrix (syn1) row for row; w2v keeps the old tree and grows it. This
measures both on the bundled sample corpus: a skip-gram HS model trained on the first
half, updated with the vocabulary of the second half, then scored on the first half
(the average loss of a pass without subsampling and with a learning rate of 1e-9, which
learns nothing) before
and after one pass of training on the second half.

    python scripts/experiments/update_vocab_hs.py [--corpus FILE] [--workdir DIR]

Writes a markdown table to scripts/results/update_vocab_hs.md.
"""
import argparse
import gzip
import os
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from w2v.model import Huffman, load_model, save_model  # noqa: E402
from w2v.trainer import make_config, train  # noqa: E402

COMMON = dict(cbow=False, hs=True, negative=0, size=100, window=5, sample=1e-4, min_count=5,
              threads=1, seed=1, debug=0)


def loss_on(model_path, text):
    """Average HS loss of `text` under the model, learning nothing (alpha 1e-9)."""
    result = train(make_config([text], None, from_model=model_path, iter=1, alpha=1e-9,
                               min_alpha=1e-9, sample=0, threads=1, debug=0))
    return result.first_pass.average_loss


def similarity_agreement(before, after, top=1000):
    """Correlation of the cosine similarities among the `top` most frequent words of
    `before` (skipping `</s>`) as the two models see them: how much of the old structure
    is left after the update and the training."""
    words = before.vocab.words[1:top + 1]
    row = {w: i for i, w in enumerate(after.vocab.words)}
    a = before.input_vectors[1:top + 1]
    b = after.input_vectors[[row[w] for w in words]]
    unit = [m / np.linalg.norm(m, axis=1, keepdims=True) for m in (a, b)]
    sims = [(u @ u.T)[np.triu_indices(len(words), 1)] for u in unit]
    return float(np.corrcoef(*sims)[0, 1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", default=os.path.join(ROOT, "w2v", "data",
                                                         "sample-enwiki.txt.gz"))
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    work = args.workdir or tempfile.mkdtemp(prefix="w2v-update-")
    opener = gzip.open if args.corpus.endswith(".gz") else open
    with opener(args.corpus, "rb") as f:
        words = f.read().split()
    half = len(words) // 2
    day1, day2 = os.path.join(work, "day1.txt"), os.path.join(work, "day2.txt")
    for path, part in ((day1, words[:half]), (day2, words[half:])):
        with open(path, "wb") as f:
            for start in range(0, len(part), 1000):
                f.write(b" ".join(part[start:start + 1000]) + b"\n")

    m1 = os.path.join(work, "day1.model")
    COMMON["threads"] = args.threads
    train(make_config([day1], None, save_model=m1, iter=3, **COMMON))
    rows = []
    day1_loss = loss_on(m1, day1)

    grown = os.path.join(work, "grown.model")  # w2v: the vocabulary updated, nothing learnt
    train(make_config([day2], None, from_model=m1, update_vocab=True, save_model=grown,
                      iter=1, alpha=1e-9, min_alpha=1e-9, threads=1, debug=0))
    rebuilt = os.path.join(work, "rebuilt.model")  # gensim: a new tree over the same rows
    model = load_model(grown)
    model.huffman = Huffman(*model.vocab.huffman())
    save_model(rebuilt, model)
    added = len(load_model(grown).vocab) - len(load_model(m1).vocab)

    for name, path in (("grown tree (w2v)", grown), ("rebuilt tree (gensim)", rebuilt)):
        before = loss_on(path, day1)
        trained = os.path.join(work, f"{name.split()[0]}-trained.model")
        train(make_config([day2], None, from_model=path, save_model=trained, iter=1,
                          alpha=0.025, min_alpha=None, sample=1e-4, threads=args.threads,
                          debug=0))
        accuracy = load_model(trained).vectors().evaluate_analogies().accuracy or 0.0
        rows.append((name, before, loss_on(trained, day1),
                     similarity_agreement(load_model(m1), load_model(trained)), accuracy))

    lines = ["| model | HS loss on day-1 text after the update | after 1 pass on day-2 text "
             "| similarities of the 1000 top day-1 words, before vs after (r) "
             "| analogy accuracy after |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for name, before, after, kept, accuracy in rows:
        lines.append(f"| {name} | {before:.4f} | {after:.4f} | {kept:.4f} | "
                     f"{100 * accuracy:.2f} % |")
    text = (f"Corpus {os.path.basename(args.corpus)}; skip-gram HS, {half} words a day, {added} words added by --update-vocab; "
            f"the day-1 model's own loss on day-1 text: {day1_loss:.4f}; "
            f"command: `python scripts/experiments/update_vocab_hs.py {' '.join(sys.argv[1:])}`\n\n" + "\n".join(lines) + "\n")
    out = os.path.join(ROOT, "scripts", "results", "update_vocab_hs.md")
    with open(out, "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
