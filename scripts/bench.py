#!/usr/bin/env python3
"""Benchmark w2v against word2vec.c, gensim and fastText on one corpus, side by side.

Each implementation trains with the same hyperparameters (size, window, negative, sample,
min-count, passes, starting alpha, threads) as its own process; the script measures the
whole process (wall, CPU, peak RSS), derives words/s (corpus words x passes / wall), scores
the vectors with one evaluator for all (analogies by compute-accuracy's rules on the top
30,000 words; Spearman on WordSim-353 and SimLex-999 when gensim's copies are installed),
and writes a markdown table, a JSON file of every raw figure and a PNG plot.

Runs alternate the implementations (A B C D A B C D ...), round after round over all
configurations, and speed is reported as the median of pairwise ratios to word2vec.c, so
that the drift of a shared machine cancels.

Examples (from the repository root):

    python scripts/bench.py --quick                      # 1 pass, all configs, 1 and all threads
    python scripts/bench.py --quality                    # 5 passes
    python scripts/bench.py --impl w2v,word2vec.c --config sg-ns --threads 2 --repeat 5
    python scripts/bench.py --scaling 1,2,4 --impl w2v,word2vec.c --config cbow-ns
    python scripts/bench.py --report scripts/results/quick.json   # redo table and plot

Needs the benchmark extras: pip install word2vec==0.11.1 gensim fasttext-wheel matplotlib scipy
"""
import argparse
import datetime
import json
import os
import platform
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import bench_arith  # noqa: E402
import bench_corpus  # noqa: E402
import bench_eval  # noqa: E402
import bench_impls  # noqa: E402
import bench_report  # noqa: E402

REPO = bench_impls.REPO
SHARED_CORPUS = os.path.join(REPO, "..", "shared", "data", "enwiki2015-text8like.zip")
SAMPLE_CORPUS = os.path.join(REPO, "w2v", "data", "sample-enwiki.txt.gz")
QUESTIONS = os.path.join(REPO, "w2v", "data", "questions-words.txt")

# The four models compared; starting alpha is word2vec.c's default for each.
CONFIGS = {
    "sg-ns": dict(cbow=0, hs=0, negative=5, alpha=0.025),
    "cbow-ns": dict(cbow=1, hs=0, negative=5, alpha=0.05),
    "sg-hs": dict(cbow=0, hs=1, negative=0, alpha=0.025),
    "cbow-hs": dict(cbow=1, hs=1, negative=0, alpha=0.05),
}


def cores():
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def csv(text):
    return [x.strip() for x in text.split(",") if x.strip()]


def parse_args(argv):
    p = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="1 pass: speed (the default)")
    mode.add_argument("--quality", action="store_true", help="5 passes: accuracy")
    p.add_argument("--scaling", metavar="K,K,..", type=lambda t: [int(x) for x in csv(t)],
                   help="scaling mode: train on K concatenated copies of the corpus (e.g. "
                        "1,2,4), with min-count x K so that the vocabulary stays the same")
    p.add_argument("--corpus", help="plain, .gz, .bz2, .xz or .zip text [default: "
                   "../shared/data/enwiki2015-text8like.zip beside the repository when present, "
                   "else the bundled w2v/data/sample-enwiki.txt.gz]")
    p.add_argument("--impl", default=",".join(bench_impls.DEFAULT_IMPLS),
                   help="implementations, in alternation order [%(default)s]; also gensim-iter "
                        "(gensim's iterable mode)")
    p.add_argument("--config", default=",".join(CONFIGS),
                   help="models [%(default)s]")
    p.add_argument("--threads", default=f"1,{cores()}", help="thread counts [%(default)s]")
    p.add_argument("--repeat", type=int, help="rounds over everything [3 quick, 1 quality]")
    p.add_argument("--iter", type=int, help="passes, overriding --quick/--quality")
    p.add_argument("--size", type=int, default=100)
    p.add_argument("--window", type=int, default=5)
    p.add_argument("--sample", type=float, default=1e-4)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--w2v-cmd", help="command that runs w2v, e.g. 'w2v' or '.venv/bin/w2v' "
                   "[default: python -m w2v with PYTHONPATH at this repository: the in-place build]")
    p.add_argument("--word2vec-bin", help="word2vec.c binary [the one PyPI word2vec installed]")
    p.add_argument("--evaluator", choices=["numpy", "compute-accuracy", "none"], default="numpy",
                   help="analogy scorer: numpy copy of compute-accuracy's rules (3 s), the "
                        "compute-accuracy binary itself (30 s), or no quality figures")
    p.add_argument("--eval-repeats", choices=["all", "first"], default="all",
                   help="score the vectors of every repeat or only of the first round")
    p.add_argument("--questions", default=QUESTIONS)
    p.add_argument("--restrict", type=int, default=30000,
                   help="analogies use the first N words of each vectors file [%(default)s]")
    p.add_argument("--out", default=os.path.join(HERE, "results"),
                   help="directory for NAME.md, NAME.json, NAME.png [%(default)s]")
    p.add_argument("--name", help="file name stem [quick, quality or scaling]")
    p.add_argument("--workdir", default=os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                                     "w2v-bench"),
                   help="unpacked corpora, logs, vectors [%(default)s]")
    p.add_argument("--keep-vectors", action="store_true")
    p.add_argument("--dry-run", action="store_true", help="print the commands, run nothing")
    p.add_argument("--report", metavar="JSON", help="only rebuild table and plot from a JSON")
    return p.parse_args(argv)


