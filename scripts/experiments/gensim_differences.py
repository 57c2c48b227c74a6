"""Where does gensim's extra point of analogy accuracy come from? Each difference
between gensim 4.4's training loop and word2vec.c's, switched alone in w2v, over seeds;
then corrected CBOW (--cbow-gradient mean) against skip-gram.

Differences read in gensim's word2vec_inner.pyx and word2vec.py and tested here:

- ns-skip: gensim skips a negative-sampling unit whose score is outside [-6, 6]
  (`if f_dot <= -MAX_EXP or f_dot >= MAX_EXP: continue`); word2vec.c updates it with
  the clipped gradient (alpha for a positive far below, -alpha for a negative far above).
- init-2: gensim starts the input vectors uniform in [-1, 1) / size, twice word2vec.c's
  [-0.5, 0.5) / size (KeyedVectors.prep_vectors).
- both of them.
- sample-high: word2vec.c decides subsampling with the generator's lowest 16 bits
  (`(next_random & 0xFFFF) / 65536`), which, for a linear congruential generator modulo
  2^64, repeat every 65,536 draws; gensim takes 32 bits from above bit 16
  (`random_int32`). --sample-bits high takes bits 16-31.
- all three.
- final-lr alpha/10, pass-decay 0.5: gensim's corpus_file mode (the benchmark's gensim)
  gives each of its N workers one contiguous part of the file, and each worker measures
  the progress of the learning rate by its own words against the whole pass: so within
  a pass the rate falls only 1/N of the pass's share, and drops the rest between passes
  (word2vec_corpusfile.pyx, get_next_alpha). With 2 workers and 5 passes the rate ends
  at alpha / 10. --pass-decay 0.5 is that staircase; a straight line to alpha / 10 has
  the same mean and end. gensim's iterable mode measures progress over all workers.
- the w2v rows marked [one stream] were measured before w2v split a pass into one region
  per thread (as word2vec.c and gensim's corpus_file mode do); the others after.
Differences that do not apply to this corpus or that the benchmark already aligns: gensim
has no `</s>` entry (the corpus has no newlines); its learning rate falls linearly to
min_alpha (given alpha x 1e-4, word2vec.c's floor, by the benchmark); subsampling draws 32
random bits instead of 16 (the same probabilities); negatives come from a cumulative
table of count^0.75 (the same distribution as w2v's alias tables); sentences are the
corpus's 1000-word lines for gensim, 1000 kept words for word2vec.c and w2v.
gensim's vectors are scored in word2vec.c's word order (bench_peer_train.py): in its own
order of tied counts it answers 48 fewer questions and the same vectors score 0.13 point
higher. Rows "scored in gensim's word order" predate that.

    python scripts/experiments/gensim_differences.py [--seeds 1,2,3] [--corpus FILE]
        [--variants NAME,NAME] [--gensim-iterable] [--skip-gensim] [--append]

Writes scripts/results/gensim_differences.md and .json.
"""
import json
import os
import shlex
import sys
import time

from common import RESULTS, ROOT, arguments, corpus_path, mean_spread, run, save, score

sys.path.insert(0, os.path.join(ROOT, "scripts"))
from bench_peer_train import gensim_in_word2vec_order  # noqa: E402

COMMON = dict(size=100, window=5, negative=5, sample=1e-4, min_count=5, iter=5, threads=2)
MODELS = {"sg-ns": dict(cbow=False, alpha=0.025), "cbow-ns": dict(cbow=True, alpha=0.05)}
VARIANTS = {
    "word2vec.c (w2v default)": {},
    "ns-skip": dict(ns_saturation="skip"),
    "init-2": dict(init_scale=2.0),
    "ns-skip + init-2": dict(ns_saturation="skip", init_scale=2.0),
    "sample-high": dict(sample_bits="high"),
    "ns-skip + init-2 + sample-high": dict(ns_saturation="skip", init_scale=2.0,
                                           sample_bits="high"),
    # gensim's corpus_file workers each measure progress by their own words against the
    # whole epoch, so with 2 workers the rate falls half as far per pass and ends near
    # alpha / 10 after 5 passes: a linear fall to alpha / 10 has the same mean and end.
    "final-lr alpha/10": dict(final_alpha_ratio=0.1),
    # the same worker accounting exactly: each pass takes half its share of the fall
    "pass-decay 0.5": dict(pass_decay=0.5),
    "ns-skip + init-2 + sample-high + pass-decay 0.5": dict(
        ns_saturation="skip", init_scale=2.0, sample_bits="high", pass_decay=0.5),
}
CORRECTED_ALPHAS = (0.05, 0.1, 0.2, 0.4)


