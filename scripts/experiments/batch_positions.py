"""What --batch-positions trades: speed against accuracy of the batched skip-gram.

SG-NS with --batch on the shared corpus (5 passes, 2 threads, word2vec.c's settings),
for each count of consecutive positions sharing one draw of negatives, over seeds:
wall time of training (in this process), analogy accuracy, WordSim-353 and SimLex-999.
The default mode is run beside it as the reference for both.

    python scripts/experiments/batch_positions.py [--positions 1,2,4,8] [--seeds 1,2,3]

Writes scripts/results/batch_positions.md, .json and .png.
"""
from common import arguments, corpus_path, mean_spread, run, save

COMMON = dict(size=100, window=5, negative=5, sample=1e-4, min_count=5, iter=5, threads=2,
              cbow=False, alpha=0.025)


def add_options(parser):
    parser.add_argument("--positions", default="1,2,4,8",
                        help="--batch-positions values [%(default)s]")


def label(positions):
    return "default mode" if positions == 0 else f"--batch --batch-positions {positions}"


def report(runs, args):
    variants = list(dict.fromkeys(r["positions"] for r in runs))
    lines = ["# --batch-positions: speed against accuracy (SG-NS)", "",
             f"`python scripts/experiments/batch_positions.py --positions {args.positions} "
             f"--seeds {args.seeds}`", "",
             "Shared corpus, 5 passes, 2 threads, size 100, window 5, negative 5, "
             "sample 1e-4. Training seconds: `w2v.train` in this process, the vocabulary "
             "scan included. Mean ± standard deviation over seeds.", "",
             "| mode | seeds | training s | analogy % | WS-353 | SimLex |",
             "|---|---|---|---|---|---|"]
    panels = {"analogy %": [], "training s": []}
    for positions in variants:
        rows = [r for r in runs if r["positions"] == positions]
        lines.append(f"| {label(positions)} | {len(rows)} | "
                     f"{mean_spread([r['seconds'] for r in rows], 1)} | "
                     f"{mean_spread([r['analogy'] for r in rows])} | "
                     f"{mean_spread([r.get('ws353') for r in rows], 3)} | "
                     f"{mean_spread([r.get('simlex') for r in rows], 3)} |")
        panels["analogy %"].append((label(positions), [r["analogy"] for r in rows]))
        panels["training s"].append((label(positions), [r["seconds"] for r in rows]))
    save(args.name, "\n".join(lines) + "\n", runs, panels)


def main():
    args = arguments(__doc__, "batch_positions", add=add_options)
    corpus = corpus_path(args.workdir, args.corpus)
    variants = [0] + [int(p) for p in args.positions.split(",")]
    runs = []
    for seed in args.seed_list:  # seeds outermost: a slow period of the machine hits all
        for positions in variants:
            options = dict(COMMON, seed=seed)
            if positions:
                options.update(batch=True, batch_positions=positions)
            measured, _ = run(corpus, **options)
            runs.append(dict(positions=positions, seed=seed, **measured))
            print(label(positions), seed, measured, flush=True)
            report(runs, args)


if __name__ == "__main__":
    main()