def default_corpus():
    return os.path.normpath(SHARED_CORPUS) if os.path.exists(SHARED_CORPUS) else SAMPLE_CORPUS


def machine():
    info = {"platform": platform.platform(), "python": platform.python_version(),
            "cores": cores()}
    try:
        with open("/proc/cpuinfo") as f:
            models = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        info["cpu"] = models[0] if models else platform.processor()
    except OSError:
        info["cpu"] = platform.processor()
    try:
        with open("/proc/meminfo") as f:
            info["memory_gb"] = round(int(f.readline().split()[1]) / 1024 / 1024, 1)
    except (OSError, ValueError, IndexError):
        pass
    return info


def loadavg():
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def write_outputs(args, name, meta, runs, impl_order):
    os.makedirs(args.out, exist_ok=True)
    rows = bench_report.summarize(runs, impl_order)
    base = os.path.join(args.out, name)
    with open(base + ".json.part", "w") as f:
        json.dump({"meta": meta, "summary": rows, "runs": runs}, f, indent=1)
    os.replace(base + ".json.part", base + ".json")
    corpus = meta["corpus"]
    m = meta["machine"]
    title = (f"{os.path.basename(corpus['source'])}, {corpus['tokens']:,} words, "
             f"{meta['settings']['iter']} pass(es); {m['cpu']}, {m['cores']} cores")
    text = [f"# w2v benchmark: {name}", "",
            f"- machine: {m['cpu']}, {m['cores']} cores, {m.get('memory_gb', '?')} GB, "
            f"{m['platform']}, Python {m['python']}",
            f"- corpus: `{corpus['source']}` ({corpus['tokens']:,} words, {corpus['bytes']:,} "
            f"bytes); words/s = corpus words × passes ÷ whole-process wall time",
            f"- settings: {json.dumps(meta['settings'])}",
            "- implementations: " + "; ".join(f"{k}: {v}" for k, v in meta["versions"].items()),
            f"- evaluator: {meta['evaluator']}",
            f"- multiply-adds: counted from the corpus's vocabulary (see scripts/bench_arith.py);"
            f" peak {(meta.get('peak_multiply_adds') or 0) / 1e9:.0f} G/s = "
            f"{meta.get('peak_description', '?')}; '% of peak' scales it to the threads used",
            f"- command: `{meta['command']}`",
            f"- started {meta['started']}, finished {meta.get('finished', '(running)')}; "
            f"load average at start of runs: median {meta.get('median_load', '?')}",
            "", "Medians over repeats; speed vs word2vec.c is the median of pairwise ratios "
            "(word2vec.c wall ÷ this wall, same round).", ""]
    if meta.get("mode") == "scaling":
        text += [bench_report.scaling_table(rows), ""]
    text += [bench_report.markdown_table(rows), ""]
    if any(r["analogy"] is not None for r in rows) and any(r["impl"] in bench_report.OURS
                                                          for r in rows):
        text += ["Accuracy against time: for each peer run, the w2v run (any mode, model or "
                 "thread count measured here) that reaches at least its analogy accuracy in "
                 "the least wall time.", "", bench_report.frontier_table(rows), ""]
    with open(base + ".md", "w") as f:
        f.write("\n".join(text))
    try:
        if meta.get("mode") == "scaling":
            bench_report.plot_scaling(rows, base + ".png", title)
        else:
            bench_report.plot(rows, base + ".png", title)
    except ImportError:
        print("bench: matplotlib missing, no plot", file=sys.stderr)
    except Exception as exc:  # a plot must never cost the measurements
        print(f"bench: plot failed: {exc!r}", file=sys.stderr)
    return rows


