# cython: language_level=3
"""Python handles on the tokenizer and word table (csrc/wordtable.c).

`WordCounter` counts the words of a corpus fed to it chunk by chunk; `Encoder` turns
chunks into word ids for training. Both tokenise in C with the GIL released.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int32_t, int64_t, uint8_t

cnp.import_array()

cdef extern from "wordtable.h":
    int WT_MAX_WORD
    ctypedef struct wt_table:
        char *arena
        int64_t *offsets
        int32_t *lengths
        int64_t *counts
        int64_t size
        int64_t min_reduce
    ctypedef struct wt_tokenizer:
        int length
        int overflowed
    int wt_init(wt_table *t)
    void wt_free(wt_table *t)
    int64_t wt_add(wt_table *t, const char *word, int length)
    int wt_count(wt_table *t, wt_tokenizer *tok, const char *buf, int64_t n, int end_of_file,
                 int64_t max_size) nogil
    int64_t wt_encode(const wt_table *t, wt_tokenizer *tok, const char *buf, int64_t n,
                      int end_of_file, int32_t *out) nogil
    int wt_huffman(const int64_t *counts, int64_t V, int max_length, uint8_t *codes,
                   int32_t *points, int32_t *lengths)

cdef char NO_BYTES[1]  # what an empty chunk points to

MAX_WORD_BYTES = WT_MAX_WORD
END_OF_SENTENCE = b"</s>"


cdef class _Table:
    cdef wt_table table
    cdef wt_tokenizer tokenizer

    def __cinit__(self):
        if wt_init(&self.table):
            raise MemoryError()
        self.tokenizer.length = 0
        self.tokenizer.overflowed = 0
        self._add(END_OF_SENTENCE)  # index 0, whatever comes

    def __dealloc__(self):
        wt_free(&self.table)

    cdef int64_t _add(self, bytes word) except -1:
        cdef int64_t i = wt_add(&self.table, word, len(word))
        if i < 0:
            raise MemoryError()
        return i


cdef class WordCounter(_Table):
    """Counts tokens (and `</s>` per newline) over chunks of a corpus, in bounded memory:
    past `max_vocab` distinct words, rare ones are pruned as word2vec.c's ReduceVocab does."""
    cdef int64_t max_vocab

    def __init__(self, max_vocab=21_000_000):
        self.max_vocab = max_vocab

    def feed(self, const unsigned char[::1] chunk, bint end_of_file):
        cdef int status
        cdef const char *data = <const char *>&chunk[0] if chunk.shape[0] else NO_BYTES
        with nogil:
            status = wt_count(&self.table, &self.tokenizer, data, chunk.shape[0],
                              end_of_file, self.max_vocab)
        if status:
            raise MemoryError()

    def result(self):
        """(words, counts): words as bytes in first-seen order, `</s>` first; counts int64."""
        cdef int64_t i
        words = [self.table.arena[self.table.offsets[i]:self.table.offsets[i] + self.table.lengths[i]]
                 for i in range(self.table.size)]
        counts = np.array([self.table.counts[i] for i in range(self.table.size)], dtype=np.int64)
        return words, counts


cdef class Encoder(_Table):
    """Turns corpus chunks into the ids of `words` (0 = newline); unknown tokens are skipped,
    as word2vec.c skips them, without counting them."""

    def __init__(self, words):
        if not words or words[0] != END_OF_SENTENCE:
            raise ValueError("the word list must start with </s>")
        for word in words[1:]:
            self._add(word)

    def encode(self, const unsigned char[::1] chunk, bint end_of_file):
        cdef int64_t n = chunk.shape[0], written
        out = np.empty(n + 1, dtype=np.int32)
        cdef int32_t[::1] ids = out
        cdef const char *data = <const char *>&chunk[0] if n else NO_BYTES
        with nogil:
            written = wt_encode(&self.table, &self.tokenizer, data, n, end_of_file, &ids[0])
        return out[:written]


def huffman(counts, int max_length):
    """word2vec.c's Huffman codes and points for counts sorted in descending order."""
    cdef int64_t[::1] c = np.ascontiguousarray(counts, dtype=np.int64)
    cdef int64_t V = c.shape[0]
    codes = np.zeros((max(V, 1), max_length), dtype=np.uint8)
    points = np.zeros((max(V, 1), max_length), dtype=np.int32)
    lengths = np.zeros(max(V, 1), dtype=np.int32)
    cdef uint8_t[:, ::1] cd = codes
    cdef int32_t[:, ::1] pt = points
    cdef int32_t[::1] ln = lengths
    if V < 2:
        return codes, points, lengths
    status = wt_huffman(&c[0], V, max_length, &cd[0, 0], &pt[0, 0], &ln[0])
    if status == -2:
        raise MemoryError()
    if status == -1:
        raise OverflowError(f"a Huffman code is longer than {max_length} bits")
    return codes, points, lengths
