"""Summaries of benchmark runs: medians, pairwise speed ratios, a markdown table, a PNG.

Ratios are taken pair by pair: the word2vec.c run and the other run of the same repeat
(which ran minutes apart, in the same alternation round) give one ratio, and the table shows
the median of those ratios. Drift of a shared machine between rounds then cancels, which
it would not if medians of each side were divided.
"""
import statistics
from collections import defaultdict

BASELINE = "word2vec.c"
CONFIG_ORDER = ["sg-ns", "cbow-ns", "sg-hs", "cbow-hs"]


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _quality(run, *path):
    value = run.get("quality") or {}
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def summarize(runs, impl_order):
    """One row per (copies, config, threads, impl), medians over repeats."""
    ok = defaultdict(list)
    failed = defaultdict(list)
    for run in runs:
        key = (run.get("copies", 1), run["config"], run["threads"], run["impl"])
        (ok if run.get("ok") else failed)[key].append(run)
    baseline_wall = {}  # (copies, config, threads, repeat) -> wall of word2vec.c
    for (copies, config, threads, impl), group in ok.items():
        if impl == BASELINE:
            for run in group:
                baseline_wall[(copies, config, threads, run["repeat"])] = run["wall"]

    def order(key):
        copies, config, threads, impl = key
        return (copies, CONFIG_ORDER.index(config) if config in CONFIG_ORDER else 99, config,
                threads, impl_order.index(impl) if impl in impl_order else 99, impl)

    rows = []
    for key in sorted(set(ok) | set(failed), key=order):
        copies, config, threads, impl = key
        group = ok.get(key, [])
        ratios = [baseline_wall[(copies, config, threads, r["repeat"])] / r["wall"]
                  for r in group if (copies, config, threads, r["repeat"]) in baseline_wall]
        rows.append({
            "copies": copies, "config": config, "threads": threads, "impl": impl,
            "label": (group or failed[key])[0].get("label", impl),
            "runs": len(group), "failed": len(failed.get(key, [])),
            "errors": sorted({r.get("error", "") for r in failed.get(key, [])}),
            "tokens": group[0]["corpus_tokens"] if group else None,
            "iter": group[0]["iter"] if group else None,
            "wall": _median(r["wall"] for r in group),
            "cpu": _median(r["user"] + r["sys"] for r in group),
            "maxrss_mb": _median(r["maxrss_kb"] / 1024 for r in group),
            "words_per_s": _median(r["words_per_s"] for r in group),
            "words_per_s_thread": _median(r["words_per_s"] / r["threads"] for r in group),
            "speed_vs_baseline": _median(ratios),
            "multiply_adds_per_s": _median(r.get("multiply_adds_per_s") for r in group),
            "peak_fraction": _median(r.get("peak_fraction") for r in group),
            "speed_ratios": [round(x, 4) for x in ratios],
            "analogy": _median(_quality(r, "analogy", "total") for r in group),
            "semantic": _median(_quality(r, "analogy", "semantic") for r in group),
            "syntactic": _median(_quality(r, "analogy", "syntactic") for r in group),
            "seen": _median(_quality(r, "analogy", "seen") for r in group),
            "questions": _median(_quality(r, "analogy", "questions") for r in group),
            "wordsim353": _median(_quality(r, "wordsim353", "spearman") for r in group),
            "simlex999": _median(_quality(r, "simlex999", "spearman") for r in group),
        })
    return rows


def _num(value, fmt):
    return "–" if value is None else format(value, fmt)


def _rate(value):
    if value is None:
        return "–"
    return f"{value / 1e6:.2f}M" if value >= 1e6 else f"{value / 1e3:.0f}k"


def _macs(row):
    rate = row.get("multiply_adds_per_s")
    if rate is None:
        return "–"
    fraction = row.get("peak_fraction")
    return f"{rate / 1e9:.1f}" + (f" ({100 * fraction:.1f} %)" if fraction else "")