def rebuild_report(args):
    with open(args.report) as f:
        data = json.load(f)
    args.out = os.path.dirname(os.path.abspath(args.report))
    name = os.path.splitext(os.path.basename(args.report))[0]
    order = list(dict.fromkeys(r["impl"] for r in data["runs"]))
    rows = write_outputs(args, name, data["meta"], data["runs"], order)
    print(bench_report.markdown_table(rows))


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.report:
        return rebuild_report(args)
    iters = args.iter or (5 if args.quality else 1)
    repeat = args.repeat or (1 if args.quality else 3)
    mode = "scaling" if args.scaling else ("quality" if args.quality else "quick")
    name = args.name or mode
    configs = csv(args.config)
    for c in configs:
        if c not in CONFIGS:
            raise SystemExit(f"bench: unknown config {c!r}; choose from {', '.join(CONFIGS)}")
    thread_counts = [int(t) for t in csv(args.threads)]
    impls = bench_impls.make_implementations(csv(args.impl), args.w2v_cmd, args.word2vec_bin)
    usable = []
    for impl in impls:
        problem = impl.problem()
        if problem:
            print(f"bench: skipping {impl.name}: {problem}", file=sys.stderr)
        else:
            usable.append(impl)
    if not usable:
        raise SystemExit("bench: nothing to run")
    impl_order = [i.name for i in usable]
    compute_accuracy = None
    if args.evaluator == "compute-accuracy":
        compute_accuracy = bench_impls.find_tool("word2vec-compute-accuracy")
        if not compute_accuracy:
            raise SystemExit("bench: word2vec-compute-accuracy not found")
    similarity_sets = bench_eval.default_similarity_sets() if args.evaluator != "none" else {}

    corpus_source = args.corpus or default_corpus()
    print(f"bench: preparing {corpus_source} in {args.workdir}", file=sys.stderr)
    base_corpus = bench_corpus.prepare(corpus_source, args.workdir)
    copies_list = args.scaling or [1]
    corpora = {k: bench_corpus.replicated(base_corpus, k, args.workdir) for k in copies_list}
    lines_cache = {}

    def prepare_lines(corpus):
        if corpus.path not in lines_cache:
            lines_cache[corpus.path] = bench_corpus.rechunked(corpus, args.workdir)
        return lines_cache[corpus.path]

    logs = os.path.join(args.workdir, "logs")
    vectors_dir = os.path.join(args.workdir, "vectors")
    os.makedirs(logs, exist_ok=True)
    os.makedirs(vectors_dir, exist_ok=True)

    settings = {"iter": iters, "size": args.size, "window": args.window, "sample": args.sample,
                "min_count": args.min_count, "alpha": {c: CONFIGS[c]["alpha"] for c in configs},
                "configs": configs, "threads": thread_counts, "repeat": repeat,
                "copies": copies_list}
    meta = {
        "mode": mode, "command": " ".join(["python", "scripts/bench.py"] + (argv or sys.argv[1:])),
        "started": datetime.datetime.now().isoformat(timespec="seconds"),
        "machine": machine(), "settings": settings,
        "corpus": {"source": corpus_source, "tokens": base_corpus.tokens,
                   "bytes": base_corpus.bytes, "lines": base_corpus.lines},
        "versions": {i.name: i.version() for i in usable},
        "evaluator": ("none" if args.evaluator == "none" else
                      ("compute-accuracy binary" if compute_accuracy else
                       "numpy, compute-accuracy rules") + f", top {args.restrict} words, "
                      f"{os.path.basename(args.questions)}; similarity: "
                      + (", ".join(similarity_sets) or "none")),
    }

    # the multiply-adds each configuration implies, from the corpus's vocabulary
    stats = {copies: bench_arith.corpus_statistics(corpora[copies].path,
                                                   args.min_count * copies, args.sample)
             for copies in copies_list} if not args.dry_run else {}
    peak, peak_text = bench_arith.peak_multiply_adds(cores())
    meta["peak_multiply_adds"] = peak
    meta["peak_description"] = peak_text

    plan = []
    for r in range(repeat):
        for copies in copies_list:
            for config in configs:
                for threads in thread_counts:
                    for impl in usable:
                        if impl.supports(bench_impls.Settings(
                                config=config, threads=threads, iter=iters,
                                **{k: CONFIGS[config][k] for k in ("cbow", "hs", "negative")})):
                            plan.append((r, copies, config, threads, impl))
    runs = []
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    for n, (r, copies, config, threads, impl) in enumerate(plan, 1):
        corpus = corpora[copies]
        c = CONFIGS[config]
        s = bench_impls.Settings(config=config, cbow=c["cbow"], hs=c["hs"],
                                 negative=c["negative"], alpha=c["alpha"], threads=threads,
                                 iter=iters, size=args.size, window=args.window,
                                 sample=args.sample, min_count=args.min_count * copies)
        tag = f"{stamp}-{impl.name}-{config}-t{threads}-x{copies}-r{r}"
        output = os.path.join(vectors_dir, tag + ".bin")
        corpus_path = impl.corpus_path(corpus, prepare_lines) if not args.dry_run else corpus.path
        cmd = impl.command(s, corpus_path, output, expected_words=corpus.tokens)
        if args.dry_run:
            print(" ".join(cmd))
            continue
        record = {"impl": impl.name, "label": impl.label, "config": config, "threads": threads,
                  "copies": copies, "repeat": r, "iter": iters, "min_count": s.min_count,
                  "corpus_path": corpus_path, "corpus_tokens": corpus.tokens,
                  "command": cmd, "load_before": loadavg(),
                  "started": datetime.datetime.now().isoformat(timespec="seconds")}
        out_log, err_log = os.path.join(logs, tag + ".out"), os.path.join(logs, tag + ".err")
        m = bench_impls.run_measured(cmd, out_log, err_log, cwd=impl.cwd(), env=impl.env())
        words = corpus.tokens * iters
        macs = iters * bench_arith.multiply_adds_per_pass(
            stats[copies], s.cbow, s.hs, s.negative, s.size, s.window)
        record.update(wall=round(m.wall, 3), user=round(m.user, 3), sys=round(m.sys, 3),
                      maxrss_kb=m.maxrss_kb, returncode=m.returncode,
                      words_per_s=round(words / m.wall, 1), load_after=loadavg(),
                      multiply_adds=macs, multiply_adds_per_s=round(macs / m.wall),
                      peak_fraction=round(macs / m.wall / (peak * threads / cores()), 4)
                      if peak else None, logs=[out_log, err_log])
        record["ok"] = m.returncode == 0 and os.path.exists(output)
        if isinstance(impl, bench_impls.PythonPeer) and m.returncode == 0:
            try:
                with open(out_log) as f:
                    record["peer"] = json.loads(f.read().strip().splitlines()[-1])
            except (ValueError, IndexError):
                pass
        if not record["ok"]:
            with open(err_log, errors="replace") as f:
                tail = f.read().strip().splitlines()[-1:] or ["no output file"]
            record["error"] = f"exit {m.returncode}: {tail[0][:200]}"
        elif args.evaluator != "none" and (args.eval_repeats == "all" or r == 0):
            record["quality"] = bench_eval.evaluate(output, args.questions, args.restrict,
                                                    similarity_sets, compute_accuracy)
        if record["ok"] and not args.keep_vectors:
            os.remove(output)
        runs.append(record)
        q = (record.get("quality") or {}).get("analogy", {}).get("total")
        status = (f"{m.wall:7.1f} s  {words / m.wall / 1e3:7.0f}k words/s  "
                  f"RSS {m.maxrss_kb / 1024:5.0f} MB" + (f"  analogy {q:.2f}%" if q is not None
                                                         else "")
                  if record["ok"] else record["error"])
        print(f"[{n}/{len(plan)}] round {r + 1} {config} t{threads} x{copies} {impl.name:11s} "
              f"{status}  (load {record['load_before']})", flush=True)
        meta["median_load"] = round(bench_report._median(x["load_before"] for x in runs), 2)
        write_outputs(args, name, meta, runs, impl_order)  # partial results survive a crash
    if args.dry_run:
        return
    meta["finished"] = datetime.datetime.now().isoformat(timespec="seconds")
    rows = write_outputs(args, name, meta, runs, impl_order)
    print()
    if mode == "scaling":
        print(bench_report.scaling_table(rows))
        print()
    print(bench_report.markdown_table(rows))
    print(f"\nwrote {os.path.join(args.out, name)}.md/.json/.png")


if __name__ == "__main__":
    main()
