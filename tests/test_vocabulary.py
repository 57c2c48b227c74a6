"""Tokenising, counting, pruning, sorting, saving the vocabulary; Huffman codes; subsampling."""
import bz2
import gzip
import heapq
import itertools
import lzma
import math
import zipfile

import numpy as np
import pytest

from w2v import _text
from w2v.corpus import Corpus
from w2v.errors import UserError
from w2v.vocab import Vocab, count_words


def count(*chunks, max_vocab=1000):
    counter = _text.WordCounter(max_vocab)
    for i, chunk in enumerate(chunks):
        counter.feed(chunk, i == len(chunks) - 1)
    words, counts = counter.result()
    return dict(zip(words, counts.tolist())), words


def test_tokens_and_sentence_ends():
    counts, words = count(b"the cat\tsat\r\non the  mat\n\nthe")
    assert words == [b"</s>", b"the", b"cat", b"sat", b"on", b"mat"]
    assert counts == {b"</s>": 3, b"the": 3, b"cat": 1, b"sat": 1, b"on": 1, b"mat": 1}


def test_chunk_boundaries_do_not_matter():
    text = "Ünïcode wörds\nsplit across chunks\r\n and more\n".encode() * 3
    whole, _ = count(text)
    pieces, _ = count(*[text[i:i + 1] for i in range(len(text))])
    assert whole == pieces


def test_bytes_are_words_without_decoding():
    counts, _ = count(b"\xff\xfe caf\xc3\xa9 \xff\xfe")
    assert counts[b"\xff\xfe"] == 2 and counts[b"caf\xc3\xa9"] == 1


def test_long_tokens_are_cut_at_a_character_boundary():
    ascii_word = b"a" * 150
    counts, _ = count(ascii_word + b" x")
    assert b"a" * 99 in counts
    euro = "€".encode()  # three bytes: 33 of them fill 99 bytes exactly
    counts, _ = count(euro * 40 + b" " + b"b" + euro * 40)
    assert euro * 33 in counts
    assert b"b" + euro * 32 in counts  # 97 bytes: a 33rd euro would need bytes 98-100


def reference_tokens(text):
    """word2vec.c's tokens by the rules in csrc/wordtable.h, written plainly: '\r' gone,
    '\n' a "</s>", ' ' and '\t' separators, long tokens cut as cut_word cuts them."""
    tokens = []
    for number, line in enumerate(text.replace(b"\r", b"").split(b"\n")):
        if number:
            tokens.append(b"</s>")
        tokens += [_text.cut_word(word) for word in line.replace(b"\t", b" ").split(b" ")
                   if word]
    return tokens


@pytest.mark.parametrize("seed", range(6))
def test_tokens_match_the_rules_on_random_bytes(seed):
    # The tokenizer reads eight bytes at a time: words of every length around 8 and 99,
    # bytes just below and above the separators' (0x1f, 0x21, 0xa0 = 0x20 + 0x80, NUL),
    # '\r' inside words, and chunks cut anywhere.
    rng = np.random.default_rng(seed)
    pieces = [b" ", b"\t", b"\n", b"\r", b"  ", b"\x00", b"\x1f", b"!", b"\xa0", b"\x89",
              "é".encode(), "€".encode()]
    parts = []
    for _ in range(400):
        if rng.random() < 0.5:
            parts.append(pieces[rng.integers(len(pieces))])
        else:
            length = int(rng.choice([1, 7, 8, 9, 15, 16, 17, 98, 99, 100, 130]))
            parts.append(bytes(rng.integers(0x21, 0x7f, length, dtype=np.uint8)))
    text = b"".join(parts)
    expected = reference_tokens(text)
    cuts = sorted(rng.integers(0, len(text), 20).tolist())
    chunks = [text[a:b] for a, b in zip([0] + cuts, cuts + [len(text)])]
    counts, words = count(*chunks, max_vocab=10 ** 6)
    assert counts == {word: expected.count(word) for word in words}
    assert words == [b"</s>"] + list(dict.fromkeys(w for w in expected if w != b"</s>"))
    encoder = _text.Encoder(words)
    ids = np.concatenate([encoder.encode(chunk, i == len(chunks) - 1)
                          for i, chunk in enumerate(chunks)])
    assert [words[i] for i in ids] == expected


def test_max_vocab_prunes_like_reduce_vocab():
    # limit 3 entries (</s> included). "c" makes 4: words seen <= 1 time go (c), and the
    # threshold rises to 2. "d" makes 4 again: words seen <= 2 times go (a, b, d), the
    # threshold rises to 3. "e" then starts from scratch.
    counts, words = count(b"a a b b c d e e e", max_vocab=3)
    assert words == [b"</s>", b"e"]
    assert counts == {b"</s>": 0, b"e": 3}
    counts, _ = count(b"a a b b c d e e e", max_vocab=6)  # never over the limit: all kept
    assert counts[b"c"] == 1 and counts[b"e"] == 3