def markdown_table(rows):
    head = ("| model | threads | implementation | wall s | CPU s | peak RSS MB | words/s "
            "| words/s/thread | speed vs word2vec.c | G multiply-adds/s (% of peak) "
            "| analogy % (sem / syn) | questions seen | WS353 ρ | SimLex ρ | runs |")
    lines = [head, "| --- | ---: | --- |" + " ---: |" * 12]
    for row in rows:
        if row["runs"]:
            analogy = (f"{row['analogy']:.2f} ({_num(row['semantic'], '.1f')} / "
                       f"{_num(row['syntactic'], '.1f')})" if row["analogy"] is not None else "–")
            seen = (f"{row['seen']:.0f} / {row['questions']:.0f}"
                    if row["seen"] is not None else "–")
            speed = "–" if row["speed_vs_baseline"] is None else f"{row['speed_vs_baseline']:.2f}×"
            runs = str(row["runs"]) + (f" (+{row['failed']} failed)" if row["failed"] else "")
            lines.append(
                f"| {row['config']} | {row['threads']} | {row['label']} | {row['wall']:.1f} "
                f"| {row['cpu']:.1f} | {row['maxrss_mb']:.0f} | {_rate(row['words_per_s'])} "
                f"| {_rate(row['words_per_s_thread'])} | {speed} | {_macs(row)} | {analogy} "
                f"| {seen} "
                f"| {_num(row['wordsim353'], '.3f')} | {_num(row['simlex999'], '.3f')} | {runs} |")
        else:
            error = "; ".join(e for e in row["errors"] if e)[:120]
            lines.append(f"| {row['config']} | {row['threads']} | {row['label']} | failed: "
                         f"{error} | | | | | | | | | | | 0 ({row['failed']} failed) |")
    return "\n".join(lines)


def scaling_table(rows):
    lines = ["| model | threads | implementation | copies | corpus words | wall s "
             "| wall ÷ (copies × wall at 1×) | peak RSS MB | RSS ÷ RSS at 1× | runs |",
             "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    base = {(r["config"], r["threads"], r["impl"]): r for r in rows
            if r["copies"] == 1 and r["runs"]}
    for row in rows:
        if not row["runs"]:
            continue
        b = base.get((row["config"], row["threads"], row["impl"]))
        linear = row["wall"] / (row["copies"] * b["wall"]) if b else None
        flat = row["maxrss_mb"] / b["maxrss_mb"] if b else None
        lines.append(f"| {row['config']} | {row['threads']} | {row['label']} | {row['copies']} "
                     f"| {row['tokens']:,} | {row['wall']:.1f} | {_num(linear, '.2f')} "
                     f"| {row['maxrss_mb']:.0f} | {_num(flat, '.2f')} | {row['runs']} |")
    return "\n".join(lines)


COLORS = {"w2v": "#d62728", "w2v-batch": "#9467bd", "w2v-batch2": "#e377c2",
          "w2v-best": "#8c564b", "word2vec.c": "#1f77b4", "gensim": "#2ca02c",
          "gensim-iter": "#98df8a", "fasttext": "#ff7f0e"}
OURS = ("w2v", "w2v-batch", "w2v-batch2", "w2v-best")
MARKERS = {"sg-ns": "o", "cbow-ns": "s", "sg-hs": "^", "cbow-hs": "D"}


def frontier(rows):
    """For each peer's (wall time, accuracy) point, the w2v run (any mode, model or thread
    count) reaching at least that accuracy in the least time: rows of dicts."""
    ours = [r for r in rows if r["runs"] and r["impl"] in OURS and r["analogy"] is not None]
    found = []
    for peer in rows:
        if not peer["runs"] or peer["impl"] in OURS or peer["analogy"] is None:
            continue
        good = [r for r in ours if r["analogy"] >= peer["analogy"]]
        best = min(good, key=lambda r: r["wall"]) if good else None
        found.append({"peer": peer, "ours": best,
                      "ratio": peer["wall"] / best["wall"] if best else None})
    return found


def frontier_table(rows):
    lines = ["| peer run | its wall s | its analogy % | fastest w2v run at least as accurate "
             "| its wall s | its analogy % | time ratio |",
             "| --- | ---: | ---: | --- | ---: | ---: | ---: |"]
    for item in frontier(rows):
        peer, ours = item["peer"], item["ours"]
        name = f"{peer['label']} {peer['config']} {peer['threads']}t"
        if ours is None:
            lines.append(f"| {name} | {peer['wall']:.1f} | {peer['analogy']:.2f} | none | | | |")
            continue
        lines.append(f"| {name} | {peer['wall']:.1f} | {peer['analogy']:.2f} "
                     f"| {ours['label']} {ours['config']} {ours['threads']}t | {ours['wall']:.1f} "
                     f"| {ours['analogy']:.2f} | {item['ratio']:.2f}× |")
    return "\n".join(lines)


