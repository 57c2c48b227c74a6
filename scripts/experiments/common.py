"""What the experiment scripts share: the corpus, a training run measured and scored,
and tables of means and spreads over seeds.

Every run trains through w2v's Python API in this process (so the numbers are w2v's,
not a subprocess's), keeps its wall time, and is scored by w2v's own evaluators:
analogy accuracy by compute-accuracy's rules (top 30,000 words) and Spearman's rho on
WordSim-353 and SimLex-999 (gensim's copies of them, when gensim is installed; they are
not shipped with w2v for their licences).
"""
import argparse
import json
import os
import statistics
import sys
import time
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
RESULTS = os.path.join(ROOT, "scripts", "results")
SHARED_CORPUS = os.path.join(ROOT, "..", "shared", "data", "enwiki2015-text8like.zip")

from w2v.trainer import make_config, train  # noqa: E402
from w2v.vectors import Vectors  # noqa: E402


def arguments(doc, name, seeds="1,2,3", add=None):
    """The options every experiment takes (--seeds, --corpus, --workdir, --name), plus
    those `add(parser)` adds; returns the parsed arguments with .seed_list."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--seeds", default=seeds)
    parser.add_argument("--corpus", help="training text [the shared corpus]")
    parser.add_argument("--workdir", default=os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                                          "w2v-experiments"))
    parser.add_argument("--name", default=name, help="results file stem [%(default)s]")
    if add:
        add(parser)
    args = parser.parse_args()
    args.seed_list = [int(s) for s in args.seeds.split(",")]
    return args


def corpus_path(workdir, source=None):
    """The training text as a plain file (the shared corpus unpacked once)."""
    source = source or os.path.normpath(SHARED_CORPUS)
    if not source.endswith(".zip"):
        return source
    os.makedirs(workdir, exist_ok=True)
    with zipfile.ZipFile(source) as archive:
        member = archive.namelist()[0]
        target = os.path.join(workdir, os.path.basename(member))
        if not os.path.exists(target):
            archive.extract(member, workdir)
    return target


def similarity_sets():
    try:
        from gensim.test.utils import datapath
    except ImportError:
        return {}
    return {"ws353": datapath("wordsim353.tsv"), "simlex": datapath("simlex999.txt")}


def score(vectors):
    """analogy accuracy (%) and Spearman rho on the similarity sets."""
    result = {"analogy": 100 * (vectors.evaluate_analogies().accuracy or 0)}
    for name, path in similarity_sets().items():
        result[name] = vectors.evaluate_similarity(path).spearman
    return result


def run(corpus, **options):
    """Train with `options` (w2v train's, with underscores); wall time, scores, result."""
    options.setdefault("threads", 2)
    options.setdefault("debug", 0)
    started = time.perf_counter()
    result = train(make_config([corpus], None, **options))
    seconds = time.perf_counter() - started
    which = options.get("output_vectors", "input")
    vectors = Vectors(result.vocab.words, result.vectors_to_write(which))
    return {"seconds": seconds, **score(vectors)}, result


def mean_spread(values, digits=2):
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return f"{statistics.mean(values):.{digits}f} ± {statistics.stdev(values):.{digits}f}"


def save(name, text, data, panels=None):
    """Write NAME.md and NAME.json under scripts/results, and NAME.png when `panels` is
    given: {panel title: [(bar label, values over seeds), ...]}, drawn as bars of the mean
    with the standard deviation as error bars (skipped when matplotlib is missing)."""
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, name + ".md"), "w") as f:
        f.write(text)
    with open(os.path.join(RESULTS, name + ".json"), "w") as f:
        json.dump(data, f, indent=1)
    if panels:
        plot_panels(os.path.join(RESULTS, name + ".png"), panels)


def plot_panels(path, panels):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return
    panels = {title: [(label, [v for v in values if v is not None]) for label, values in bars]
              for title, bars in panels.items()}
    labels = list(dict.fromkeys(label for bars in panels.values() for label, _ in bars))
    size = (4.2 * len(panels), 0.45 * len(labels) + 1.4)
    figure, axes = plt.subplots(1, len(panels), figsize=size,
                                sharey=True, squeeze=False)
    for axis, (title, bars) in zip(axes[0], panels.items()):
        found = dict(bars)
        means = [statistics.mean(found[l]) if found.get(l) else 0 for l in labels]
        spreads = [statistics.stdev(found[l]) if len(found.get(l, [])) > 1 else 0
                   for l in labels]
        axis.barh(range(len(labels)), means, xerr=spreads, color="#4c72b0", capsize=3)
        axis.set_title(title, fontsize=10)
        axis.grid(axis="x", alpha=0.3)
    axes[0][0].set_yticks(range(len(labels)))
    axes[0][0].set_yticklabels(labels, fontsize=8)
    axes[0][0].invert_yaxis()
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