def random_text(rng, words, size):
    """`size` tokens drawn from `words` (Zipf-like), with spaces, tabs, CRs and newlines."""
    vocabulary = [b"w%d" % i for i in range(words)] + ["wörd€".encode(), b"x" * 120]
    picks = np.minimum(rng.zipf(1.3, size), len(vocabulary)) - 1
    separators = rng.choice([b" ", b" ", b" ", b"\t", b"\n", b"\r\n", b"  "], size)
    return b"".join(vocabulary[p] + sep for p, sep in zip(picks, separators))


@pytest.mark.parametrize("seed", range(4))
def test_counting_in_regions_gives_the_one_pass_counts(tmp_path, monkeypatch, seed):
    # Several files, one without a final newline and one empty: counted by 2 to 5
    # regions side by side, then merged, the words, counts and first-seen order must be
    # those of one pass.
    rng = np.random.default_rng(seed)
    paths = []
    for k, size in enumerate([3000, 0, 5000, 1200]):
        path = tmp_path / f"part{k}.txt"
        path.write_bytes(random_text(rng, 400, size).rstrip(b"\n") if k == 2 else
                         random_text(rng, 400, size))
        paths.append(str(path))
    one = count_words(Corpus(paths))
    monkeypatch.setattr("w2v.vocab.available_cores", lambda: 8)  # 5 regions on any machine
    for threads in (2, 3, 5):
        seen = []
        counted = count_words(Corpus(paths), progress=lambda done, total: seen.append(done),
                              threads=threads)
        assert counted[0] == one[0] and counted[1].tolist() == one[1].tolist()
        assert counted[2] is False and seen[-1] == Corpus(paths).total_bytes