def plot(rows, path, title):
    """Words/s bars per thread count, and analogy accuracy against wall time."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    rows = [r for r in rows if r["runs"]]
    if not rows:
        return
    thread_counts = sorted({r["threads"] for r in rows})
    impls = list(dict.fromkeys(r["impl"] for r in rows))
    configs = [c for c in CONFIG_ORDER if any(r["config"] == c for r in rows)]
    configs += sorted({r["config"] for r in rows} - set(configs))
    has_quality = any(r["analogy"] is not None for r in rows)
    panels = len(thread_counts) + (1 if has_quality else 0)
    fig, axes = plt.subplots(1, panels, figsize=(5.2 * panels, 4.4), squeeze=False)
    axes = axes[0]
    width = 0.8 / max(len(impls), 1)
    for ax, threads in zip(axes, thread_counts):
        for i, impl in enumerate(impls):
            xs, ys = [], []
            for j, config in enumerate(configs):
                match = [r for r in rows if r["impl"] == impl and r["config"] == config
                         and r["threads"] == threads]
                if match:
                    xs.append(j + (i - (len(impls) - 1) / 2) * width)
                    ys.append(match[0]["words_per_s"] / 1e3)
            label = next(r["label"] for r in rows if r["impl"] == impl)
            ax.bar(xs, ys, width, label=label, color=COLORS.get(impl))
        ax.set_xticks(range(len(configs)), configs)
        ax.set_ylabel("thousand words/s (corpus words × passes / wall)")
        ax.set_title(f"{threads} thread{'s' if threads > 1 else ''}")
        ax.grid(axis="y", alpha=0.3)
    for ax in axes[:len(thread_counts)]:
        ax.set_ylim(top=ax.get_ylim()[1] * 1.3)  # headroom for the legend, above the bars
    axes[0].legend(fontsize=8, ncol=2, loc="upper center")
    if has_quality:
        ax = axes[-1]
        for r in rows:
            if r["analogy"] is None:
                continue
            filled = r["threads"] == max(thread_counts)
            ax.scatter(r["wall"], r["analogy"], marker=MARKERS.get(r["config"], "x"), s=45,
                       color=COLORS.get(r["impl"]) if filled else "none",
                       edgecolors=COLORS.get(r["impl"], "k"))
        ours = sorted((r for r in rows if r["impl"] in OURS and r["analogy"] is not None),
                      key=lambda r: r["wall"])
        pareto, best = [], None
        for r in ours:  # w2v's frontier: the most accurate run within each time
            if best is None or r["analogy"] > best:
                best = r["analogy"]
                pareto.append((r["wall"], r["analogy"]))
        if len(pareto) > 1:
            ax.step(*zip(*pareto), where="post", color=COLORS["w2v"], alpha=0.5, lw=1,
                    label="w2v's best accuracy by time")
        for impl in impls:
            ax.scatter([], [], color=COLORS.get(impl), marker="o",
                       label=next(r["label"] for r in rows if r["impl"] == impl))
        for config in configs:
            ax.scatter([], [], color="grey", marker=MARKERS.get(config, "x"), label=config)
        ax.set_xscale("log")
        # ticks at 10, 20, 50, 100 ... in plain seconds: the default minor labels
        # (3x10^2, 4x10^2) overlap when the times span less than a decade
        ax.xaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1, 2, 5)))
        ax.xaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
        ax.set_xlabel("wall time, s (log; hollow = 1 thread)")
        ax.set_ylabel("analogy accuracy, % (top 30k words)")
        ax.set_title("quality against training time")
        ax.grid(alpha=0.3)
        # below the axes: inside, it hid points wherever it went
        ax.legend(fontsize=7, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.16))
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_scaling(rows, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [r for r in rows if r["runs"]]
    if not rows:
        return
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4.2))
    series = list(dict.fromkeys((r["impl"], r["config"], r["threads"]) for r in rows))
    for impl, config, threads in series:
        pts = sorted((r["copies"], r["wall"], r["maxrss_mb"]) for r in rows
                     if (r["impl"], r["config"], r["threads"]) == (impl, config, threads))
        label = next(r["label"] for r in rows if r["impl"] == impl) + f" {config} t{threads}"
        copies = [p[0] for p in pts]
        left.plot(copies, [p[1] for p in pts], "o-", color=COLORS.get(impl), label=label)
        if pts[0][0] == 1:
            left.plot(copies, [pts[0][1] * c for c in copies], ":", color=COLORS.get(impl),
                      alpha=0.6)
        right.plot(copies, [p[2] for p in pts], "o-", color=COLORS.get(impl), label=label)
    left.set_xlabel("corpus copies")
    left.set_ylabel("wall s (dotted: linear from 1×)")
    right.set_xlabel("corpus copies")
    right.set_ylabel("peak RSS, MB")
    right.set_ylim(bottom=0)
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