def gensim_run(corpus, model, seed, iterable=False):
    """gensim 4.4 itself on 1000-word lines: corpus_file mode (its fastest) or, with
    `iterable`, sentences streamed from Python (LineSentence)."""
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence
    from w2v.vectors import Vectors
    source = dict(sentences=LineSentence(corpus)) if iterable else dict(corpus_file=corpus)
    started = time.perf_counter()
    trained = Word2Vec(**source, vector_size=100, window=5, min_count=5,
                       sample=1e-4, sg=0 if MODELS[model]["cbow"] else 1, hs=0, negative=5,
                       alpha=MODELS[model]["alpha"], min_alpha=MODELS[model]["alpha"] * 1e-4,
                       workers=2, epochs=5, seed=seed)
    seconds = time.perf_counter() - started
    vectors = Vectors(*gensim_in_word2vec_order(trained.wv))
    return {"seconds": seconds, **score(vectors)}


def lines_file(corpus, workdir):
    """gensim's corpus_file mode trains on far fewer words of a one-line corpus: give it
    the corpus in 1000-word lines, as the benchmark does."""
    from w2v.inputs import open_stream
    os.makedirs(workdir, exist_ok=True)
    target = os.path.join(workdir, os.path.basename(corpus) + ".lines-1000.txt")
    if not os.path.exists(target):
        with open_stream(corpus, "corpus") as f:
            words = f.read().split()
        with open(target, "wb") as out:
            for start in range(0, len(words), 1000):
                out.write(b" ".join(words[start:start + 1000]) + b"\n")
    return target


def main():
    def add(parser):
        parser.add_argument("--skip-gensim", action="store_true")
        parser.add_argument("--gensim-iterable", action="store_true",
                            help="also run gensim in its iterable mode")
        parser.add_argument("--skip-corrected", action="store_true")
        parser.add_argument("--variants", help='comma-separated variant names, "" for none [all]')
        parser.add_argument("--append", action="store_true",
                            help="add to the runs already in the results file")
    args = arguments(__doc__, "gensim_differences", add=add)
    seeds = args.seed_list
    corpus = corpus_path(args.workdir, args.corpus)
    chosen = (list(VARIANTS) if args.variants is None  # --variants "": none of them
              else [name for name in args.variants.split(",") if name])
    runs = []
    stored = os.path.join(RESULTS, args.name + ".json")
    if args.append and os.path.exists(stored):
        with open(stored) as f:
            runs = json.load(f)

    def record(model, variant, seed, measured):
        runs.append(dict(model=model, variant=variant, seed=seed, **measured))
        print(f"{model} {variant} seed {seed}: " + ", ".join(
            f"{k} {v:.3f}" for k, v in measured.items() if v is not None), flush=True)
        report(runs, args)  # after every run: a stopped experiment keeps what it measured

    for seed in seeds:
        for model, model_options in MODELS.items():
            for variant in chosen:
                options = dict(VARIANTS[variant])
                if "final_alpha_ratio" in options:
                    options["min_alpha"] = model_options["alpha"] * options.pop(
                        "final_alpha_ratio")
                measured, _ = run(corpus, seed=seed, **COMMON, **model_options, **options)
                record(model, variant, seed, measured)
            if not args.skip_gensim:
                record(model, "gensim 4.4 corpus_file", seed,
                       gensim_run(lines_file(corpus, args.workdir), model, seed))
            if args.gensim_iterable:
                record(model, "gensim 4.4 iterable", seed,
                       gensim_run(lines_file(corpus, args.workdir), model, seed, iterable=True))
        for alpha in () if args.skip_corrected else CORRECTED_ALPHAS:
            measured, _ = run(corpus, seed=seed, cbow=True, cbow_gradient="mean", alpha=alpha,
                              **COMMON)
            record("cbow-ns", f"corrected CBOW, alpha {alpha}", seed, measured)


def report(runs, args):
    order = list(dict.fromkeys((r["model"], r["variant"]) for r in runs))
    lines = [f"Shared corpus, 5 passes, 2 threads, size 100, window 5, negative 5, sample 1e-4; "
             f"seeds {','.join(str(s) for s in sorted({r['seed'] for r in runs}))}; mean ± "
             "standard deviation over seeds. Last command: "
             f"`python scripts/experiments/gensim_differences.py {shlex.join(sys.argv[1:])}`"
             f"{' (added to the runs before)' if args.append else ''}", "",
             "| model | variant | analogy % | WS353 ρ | SimLex ρ | wall s | runs |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for model, variant in order:
        group = [r for r in runs if (r["model"], r["variant"]) == (model, variant)]
        lines.append(f"| {model} | {variant} | {mean_spread(r['analogy'] for r in group)} "
                     f"| {mean_spread((r.get('ws353') for r in group), 3)} "
                     f"| {mean_spread((r.get('simlex') for r in group), 3)} "
                     f"| {mean_spread(r['seconds'] for r in group)} | {len(group)} |")
    save(args.name, "\n".join(lines) + "\n", runs)


if __name__ == "__main__":
    main()