def test_counting_in_regions_falls_back_to_one_pass_when_it_would_prune(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(random_text(np.random.default_rng(1), 300, 4000))
    for limit in (20, 150):  # below the words of each region, then only of their union
        one = count_words(Corpus([str(path)]), max_vocab=limit)
        two = count_words(Corpus([str(path)]), max_vocab=limit, threads=2)
        assert one[2] is True
        assert two[0] == one[0] and two[1].tolist() == one[1].tolist() and two[2] is True


def test_counting_in_regions_reports_a_reader_failure(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(random_text(np.random.default_rng(2), 100, 4000))

    class Failing(Corpus):
        def chunks(self, *args, start=None, **kwargs):
            if start is not None and start.offset > 0:
                raise UserError("cannot read corpus c.txt: Input/output error")
            yield from super().chunks(*args, start=start, **kwargs)

    with pytest.raises(UserError, match="Input/output error"):
        count_words(Failing([str(path)]), threads=2)


def test_ties_keep_first_seen_order(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"b a c a b a d\nb c\n")
    vocab = Vocab.build(Corpus([str(path)]), min_count=2)
    assert vocab.words == [b"</s>", b"b", b"a", b"c"]
    assert vocab.counts.tolist() == [2, 3, 3, 2]
    assert vocab.train_words == 10


def test_end_of_sentence_is_kept_even_when_rare(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"x x x x x x\n")
    vocab = Vocab.build(Corpus([str(path)]), min_count=5)
    assert vocab.words == [b"</s>", b"x"] and vocab.counts.tolist() == [1, 6]


def write_compressed(tmp_path, text):
    paths = []
    for suffix, pack in ((".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress)):
        path = tmp_path / ("c.txt" + suffix)
        path.write_bytes(pack(text))
        paths.append(path)
    archive = tmp_path / "c.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("c.txt", text)
    return paths + [archive]


def test_compressed_inputs_count_the_same(tmp_path):
    text = b"one two three two\nthree three\n" * 50
    plain = tmp_path / "c.txt"
    plain.write_bytes(text)
    expected = Vocab.build(Corpus([str(plain)]), min_count=1)
    for path in write_compressed(tmp_path, text):
        vocab = Vocab.build(Corpus([str(path)]), min_count=1)
        assert vocab.words == expected.words and vocab.counts.tolist() == expected.counts.tolist()


def test_corpus_errors(tmp_path):
    with pytest.raises(UserError, match="no such file"):
        Corpus([str(tmp_path / "missing.txt")])
    with pytest.raises(UserError, match="directory"):
        Corpus([str(tmp_path)])
    broken = tmp_path / "broken.gz"
    broken.write_bytes(b"this is not gzip data")
    with pytest.raises(UserError, match="broken.gz"):
        list(Corpus([str(broken)]).chunks())
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"\n\n")
    with pytest.raises(UserError, match="no word appears"):
        Vocab.build(Corpus([str(empty)]))


def test_save_and_read_round_trip(tmp_path):
    path = tmp_path / "c.txt"
    path.write_bytes(b"b a c a b a d\nb c \xff\n")
    vocab = Vocab.build(Corpus([str(path)]), min_count=1)
    vocab.save(tmp_path / "v.txt")
    assert (tmp_path / "v.txt").read_bytes() == b"</s> 2\nb 3\na 3\nc 2\nd 1\n\xff 1\n"
    again = Vocab.read(tmp_path / "v.txt", min_count=2)
    assert again.words == [b"</s>", b"b", b"a", b"c"] and again.counts.tolist() == [2, 3, 3, 2]


def test_corrupt_vocabulary_file(tmp_path):
    path = tmp_path / "v.txt"
    path.write_bytes(b"</s> 2\nword 3\nbroken\n")
    with pytest.raises(UserError, match="line 3"):
        Vocab.read(path)
    with pytest.raises(UserError, match="cannot read vocabulary"):
        Vocab.read(tmp_path / "missing.txt")


def test_encoder_ids():
    encoder = _text.Encoder([b"</s>", b"a", b"b"])
    assert encoder.encode(b"a zz b\nb a", False).tolist() == [1, 2, 0, 2]
    # the pending "a" and this "b" are one token, "ab": unknown, so skipped
    assert encoder.encode(b"b", True).tolist() == []
    assert encoder.encode(b"b a\n", True).tolist() == [2, 1, 0]


def huffman_lengths(counts):
    """Code lengths of an optimal prefix code, by the textbook heap construction."""
    heap = [(c, i, [i]) for i, c in enumerate(counts)]
    heapq.heapify(heap)
    depth = [0] * len(counts)
    tie = itertools.count(len(counts))
    while len(heap) > 1:
        c1, _, a = heapq.heappop(heap)
        c2, _, b = heapq.heappop(heap)
        for leaf in a + b:
            depth[leaf] += 1
        heapq.heappush(heap, (c1 + c2, next(tie), a + b))
    return depth


@pytest.mark.parametrize("seed", range(5))
def test_huffman_codes_are_prefix_free_and_optimal(seed):
    rng = np.random.default_rng(seed)
    counts = np.sort(rng.integers(1, 1000, 40))[::-1]
    codes, points, lengths = _text.huffman(counts, 40)
    words = ["".join(map(str, codes[w, :lengths[w]])) for w in range(len(counts))]
    for a, b in itertools.permutations(words, 2):
        assert not b.startswith(a)
    optimal = huffman_lengths(counts.tolist())
    assert np.dot(lengths, counts) == np.dot(optimal, counts)
    # every path starts at the root (inner node V - 2) and stays among inner nodes
    assert np.all(points[:, 0] == len(counts) - 2)
    for w in range(len(counts)):
        assert np.all((points[w, :lengths[w]] >= 0) & (points[w, :lengths[w]] < len(counts) - 1))


def test_huffman_matches_word2vec_c_on_a_worked_example():
    # counts 5 4 3 2 1: joins (1,2)->n0, (n0=3,3)->n1 (the inner node wins the tie),
    # (4,5)->n2, (n1,n2)->root n3; the second node of each join gets bit 1
    codes, points, lengths = _text.huffman([5, 4, 3, 2, 1], 40)
    assert lengths.tolist() == [2, 2, 2, 3, 3]
    assert [codes[w, :lengths[w]].tolist() for w in range(5)] == \
        [[1, 1], [1, 0], [0, 1], [0, 0, 1], [0, 0, 0]]
    assert [points[w, :lengths[w]].tolist() for w in range(5)] == \
        [[3, 2], [3, 2], [3, 1], [3, 1, 0], [3, 1, 0]]


def test_keep_probabilities_follow_word2vec_c():
    vocab = Vocab([b"</s>", b"the", b"rare"], [0, 9000, 10])
    sample, total = 1e-3, 9010
    keep = vocab.keep_probabilities(sample)
    for count, ran in zip([9000, 10], keep[1:]):
        expected = (math.sqrt(count / (sample * total)) + 1) * (sample * total) / count
        assert ran == pytest.approx(expected, rel=1e-6)
    assert keep[2] > 1  # rare words are always kept
    assert np.all(vocab.keep_probabilities(0) > 1)
