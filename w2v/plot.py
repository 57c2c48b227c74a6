"""A picture of some words: their vectors projected to 2-D, saved as PNG, SVG or PDF.

The projection is PCA (principal components, in numpy) of the unit vectors of the words
shown, or t-SNE when scikit-learn is installed and asked for. matplotlib is an optional
dependency (`pip install w2v[plot]`); without it, plotting is a clear error.

Labels are placed greedily so that they do not cover each other or the points: the words
asked for first, then their neighbours, each label tries eight positions around its point
(then the same eight further out, joined to it by a thin line), its size measured by the
renderer, and takes the one that overlaps least with the labels placed so far, the points
and the space outside the axes.
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
    axes.set_title(title or f"{method.upper()} of {len(chosen)} words")
    axes.set_xticks([])
    axes.set_yticks([])
    axes.margins(0.12)  # room for the labels of the outermost points
    figure.tight_layout()
    place_labels(axes, xy, [word for word, _ in chosen], queries)
    extension = os.path.splitext(output)[1].lstrip(".").lower() or "png"
    try:
        with atomic_output(output) as out:
            figure.savefig(out, format=extension, dpi=150)
    except ValueError as exc:  # an extension matplotlib cannot write
        raise UserError(f"cannot save a plot as {output}: {exc}") from None
    return chosen


# Where a label may go: (dx, dy) directions from its point, the first preferred on ties.
DIRECTIONS = [(1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1)]
NEAR, FAR = 3, 14  # points between a point and its label: first ring, second ring


def place_labels(axes, xy, words, queries):
    """Label the points `xy` (data coordinates) with `words`, larger and black for the
    queries, each where it overlaps least with the labels already placed, the points and
    the outside of the axes (greedy; queries first). Returns the annotations, in order."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    figure = axes.figure
    renderer = FigureCanvasAgg(figure).get_renderer()
    axes.get_xlim(), axes.get_ylim()  # settles autoscaling: data -> pixels is final now
    pixels_per_point = figure.dpi / 72
    points = axes.transData.transform(xy)
    radii = np.where(queries, np.sqrt(24), np.sqrt(12)) / 2 * pixels_per_point + 1
    dots = np.column_stack([points - radii[:, None], points + radii[:, None]])
    frame = axes.get_window_extent(renderer).extents
    placed, annotations = [], [None] * len(words)
    for i in sorted(range(len(words)), key=lambda i: not queries[i]):
        style = dict(fontsize=10 if queries[i] else 8, color="black" if queries[i] else "dimgray")
        probe = axes.annotate(words[i], xy[i], **style)
        extent = probe.get_window_extent(renderer)
        probe.remove()
        size = np.array([extent.width, extent.height])
        best = None
        for ring, distance in enumerate((NEAR, FAR)):
            for rank, direction in enumerate(DIRECTIONS):
                box = _label_box(points[i], direction, distance * pixels_per_point, size)
                cost = (sum(_overlap(box, other) for other in placed)
                        + sum(_overlap(box, dots[j]) for j in range(len(words)) if j != i)
                        + 10 * (_area(box) - _overlap(box, frame)))
                key = (cost, ring, rank)
                if best is None or key < best[0]:
                    best = (key, box, direction, distance)
        (_, ring, _), box, (dx, dy), distance = best
        annotations[i] = axes.annotate(
            words[i], xy[i], xytext=(dx * distance, dy * distance), textcoords="offset points",
            ha={1: "left", 0: "center", -1: "right"}[dx],
            va={1: "bottom", 0: "center", -1: "top"}[dy],
            # further out, a thin line shows whose label it is
            arrowprops=dict(arrowstyle="-", color="0.6", lw=0.5, shrinkA=0, shrinkB=2)
            if ring else None, **style)
        placed.append(box)
    return annotations


def _label_box(point, direction, distance, size):
    """(x0, y0, x1, y1) in pixels of a label `size` wide and high, set `distance` pixels
    from `point` in `direction`, aligned away from it."""
    corner = point + np.array(direction) * distance
    low = corner - size * (1 - (np.array(direction) + 1) / 2)
    return np.concatenate([low, low + size])


def _overlap(a, b):
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


def _area(box):
    return (box[2] - box[0]) * (box[3] - box[1])


def _figure_class():
    # A bare Figure, not pyplot: no display and no global backend switch, so it works
    # over ssh, in cron and inside a notebook alike.
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise UserError("plotting needs matplotlib: pip install matplotlib "
                        "(or pip install 'w2v[plot]')") from None
    return Figure
