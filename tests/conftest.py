import random
import signal

import pytest

# A test run started under nohup ignores SIGHUP, and the programs the tests start inherit
# that: w2v then rightly leaves SIGHUP ignored, and the tests that send it to a run see it
# go on. A handler that does nothing keeps the test run itself alive through a hangup, as
# nohup meant, while its children start with SIGHUP's default (exec resets a handled
# signal, not an ignored one).
if hasattr(signal, "SIGHUP") and signal.getsignal(signal.SIGHUP) == signal.SIG_IGN:
    signal.signal(signal.SIGHUP, lambda signum, frame: None)


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
