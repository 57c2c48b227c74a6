"""The vocabulary: counted from the corpus (or read from a file), pruned, sorted; and the
tables the trainer derives from its counts (Huffman codes, subsampling).

word2vec.c's rules (LearnVocabFromTrainFile, SortVocab, SaveVocab, ReadVocab):
`</s>` (one per newline) is entry 0 and is never pruned; words seen fewer than
min_count times are dropped; the rest are sorted by descending count, ties keeping the
order in which words were first seen; train_words is the sum of the kept counts,
`</s>` included. Vocabulary files hold one `word count` line per word.

    >>> vocab = Vocab.build(Corpus(["corpus.txt"]), min_count=5)   # doctest: +SKIP
    >>> vocab.words[:3], vocab.counts[:3], vocab.train_words        # doctest: +SKIP
    ([b'</s>', b'the', b'of'], array([ 1, 1061396, 593677]), 16718844)

Deliberate differences from word2vec.c: the last word of a file without a final newline
is counted (word2vec.c loses it); long words are cut at a UTF-8 character boundary
(see csrc/wordtable.h); `</s>` survives pruning while counting (word2vec.c's ReduceVocab
can drop it); and words listed twice in a vocabulary file are merged.
"""
import re
import threading

import numpy as np

from . import _text, _train
from .config import available_cores
from .errors import UserError
from .inputs import read_text_file
from .outputs import atomic_output

END_OF_SENTENCE = _text.END_OF_SENTENCE
MAX_CODE_LENGTH = _train.MAX_CODE_LENGTH  # word2vec.c's 40, as csrc/train_kernels.h says
DEFAULT_MAX_VOCAB = 21_000_000    # word2vec.c prunes past 0.7 * its 30M-slot hash table
MAX_COUNT = 2 ** 62               # counts and their sum must leave room in int64 arithmetic

_FIELD = re.compile(rb"[^ \t\n]+")  # word2vec.c's separators (ReadWord); '\r' is dropped


class Vocab:
    """Words (bytes, `</s>` first) with their int64 counts, in training order."""

    def __init__(self, words, counts):
        self.words = list(words)
        self.counts = np.asarray(counts, dtype=np.int64)
        if not self.words or self.words[0] != END_OF_SENTENCE:
            raise ValueError("the word list must start with </s>")
        if len(self.words) != len(self.counts):
            raise ValueError("words and counts differ in length")
        self.train_words = int(self.counts.sum())  # word2vec.c's train_words
        self.pruned = False  # rare words were pruned while counting (see build)
        self._encoder = None

    def __len__(self):
        return len(self.words)

    def __repr__(self):
        return f"<Vocab: {len(self)} words, {self.train_words} in the corpus>"

    @classmethod
    def from_counts(cls, words, counts, min_count):
        """Keep `</s>` (words[0]) and the words counted at least min_count times, sorted
        by descending count, stably (word2vec.c's SortVocab)."""
        counts = np.asarray(counts, dtype=np.int64)
        kept = np.flatnonzero(counts[1:] >= min_count) + 1
        order = kept[np.argsort(-counts[kept], kind="stable")]
        return cls([END_OF_SENTENCE] + [words[i] for i in order],
                   np.concatenate([counts[:1], counts[order]]))

    @classmethod
    def build(cls, corpus, min_count=5, max_vocab=None, progress=None, threads=1):
        """Count the words of `corpus` (a w2v.corpus.Corpus) in one streaming pass
        (see count_words, which takes the other arguments).

        Memory is bounded by the number of distinct words: past `max_vocab` of them
        (default 21M, as word2vec.c) the rarest are pruned as word2vec.c's ReduceVocab
        does (then `pruned` is True: some counts are too low).
        """
        words, counts, pruned = count_words(corpus, max_vocab, progress, threads)
        if len(words) < 2:
            if pruned:
                raise UserError(f"--max-vocab {max_vocab} pruned every word of corpus "
                                f"{corpus}: raise it")
            raise UserError(f"corpus {corpus} is empty: no word appears in it")
        vocab = cls.from_counts(words, counts, min_count)
        if len(vocab) < 2:
            raise UserError(f"no word appears at least min-count={min_count} times in "
                            f"corpus {corpus} (the most frequent appears {counts[1:].max()} "
                            "times)")
        vocab.pruned = pruned
        return vocab

    @classmethod
    def read(cls, path, min_count=5):
        """Read a vocabulary file as word2vec.c's -read-vocab does (`word count` lines, as
        written by `save` or word2vec.c's -save-vocab), then prune and sort it."""
        words, counts, index = [END_OF_SENTENCE], [0], {END_OF_SENTENCE: 0}
        for number, line in read_text_file(path, "vocabulary"):
            fields = _FIELD.findall(line.replace(b"\r", b""))
            if not fields:
                continue
            if len(fields) != 2 or not fields[1].isdigit():
                raise UserError(f"corrupt vocabulary {path}, line {number}: expected "
                                f"'word count', got {line[:60]!r}")
            if len(fields[1]) > 19 or int(fields[1]) > MAX_COUNT:
                raise UserError(f"vocabulary {path}, line {number}: count {fields[1][:30]!r} "
                                f"is larger than {MAX_COUNT:,}")
            # words longer than the tokenizer keeps would never match a token
            word, count = _text.cut_word(fields[0]), int(fields[1])
            if word in index:
                counts[index[word]] += count
            else:
                index[word] = len(words)
                words.append(word)
                counts.append(count)
        if len(words) < 2:
            raise UserError(f"vocabulary {path} lists no word")
        if sum(counts) > MAX_COUNT:
            raise UserError(f"vocabulary {path}: the counts add up to more than "
                            f"{MAX_COUNT:,}")
        vocab = cls.from_counts(words, counts, min_count)
        if len(vocab) < 2:
            raise UserError(f"no word in vocabulary {path} has a count of at least "
                            f"min-count={min_count}")
        return vocab

    def save(self, path):
        """Write `word count` lines, `</s>` first (word2vec.c's -save-vocab), atomically."""
        with atomic_output(path, what="vocabulary file") as out:
            out.write(self.to_bytes())

    def to_bytes(self):
        """The vocabulary file's content."""
        return b"".join(b"%s %d\n" % pair for pair in zip(self.words, self.counts.tolist()))

    def encoder(self):
        """A new Encoder (no pending token) mapping corpus chunks to this vocabulary's ids.
        The word table is built once and shared by every encoder of this vocabulary."""
        if self._encoder is None:
            self._encoder = _text.Encoder(self.words)
        return self._encoder.fresh()

    def huffman(self):
        """word2vec.c's CreateBinaryTree: (codes uint8 (V, 40), points int32 (V, 40),
        code_lengths int32 (V,)); codes[w, :code_lengths[w]] and points[w, :code_lengths[w]]
        are word2vec.c's vocab[w].code and vocab[w].point (inner nodes, root V - 2)."""
        try:
            return _text.huffman(self.counts, MAX_CODE_LENGTH)
        except OverflowError:
            raise UserError(f"the word counts need a Huffman code longer than {MAX_CODE_LENGTH} "
                            "bits: train with negative sampling instead of hierarchical "
                            "softmax") from None

    def keep_probabilities(self, sample):
        """word2vec.c's subsampling value `ran` for every word (float32): the trainer
        discards an occurrence when ran < (r & 0xFFFF) / 65536 for its random r, so values
        >= 1 always keep. With sample <= 0 (no subsampling) every value is 2.

        Computed with word2vec.c's own mix of float and double: (sample * train_words) and
        cn / (sample * train_words) in float, the rest in double, rounded to float.
        """
        if sample <= 0:
            return np.full(len(self), 2.0, dtype=np.float32)
        threshold = np.float32(sample) * np.float32(self.train_words)
        # `</s>` is never subsampled (word2vec.c ends the sentence first) and may have a
        # count of 0: give it a finite value rather than a division by zero.
        counts = np.maximum(self.counts, 1)
        ratio = counts.astype(np.float32) / threshold
        ran = (np.sqrt(ratio.astype(np.float64)) + 1.0) * np.float64(threshold) / counts
        return ran.astype(np.float32)


