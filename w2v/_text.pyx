# cython: language_level=3
"""Python handles on the tokenizer, word table and vocabulary tables of csrc/wordtable.c.

`WordCounter` counts the words of a corpus fed to it chunk by chunk (the first pass);
`Encoder` turns chunks into word ids for the training passes. Both tokenise in C with
the GIL released, so a reader thread costs the trainer threads nothing.

Tokens follow word2vec.c: separated by space, tab and newline, '\\r' dropped, a newline
is the token `</s>` (id 0), bytes never decoded, tokens cut to 99 bytes (at a UTF-8
character boundary: see csrc/wordtable.h).
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int32_t, int64_t, uint8_t
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy

cnp.import_array()

cdef extern from "wordtable.h":
    int WT_MAX_WORD
    ctypedef struct wt_entry:
        int64_t count
        int64_t offset
        int32_t length
    ctypedef struct wt_table:
        wt_entry *entries
        char *arena
        int64_t size
        int64_t min_reduce
    ctypedef struct wt_tokenizer:
        char word[99]
        int length
        int overflowed
    int wt_init(wt_table *t)
    void wt_free(wt_table *t)
    void wt_tokenizer_init(wt_tokenizer *tok)
    int64_t wt_add(wt_table *t, const char *word, int64_t length)
    int wt_count(wt_table *t, wt_tokenizer *tok, const char *buf, int64_t n, int end_of_file,
                 int64_t max_size) nogil
    int wt_merge(wt_table *t, const wt_table *other, int64_t max_size)
    int64_t wt_encode(const wt_table *t, wt_tokenizer *tok, const char *buf, int64_t n,
                      int end_of_file, int32_t *out) nogil
    int wt_kept_length(const char *word, int64_t length)
    int wt_huffman(const int64_t *counts, int64_t V, int max_length, uint8_t *codes,
                   int32_t *points, int32_t *lengths) nogil

MAX_WORD_BYTES = WT_MAX_WORD
END_OF_SENTENCE = b"</s>"

cdef char NO_BYTES[1]  # where an empty chunk points


cdef inline const char *chunk_data(const unsigned char[::1] chunk):
    return <const char *>&chunk[0] if chunk.shape[0] else NO_BYTES


def cut_word(bytes word):
    """`word` as the tokenizer would keep it: at most 99 bytes, never half a UTF-8 character."""
    return word[:wt_kept_length(word, len(word))]


cdef class _WordTable:
    """The C hash table; entry 0 is `</s>` from the start."""
    cdef wt_table table

    def __cinit__(self):
        if wt_init(&self.table):
            raise MemoryError()

    def __dealloc__(self):
        wt_free(&self.table)

    def __len__(self):
        return self.table.size

    cdef list words(self):
        cdef int64_t i
        cdef const char *arena = self.table.arena
        cdef wt_entry *e = self.table.entries
        return [arena[e[i].offset:e[i].offset + e[i].length] for i in range(self.table.size)]


cdef class WordCounter:
    """Counts tokens (and `</s>` once per newline) over chunks of a corpus, in memory bounded
    by the number of distinct words: past `max_vocab` of them, rare ones are pruned as
    word2vec.c's ReduceVocab does (count <= min_reduce goes, min_reduce starts at 1 and
    grows by one per prune; `</s>` always stays)."""
    cdef _WordTable words
    cdef wt_tokenizer tokenizer
    cdef int64_t max_vocab

    def __init__(self, max_vocab=21_000_000):
        if max_vocab < 1:
            raise ValueError("max_vocab must be at least 1")
        self.words = _WordTable()
        self.max_vocab = max_vocab
        wt_tokenizer_init(&self.tokenizer)

    def feed(self, const unsigned char[::1] chunk not None, bint end_of_file):
        """Count the tokens of `chunk`. A token cut by the chunk's end is finished by the next
        chunk, unless `end_of_file` (which ends the token but is not a newline: no `</s>`)."""
        cdef int status
        cdef const char *data = chunk_data(chunk)
        with nogil:
            status = wt_count(&self.words.table, &self.tokenizer, data, chunk.shape[0],
                              end_of_file, self.max_vocab)
        if status:
            raise MemoryError("out of memory while counting words")

    def absorb(self, WordCounter other not None):
        """Add the counts of `other`, a count of the text that follows this one's, as if
        this counter had gone on to read it. False, leaving this counter in an undefined
        state, when the words would be more than max_vocab: reading the texts as one
        would have pruned (other must not have pruned either)."""
        if self.pruned or other.pruned:
            return False
        cdef int status = wt_merge(&self.words.table, &other.words.table, self.max_vocab)
        if status < 0:
            raise MemoryError("out of memory while counting words")
        return status == 0

    @property
    def pruned(self):
        """True when rare words were pruned to bound memory (their counts are then low)."""
        return self.words.table.min_reduce > 1

    def result(self):
        """(words, counts): words (bytes) in first-seen order with `</s>` first, counts int64."""
        cdef int64_t i, size = self.words.table.size
        counts = np.empty(size, dtype=np.int64)
        cdef int64_t[::1] out = counts
        for i in range(size):
            out[i] = self.words.table.entries[i].count
        return self.words.words(), counts


cdef class Encoder:
    """Turns corpus chunks into int32 ids: the position of each token in `words` (whose first
    entry must be `</s>`, the id of every newline). Tokens not in `words` are dropped, as
    word2vec.c skips them (they count nowhere). A token cut by a chunk's end is finished by
    the next chunk. One Encoder must not be used from two threads at once."""
    cdef _WordTable table
    cdef wt_tokenizer tokenizer
    cdef int32_t *scratch
    cdef int64_t scratch_size

    def __cinit__(self):
        wt_tokenizer_init(&self.tokenizer)
        self.scratch = NULL
        self.scratch_size = 0

    def __init__(self, words):
        words = list(words)
        if not words or words[0] != END_OF_SENTENCE:
            raise ValueError("the word list must start with </s>")
        if len(words) >= 2 ** 31:
            raise ValueError("too many words for int32 ids")
        self.table = _WordTable()
        cdef bytes word
        cdef int64_t index, added
        for index, word in enumerate(words[1:], 1):
            added = wt_add(&self.table.table, word, len(word))
            if added < 0:
                raise MemoryError()
            if added != index:
                raise ValueError(f"word listed twice: {word!r}")

    def __dealloc__(self):
        free(self.scratch)

    def __len__(self):
        return self.table.table.size

    def fresh(self):
        """A new Encoder over the same (read-only, shared) table, with no pending token:
        cheap, for a new pass over the corpus."""
        cdef Encoder other = Encoder.__new__(Encoder)
        other.table = self.table
        return other

    def pending(self):
        """The token cut by the last chunk's end, as (bytes held, overflowed): with
        set_pending, lets a pass restart at a chunk boundary (checkpoints)."""
        return self.tokenizer.word[:self.tokenizer.length], bool(self.tokenizer.overflowed)

    def set_pending(self, bytes word, bint overflowed):
        if len(word) > WT_MAX_WORD:
            raise ValueError("a pending token holds at most 99 bytes")
        if word:
            memcpy(self.tokenizer.word, <const char *>word, len(word))
        self.tokenizer.length = len(word)
        self.tokenizer.overflowed = overflowed

    def encode(self, const unsigned char[::1] chunk not None, bint end_of_file):
        """The ids of the tokens of `chunk` (int32 array, newline = 0)."""
        cdef int64_t n = chunk.shape[0], written
        cdef const char *data = chunk_data(chunk)
        if self.scratch_size < n + 1:  # n bytes hold at most n tokens, plus a pending one
            free(self.scratch)
            self.scratch = <int32_t *>malloc((n + 1) * sizeof(int32_t))
            self.scratch_size = n + 1 if self.scratch else 0
            if not self.scratch:
                raise MemoryError()
        with nogil:
            written = wt_encode(&self.table.table, &self.tokenizer, data, n, end_of_file,
                                self.scratch)
        ids = np.empty(written, dtype=np.int32)
        cdef int32_t[::1] out = ids
        if written:
            memcpy(&out[0], self.scratch, written * sizeof(int32_t))
        return ids


def huffman(counts, int max_length):
    """word2vec.c's CreateBinaryTree over `counts` (descending, but for entry 0):
    (codes uint8 (V, max_length), points int32 (V, max_length), lengths int32 (V,)).
    With fewer than 2 words all are empty. Raises OverflowError when a code would be
    longer than max_length."""
    cdef int64_t[::1] c = np.ascontiguousarray(counts, dtype=np.int64)
    cdef int64_t V = c.shape[0]
    codes = np.zeros((V, max_length), dtype=np.uint8)
    points = np.zeros((V, max_length), dtype=np.int32)
    lengths = np.zeros(V, dtype=np.int32)
    if V < 2:
        return codes, points, lengths
    cdef uint8_t[:, ::1] code_view = codes
    cdef int32_t[:, ::1] point_view = points
    cdef int32_t[::1] length_view = lengths
    cdef int status
    with nogil:
        status = wt_huffman(&c[0], V, max_length, &code_view[0, 0], &point_view[0, 0],
                            &length_view[0])
    if status == -1:
        raise MemoryError()
    if status == -2:
        raise OverflowError(f"a Huffman code would be longer than {max_length} bits")
    return codes, points, lengths
