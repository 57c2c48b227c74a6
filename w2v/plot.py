"""A picture of some words: their vectors projected to 2-D, saved as PNG, SVG or PDF.

The projection is PCA (principal components, in numpy) of the unit vectors of the words
shown, or t-SNE when scikit-learn is installed and asked for. matplotlib is an optional
dependency (`pip install w2v[plot]`); without it, plotting is a clear error.
"""
import os

import numpy as np

from .outputs import atomic_output
from .errors import UserError


def pca_2d(points):
    """Project the rows of `points` on their first two principal components: (n, 2)."""
    points = np.asarray(points, dtype=np.float64)
    centred = points - points.mean(axis=0)
    if len(points) < 2:
        return np.zeros((len(points), 2))
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    projected = centred @ axes[:2].T
    if projected.shape[1] < 2:  # one-dimensional vectors: nothing to spread along y
        projected = np.hstack([projected, np.zeros((len(points), 1))])
    # An SVD's signs are arbitrary; fix them so that the same words give the same picture.
    signs = np.sign(projected[np.abs(projected).argmax(axis=0), [0, 1]])
    signs[signs == 0] = 1
    return projected * signs


def tsne_2d(points, seed=1):
    try:
        from sklearn.manifold import TSNE
    except ImportError:
        raise UserError("t-SNE needs scikit-learn (pip install scikit-learn); "
                        "or use --method pca") from None
    points = np.asarray(points, dtype=np.float64)
    perplexity = max(1.0, min(30.0, (len(points) - 1) / 3))
    return TSNE(n_components=2, perplexity=perplexity, random_state=seed,
                init="pca").fit_transform(points)


def words_to_plot(vectors, words, neighbours=0):
    """The words asked for, then the `neighbours` nearest words of each (no repeats);
    returns [(word, is_query)]."""
    chosen = {}
    for word in words:
        vectors.index(word)  # WordNotFound for an unknown word
        chosen.setdefault(word, True)
    for word in words if neighbours else ():
        for near, _ in vectors.most_similar(word, topn=neighbours):
            chosen.setdefault(near, False)
    return list(chosen.items())


def plot_words(vectors, words, output, neighbours=0, method="pca", title=None):
    """Save a 2-D map of `words` (and their neighbours) to `output` (.png, .svg, .pdf)."""
    figure_class = _figure_class()
    chosen = words_to_plot(vectors, words, neighbours)
    if len(chosen) < 2:
        raise UserError("need at least two words to plot (give more words or --neighbours)")
    points = vectors.unit_vectors[[vectors.index(w) for w, _ in chosen]]
    xy = tsne_2d(points) if method == "tsne" else pca_2d(points)
    figure = figure_class(figsize=(8, 6))
    axes = figure.add_subplot()
    queries = np.array([q for _, q in chosen])
    axes.scatter(xy[~queries, 0], xy[~queries, 1], s=12, color="tab:gray", alpha=0.7)
    axes.scatter(xy[queries, 0], xy[queries, 1], s=24, color="tab:red")
    for (word, is_query), (x, y) in zip(chosen, xy):
        axes.annotate(word, (x, y), xytext=(3, 3), textcoords="offset points",
                      fontsize=10 if is_query else 8,
                      color="black" if is_query else "dimgray")
    axes.set_title(title or f"{method.upper()} of {len(chosen)} words")
    axes.set_xticks([])
    axes.set_yticks([])
    figure.tight_layout()
    extension = os.path.splitext(output)[1].lstrip(".").lower() or "png"
    try:
        with atomic_output(output) as out:
            figure.savefig(out, format=extension, dpi=150)
    except ValueError as exc:  # an extension matplotlib cannot write
        raise UserError(f"cannot save a plot as {output}: {exc}") from None
    return chosen


def _figure_class():
    # A bare Figure, not pyplot: no display and no global backend switch, so it works
    # over ssh, in cron and inside a notebook alike.
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise UserError("plotting needs matplotlib: pip install matplotlib "
                        "(or pip install 'w2v[plot]')") from None
    return Figure
