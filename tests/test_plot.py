"""w2v plot's label placement: labels do not cover each other, nor leave the axes."""
import numpy as np
import pytest


def test_crowded_labels_do_not_overlap():
    pytest.importorskip("matplotlib")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.text import Text
    from w2v.plot import place_labels

    # three tight clusters of points, as near neighbours make them
    rng = np.random.default_rng(0)
    xy = np.vstack([centre + rng.normal(scale=0.03, size=(6, 2))
                    for centre in ([0, 0], [1, 0.2], [0.4, 1])])
    words = [f"word{i}" for i in range(len(xy))]
    queries = np.arange(len(xy)) % 6 == 0
    figure = Figure(figsize=(8, 6))
    axes = figure.add_subplot()
    axes.scatter(xy[:, 0], xy[:, 1])
    axes.margins(0.12)
    annotations = place_labels(axes, xy, words, queries)

    assert [a.get_text() for a in annotations] == words
    renderer = FigureCanvasAgg(figure).get_renderer()
    for a in annotations:
        a.update_positions(renderer)
    boxes = [Text.get_window_extent(a, renderer) for a in annotations]  # without leader lines
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert not a.overlaps(b), (a, b)
    frame = axes.get_window_extent(renderer)
    assert all(frame.contains(b.x0, b.y0) and frame.contains(b.x1, b.y1) for b in boxes)
