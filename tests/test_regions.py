"""A pass split into one region per thread, as word2vec.c splits it (w2v/run.py): the
regions must read every token of the corpus exactly once, none cut in two, and a
checkpoint must carry each region's place."""
import gzip
import random

import numpy as np
import pytest

from w2v.corpus import Corpus, Position
from w2v.run import Cursor, RunState
from w2v.vocab import Vocab


def messy_text(rng, words):
    """Words of 1 to 12 bytes between runs of spaces, tabs, newlines and carriage returns."""
    pieces = []
    for _ in range(words):
        pieces.append("".join(rng.choice("abcdefgh") for _ in range(rng.randint(1, 12))))
        pieces.append(rng.choice([" ", " ", " ", "  ", "\t", "\n", "\r\n", " \n\n"]))
    return "".join(pieces).encode()


def ids_of(corpus, vocab, chunk_size, start=None, stop=None):
    encoder = vocab.encoder()
    parts = [encoder.encode(c.data, c.end_of_file)
             for c in corpus.chunks(chunk_size, start=start, stop=stop)]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)


@pytest.mark.parametrize("files", [1, 3])
@pytest.mark.parametrize("seed", range(4))
def test_regions_read_every_token_once(tmp_path, files, seed):
    rng = random.Random(seed)
    paths = []
    for f in range(files):
        path = tmp_path / f"part{f}.txt"
        path.write_bytes(messy_text(rng, rng.randint(0, 3000)))
        paths.append(str(path))
    corpus = Corpus(paths)
    vocab = Vocab.build(corpus, min_count=1)
    for chunk_size in (7, 1000, 1 << 18):
        whole = ids_of(corpus, vocab, chunk_size)
        for count in (2, 3, 5, 16):
            starts = corpus.region_starts(count)
            assert starts[0] == Position(0, 0, 0) and starts == sorted(set(starts))
            for start in starts[1:]:  # each just after a separator: no token is cut
                data = open(paths[start.file], "rb").read()
                assert start.offset == 0 or data[start.offset - 1:start.offset] in b" \t\n"
            stops = starts[1:] + [None]
            parts = [ids_of(corpus, vocab, chunk_size, a, b) for a, b in zip(starts, stops)]
            assert np.array_equal(np.concatenate(parts), whole), (chunk_size, count)


def test_one_thread_or_compressed_text_is_one_region(tmp_path):
    plain = tmp_path / "a.txt"
    plain.write_bytes(messy_text(random.Random(1), 2000))
    packed = tmp_path / "b.txt.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert Corpus([str(plain)]).region_starts(1) == [Position(0, 0, 0)]
    assert len(Corpus([str(plain)]).region_starts(2)) == 2
    assert Corpus([str(plain), str(packed)]).region_starts(4) == [Position(0, 0, 0)]


def test_a_long_token_at_a_boundary_moves_the_region_past_it(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"a " + b"x" * 5000 + b" b c\n")
    corpus = Corpus([str(path)])
    assert corpus.region_starts(2) == [Position(0, 0, 0), Position(0, 0, 5003)]
    path.write_bytes(b"a " + b"x" * 5000)  # no separator after the middle: one region
    assert Corpus([str(path)]).region_starts(2) == [Position(0, 0, 0)]


def test_checkpoint_state_keeps_every_region_and_reads_the_older_form():
    state = RunState(pass_number=2, cursors=(
        Cursor(Position(0, 0, 4096), Position(0, 0, 9000), (b"ab", False)),
        Cursor(Position(1, 0, 10), None, (b"", False), True)))
    assert RunState.from_json(state.to_json()).cursors == state.cursors
    older = {**state.to_json(), "position": [0, 0, 4096], "pending": [b"ab".hex(), False]}
    del older["regions"]  # written before passes were split: one stream to the end
    assert RunState.from_json(older).cursors == (
        Cursor(Position(0, 0, 4096), None, (b"ab", False)),)


@pytest.mark.parametrize("region", [
    [[0, 0, -5], None, "", False, False],          # a negative offset
    [[0, 0, 10], [0, 0, 5], "", False, False],     # ends before it starts
    [[0, 0, "7"], None, "", False, False],         # not a number
    [[0, 0], None, "", False, False],              # not a position
    [[0, 0, 1], None, "zz", False, False],         # not hex
    "abcde",
])
def test_a_damaged_region_in_a_checkpoint_is_refused(region):
    record = {**RunState().to_json(), "regions": [region]}
    with pytest.raises((ValueError, TypeError)):
        RunState.from_json(record)
