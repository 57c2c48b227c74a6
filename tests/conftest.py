import random

import pytest


def planted_corpus(path, groups=5, words_per_group=6, lines=1500, line_length=12, seed=0):
    """Lines of words drawn from one group each: words of a group co-occur, others never."""
    rng = random.Random(seed)
    vocab = [[f"g{g}w{w}" for w in range(words_per_group)] for g in range(groups)]
    with open(path, "w") as f:
        for _ in range(lines):
            group = rng.choice(vocab)
            f.write(" ".join(rng.choice(group) for _ in range(line_length)) + "\n")
    return vocab


@pytest.fixture
def planted(tmp_path):
    path = tmp_path / "planted.txt"
    groups = planted_corpus(path)
    return path, groups
