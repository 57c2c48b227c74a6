"""The vocabulary: counted from the corpus (or read from a file), pruned, sorted.

word2vec.c's rules: `</s>` (one per newline) is entry 0 and is never pruned; words
seen fewer than min_count times are dropped; the rest are sorted by descending count
(ties keep the order in which words were first seen); counts are saved and read as
`word count` lines.
"""
import numpy as np

from . import _text
from .atomic import atomic_output
from .errors import UserError

END_OF_SENTENCE = _text.END_OF_SENTENCE
MAX_CODE_LENGTH = 40                 # word2vec.c's MAX_CODE_LENGTH
DEFAULT_MAX_VOCAB = 21_000_000       # word2vec.c prunes past 0.7 * its 30M-slot hash table


class Vocab:
    def __init__(self, words, counts):
        self.words = list(words)                        # bytes; words[0] == b"</s>"
        self.counts = np.asarray(counts, dtype=np.int64)
        self.train_words = int(self.counts.sum())       # word2vec.c's train_words

    def __len__(self):
        return len(self.words)

    @classmethod
    def from_counts(cls, words, counts, min_count):
        """Drop rare words (not `</s>`) and sort by descending count, stably."""
        counts = np.asarray(counts, dtype=np.int64)
        keep = np.flatnonzero(counts[1:] >= min_count) + 1
        order = keep[np.argsort(-counts[keep], kind="stable")]
        return cls([END_OF_SENTENCE] + [words[i] for i in order],
                   np.concatenate([counts[:1], counts[order]]))

    @classmethod
    def build(cls, corpus, min_count=5, max_vocab=None, progress=None):
        """Count the words of `corpus` (a Corpus) in one streaming pass."""
        counter = _text.WordCounter(max_vocab or DEFAULT_MAX_VOCAB)
        done = 0
        for chunk, end_of_file in corpus.chunks():
            counter.feed(chunk, end_of_file)
            done += len(chunk)
            if progress:
                progress(done, corpus.total_bytes)
        words, counts = counter.result()
        if counts.sum() == 0:
            raise UserError(f"the corpus is empty (no words in {corpus})")
        vocab = cls.from_counts(words, counts, min_count)
        if len(vocab) < 2:
            raise UserError(f"no word appears at least min-count={min_count} times in {corpus}")
        return vocab

    @classmethod
    def read(cls, path, min_count=5):
        """Read word2vec.c's `word count` vocabulary file, then prune and sort it."""
        try:
            with open(path, "rb") as f:
                lines = f.read().split(b"\n")
        except OSError as exc:
            raise UserError(f"cannot read vocabulary {path}: {exc.strerror}") from None
        words, counts, seen = [END_OF_SENTENCE], [0], {END_OF_SENTENCE: 0}
        for number, line in enumerate(lines, 1):
            fields = line.replace(b"\r", b"").split()
            if not fields:
                continue
            if len(fields) != 2 or not fields[1].isdigit():
                raise UserError(f"{path}, line {number}: expected 'word count', got {line[:60]!r}")
            word, count = fields[0], int(fields[1])
            if word in seen:
                counts[seen[word]] += count
            else:
                seen[word] = len(words)
                words.append(word)
                counts.append(count)
        vocab = cls.from_counts(words, counts, min_count)
        if len(vocab) < 2:
            raise UserError(f"no word in vocabulary {path} has a count of at least {min_count}")
        return vocab

    def save(self, path):
        """Write `word count` lines (word2vec.c's -save-vocab), atomically."""
        with atomic_output(path) as out:
            out.writelines(b"%s %d\n" % (w, c) for w, c in zip(self.words, self.counts.tolist()))

    def encoder(self):
        """A fresh tokenizer that maps corpus chunks to this vocabulary's ids."""
        return _text.Encoder(self.words)

    def huffman(self):
        """word2vec.c's Huffman codes and inner-node points: (codes, points, code_lengths)."""
        try:
            return _text.huffman(self.counts, MAX_CODE_LENGTH)
        except OverflowError:
            raise UserError(f"the word counts need a Huffman code longer than {MAX_CODE_LENGTH} "
                            "bits: use negative sampling instead of --hs") from None

    def keep_probabilities(self, sample):
        """word2vec.c's subsampling `ran` per word, float32: a word is discarded when
        ran < uniform(0, 1). Computed with word2vec.c's float/double mix, so the same."""
        if sample <= 0:
            return np.full(len(self), 2.0, dtype=np.float32)
        threshold = np.float32(sample) * np.float32(self.train_words)  # real * long long
        counts = np.maximum(self.counts, 1)  # </s> may have count 0; it is never sampled
        ratio = counts.astype(np.float32) / threshold                  # cn / (sample * T)
        ran = (np.sqrt(ratio.astype(np.float64)) + 1) * np.float64(threshold) / counts
        return ran.astype(np.float32)