def count_words(corpus, max_vocab=None, progress=None, threads=1):
    """(words, counts, pruned) of `corpus`, as one WordCounter reading it start to end
    gives them: words in first-seen order, `</s>` first; pruned is True when more than
    `max_vocab` distinct words (default 21M) made it prune. `progress(bytes_done,
    total_bytes)` is called after every chunk.

    With threads > 1, a plain-text corpus is cut into that many regions (at most one
    per available core; as a training pass is, each starting after a separator, so no
    token is cut) counted side by side, then merged in order: the same words, counts and order. Should the merged words be
    more than max_vocab, counting in one pass would have pruned them on the way, and
    only that pass gives word2vec.c's counts: the corpus is then counted again, in one.
    """
    limit = max_vocab or DEFAULT_MAX_VOCAB
    # more readers than cores only contend (measured: 1M distinct words, 2 cores, 4
    # regions 2.2 s against 1.5 s for one)
    threads = min(threads, available_cores())
    starts = corpus.region_starts(threads) if threads > 1 else [None]
    if len(starts) > 1:
        merged = _count_regions(corpus, starts, limit, progress)
        if merged is not None:
            return (*merged.result(), False)
    counter = _text.WordCounter(limit)
    for chunk in corpus.chunks():
        counter.feed(chunk.data, chunk.end_of_file)
        if progress:
            progress(corpus.bytes_read, corpus.total_bytes)
    return (*counter.result(), counter.pruned)


def _count_regions(corpus, starts, limit, progress):
    """One WordCounter per region (the first counted by the calling thread, so that a
    signal stops it as usual), merged in order; None if they hold too many words."""
    regions = list(zip(starts, starts[1:] + [None]))
    counters = [_text.WordCounter(limit) for _ in regions]
    done = [0] * len(regions)   # bytes counted per region, for progress
    failures, stop = [], threading.Event()

    def count_region(k):
        start, end = regions[k]
        for chunk in corpus.chunks(start=start, stop=end):
            if stop.is_set():
                return
            counters[k].feed(chunk.data, chunk.end_of_file)
            done[k] += len(chunk.data)
            if k == 0 and progress:
                progress(sum(done), corpus.total_bytes)

    def in_worker(k):
        try:
            count_region(k)
        except BaseException as exc:  # handed to the calling thread
            failures.append(exc)
            stop.set()

    workers = [threading.Thread(target=in_worker, args=(k,), daemon=True)
               for k in range(1, len(regions))]
    for worker in workers:
        worker.start()
    try:
        count_region(0)
        for worker in workers:
            while worker.is_alive():
                worker.join(0.1)
                if progress:
                    progress(sum(done), corpus.total_bytes)
        if progress:  # a worker that ended before its join was awaited reported nothing
            progress(sum(done), corpus.total_bytes)
    finally:
        stop.set()
        for worker in workers:
            worker.join()
    if failures:
        raise failures[0]
    for counter in counters[1:]:
        if not counters[0].absorb(counter):
            return None
    return counters[0]
