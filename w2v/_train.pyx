# cython: language_level=3
"""Python handles on the C training kernels (csrc/train_kernels.c).

`SharedModel` owns what all threads share (matrices, tables, the progress counter);
`ThreadState` owns one thread's generator, scratch space and loss. `ThreadState.train`
runs the kernel on a batch of word ids with the GIL released, so N Python threads
calling it train in parallel, Hogwild, as word2vec.c's pthreads do.
"""
import numpy as np
cimport numpy as cnp
from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t

cnp.import_array()

cdef extern from "train_kernels.h":
    ctypedef float real
    int W2V_EXP_TABLE_SIZE
    int W2V_MAX_CODE_LENGTH
    int W2V_BATCH_POSITIONS
    int W2V_MAX_SENTENCE
    int W2V_SCHEDULE_WORD2VEC
    int W2V_SCHEDULE_LINEAR
    ctypedef int64_t (*w2v_train_fn)(const w2v_model *m, w2v_thread *t, const int32_t *ids,
                                     int64_t count) nogil
    ctypedef struct w2v_model:
        real *input_vectors
        real *hs_vectors
        real *ns_vectors
        real *softmax_vectors
        const real *sigmoid_table
        const real *log_sigmoid_table
        const real *log_one_minus_table
        const real *hs_pairs
        const uint8_t *codes
        const int32_t *points
        const int32_t *code_lengths
        const uint64_t *noise_thresholds
        const int32_t *noise_aliases
        const real *keep_thresholds
        int64_t vocab_size
        int64_t input_stride, hs_stride, ns_stride, softmax_stride
        int dim, window, negative, hs, softmax, cbow, cbow_mean, batch
        int ns_skip_saturated, cbow_gradient_mean, sample_high_bits
        const int32_t *hot_slot
        int hot_count
        int hot_levels
        double starting_alpha, min_alpha
        int schedule
        int64_t total_words
        double pass_decay
        int64_t pass_words
        int64_t *words_done
        w2v_train_fn train
    ctypedef struct w2v_thread:
        uint64_t next_random
        real alpha
        int64_t words_pending
        int keep_open
        int open
        int open_len
        int32_t sentence[1001]  # W2V_MAX_SENTENCE + 1
        double loss
        int64_t loss_examples
        real *hidden
        real *hidden_error
        real *scores
        int32_t *negatives
        real **batch_in
        real **batch_out
        real *batch_grad
        real *batch_err
        int32_t *batch_slots
        real *hot_local
        real *hot_base
        int64_t hot_stride
        const int32_t *hot_nodes
    void w2v_fill_tables(real *sigmoid, real *log_sigmoid, real *log_one_minus)
    void w2v_fill_hs_pairs(real *pairs, const real *sigmoid, const real *log_sigmoid,
                           const real *log_one_minus)
    void w2v_build_alias(const double *weights, int64_t n, uint64_t *thresholds, int32_t *aliases)
    void w2v_init_input_vectors(real *vectors, int64_t vocab_size, int dim, int64_t stride,
                                uint64_t seed)
    int32_t w2v_draw_noise_word(const w2v_model *m, uint64_t r)
    real w2v_alpha_at(const w2v_model *m, int64_t words_done)
    int64_t w2v_train_ids(const w2v_model *m, w2v_thread *t, const int32_t *ids, int64_t count) nogil
    void w2v_flush_words(const w2v_model *m, w2v_thread *t) nogil
    void w2v_end_pass(const w2v_model *m, w2v_thread *t) nogil
    void w2v_sync_hot_rows(const w2v_model *m, w2v_thread *t) nogil
    int64_t w2v_words_done(const w2v_model *m) nogil
    w2v_train_fn w2v_kernel(const char *name)
    const char *w2v_best_kernel()

KERNELS = ("generic", "avx2", "avx512")


def available_kernels():
    """The compiled training loops this CPU can run, slowest first."""
    return [name for name in KERNELS if w2v_kernel(name.encode()) != NULL]


def best_kernel():
    """The kernel used unless W2V_KERNEL names another: the fastest this CPU runs."""
    return w2v_best_kernel().decode()


def chosen_kernel():
    """W2V_KERNEL if set (an error if this CPU cannot run it), else best_kernel()."""
    import os
    name = os.environ.get("W2V_KERNEL") or best_kernel()
    if name not in available_kernels():
        from .errors import UsageError
        raise UsageError(f"W2V_KERNEL={name}: this CPU or build cannot run it (it can run: "
                         f"{', '.join(available_kernels())})")
    return name


EXP_TABLE_SIZE = W2V_EXP_TABLE_SIZE
MAX_CODE_LENGTH = W2V_MAX_CODE_LENGTH
MAX_SENTENCE = W2V_MAX_SENTENCE


def sigmoid_tables():
    """word2vec.c's sigmoid table and the log-sigmoid tables used for the loss."""
    sigmoid = np.zeros(W2V_EXP_TABLE_SIZE + 1, dtype=np.float32)
    log_sigmoid = np.zeros_like(sigmoid)
    log_one_minus = np.zeros_like(sigmoid)
    cdef real[::1] s = sigmoid, ls = log_sigmoid, lo = log_one_minus
    w2v_fill_tables(&s[0], &ls[0], &lo[0])
    return sigmoid, log_sigmoid, log_one_minus


def hs_pair_table(sigmoid, log_sigmoid, log_one_minus):
    """The three tables as hierarchical softmax's (sigmoid, loss term) pairs, by code and
    index (see w2v_fill_hs_pairs)."""
    pairs = np.zeros(4 * (W2V_EXP_TABLE_SIZE + 1), dtype=np.float32)
    cdef real[::1] out = pairs, s = sigmoid, ls = log_sigmoid, lo = log_one_minus
    w2v_fill_hs_pairs(&out[0], &s[0], &ls[0], &lo[0])
    return pairs


ROW_ALIGNMENT = 64  # bytes: a cache line, and one 16-float AVX-512 vector


def row_stride(int dim):
    """Floats from one row of a training matrix to the next: dim rounded up to whole cache
    lines. With 100-float rows (400 bytes), three rows in four start inside a cache line
    and most of their 64-byte vector loads straddle two lines, which costs the AVX-512
    kernels about a tenth of their time (scripts/experiments/hs_batch_phases.py's rows)."""
    per_line = ROW_ALIGNMENT // 4
    return -(-dim // per_line) * per_line


def training_matrix(Py_ssize_t rows, int dim):
    """A zero (rows, dim) float32 matrix whose rows start on cache lines, row_stride(dim)
    floats apart: a view of a larger array (the padding is never read or written). Any
    C-ordered float32 matrix trains too, only slower when its rows straddle lines."""
    stride = row_stride(dim)
    per_line = ROW_ALIGNMENT // 4
    flat = np.zeros(rows * stride + per_line, dtype=np.float32)
    skip = (-flat.ctypes.data % ROW_ALIGNMENT) // 4  # floats before the first aligned one
    return flat[skip:skip + rows * stride].reshape(rows, stride)[:, :dim]


def init_input_vectors(Py_ssize_t vocab_size, int dim, uint64_t seed):
    """word2vec.c's initial input vectors (uniform in [-0.5, 0.5) / dim), in a
    training_matrix."""
    vectors = training_matrix(vocab_size, dim)
    if vocab_size:
        w2v_init_input_vectors(matrix_pointer(vectors), vocab_size, dim,
                               vectors.strides[0] // 4, seed)
    return vectors


def alias_tables(weights):
    """Alias-method tables drawing word i with probability weights[i] / sum(weights)."""
    cdef double[::1] w = np.ascontiguousarray(weights, dtype=np.float64)
    thresholds = np.zeros(len(w), dtype=np.uint64)
    aliases = np.zeros(len(w), dtype=np.int32)
    cdef uint64_t[::1] t = thresholds
    cdef int32_t[::1] a = aliases
    if len(w):
        w2v_build_alias(&w[0], len(w), &t[0], &a[0])
    return thresholds, aliases


def draw_noise_words(weights, Py_ssize_t count, uint64_t seed):
    """`count` draws of the negative sampler (for tests), with word2vec.c's generator."""
    thresholds, aliases = alias_tables(weights)
    cdef uint64_t[::1] t = thresholds
    cdef int32_t[::1] a = aliases
    cdef w2v_model model
    model.vocab_size = len(thresholds)
    model.noise_thresholds = &t[0]
    model.noise_aliases = &a[0]
    out = np.empty(count, dtype=np.int32)
    cdef int32_t[::1] o = out
    cdef Py_ssize_t i
    cdef uint64_t state = seed
    for i in range(count):
        state = state * <uint64_t>25214903917ULL + 11
        o[i] = w2v_draw_noise_word(&model, state)
    return out


cdef real *matrix_pointer(object array):
    """The first element of a float32 matrix whose rows are each contiguous (a C-ordered
    matrix, or a training_matrix), or NULL for None."""
    if array is None:
        return NULL
    cdef real[:, :] view = array
    if view.shape[1] > 1 and view.strides[1] != sizeof(real):
        raise ValueError("a training matrix's rows must be contiguous")
    return &view[0, 0]


def _stride_of(matrix):
    """Floats from one row of a matrix to the next (any value for 0 or 1 row)."""
    return matrix.strides[0] // 4 if matrix is not None and matrix.shape[0] > 1 else 0


cdef class SharedModel:
    """The state every training thread shares."""
    cdef w2v_model model
    cdef int64_t _words_done
    cdef readonly object input_vectors, hs_vectors, ns_vectors, softmax_vectors, kernel
    cdef readonly object hot_nodes
    cdef object _keep  # keeps every array the C struct points into alive

    def __init__(self, *, input_vectors, hs_vectors, ns_vectors, softmax_vectors,
                 codes, points, code_lengths, noise_weights, keep_thresholds,
                 int window, int negative, bint hs, bint softmax, bint cbow, bint cbow_mean,
                 double alpha, min_alpha, int64_t total_words, kernel=None,
                 int batch=0, bint ns_skip_saturated=False,
                 bint cbow_gradient_mean=False, int hot_depth=0,
                 bint sample_high_bits=False, double pass_decay=1.0,
                 int64_t pass_words=0):
        """Keyword arguments only. min_alpha None: word2vec.c's schedule (linear to a
        floor of alpha * 1e-4); a number: linear from alpha to min_alpha (gensim's).
        kernel: the compiled loop to run (see available_kernels); None: chosen_kernel()."""
        self.kernel = kernel or chosen_kernel()
        self.model.train = w2v_kernel(self.kernel.encode())
        if self.model.train == NULL:
            raise ValueError(f"kernel {self.kernel!r} cannot run here")
        sigmoid, log_sigmoid, log_one_minus = sigmoid_tables()
        hs_pairs = hs_pair_table(sigmoid, log_sigmoid, log_one_minus)
        codes = np.ascontiguousarray(codes, dtype=np.uint8)
        points = np.ascontiguousarray(points, dtype=np.int32)
        code_lengths = np.ascontiguousarray(code_lengths, dtype=np.int32)
        vocab_size, dim = input_vectors.shape
        noise_thresholds, noise_aliases = alias_tables(
            noise_weights if noise_weights is not None else np.ones(vocab_size))
        self._keep = [sigmoid, log_sigmoid, log_one_minus, hs_pairs, codes, points,
                      code_lengths, noise_thresholds, noise_aliases, keep_thresholds]
        self.input_vectors = input_vectors
        self.hs_vectors = hs_vectors
        self.ns_vectors = ns_vectors
        self.softmax_vectors = softmax_vectors
        cdef real[::1] s = sigmoid, ls = log_sigmoid, lo = log_one_minus, hp = hs_pairs
        cdef uint8_t[:, ::1] c = codes
        cdef int32_t[:, ::1] p = points
        cdef int32_t[::1] cl = code_lengths, na = noise_aliases
        cdef uint64_t[::1] nt = noise_thresholds
        cdef real[::1] keep
        self.model.input_vectors = matrix_pointer(input_vectors)
        self.model.hs_vectors = matrix_pointer(hs_vectors) if hs and vocab_size > 1 else NULL
        self.model.ns_vectors = matrix_pointer(ns_vectors)
        self.model.softmax_vectors = matrix_pointer(softmax_vectors)
        self.model.sigmoid_table = &s[0]
        self.model.log_sigmoid_table = &ls[0]
        self.model.log_one_minus_table = &lo[0]
        self.model.hs_pairs = &hp[0]
        self.model.codes = &c[0, 0]
        self.model.points = &p[0, 0]
        self.model.code_lengths = &cl[0]
        self.model.noise_thresholds = &nt[0]
        self.model.noise_aliases = &na[0]
        if keep_thresholds is None:
            self.model.keep_thresholds = NULL
        else:
            keep = keep_thresholds
            self.model.keep_thresholds = &keep[0]
        self.model.vocab_size = vocab_size
        self.model.input_stride = _stride_of(input_vectors)
        self.model.hs_stride = _stride_of(hs_vectors)
        self.model.ns_stride = _stride_of(ns_vectors)
        self.model.softmax_stride = _stride_of(softmax_vectors)
        self.model.dim = dim
        self.model.window = window
        self.model.negative = negative
        self.model.hs = hs and self.model.hs_vectors != NULL
        self.model.softmax = softmax
        self.model.cbow = cbow
        self.model.cbow_mean = cbow_mean
        if not 0 <= batch <= W2V_BATCH_POSITIONS:
            raise ValueError(f"batch must be 0 (off) to {W2V_BATCH_POSITIONS} positions")
        self.model.batch = batch
        self.model.ns_skip_saturated = ns_skip_saturated
        self.model.sample_high_bits = sample_high_bits
        # the tree's top nodes (depth < hot_depth on any path): see train_kernels.h
        self.model.hot_slot = NULL
        self.model.hot_count = 0
        self.model.hot_levels = 0
        self.hot_nodes = np.zeros(1, np.int32)
        if hot_depth > 0 and self.model.hs and vocab_size > 1:
            top = np.unique(points[code_lengths > 0][:, :hot_depth][
                np.arange(min(hot_depth, points.shape[1]))[None, :] <
                code_lengths[code_lengths > 0][:, None]])
            self.hot_nodes = top.astype(np.int32)
            hot_slot = np.full(vocab_size, -1, np.int32)
            hot_slot[self.hot_nodes] = np.arange(len(self.hot_nodes), dtype=np.int32)
            self._keep.append(hot_slot)
            self.model.hot_slot = <const int32_t *>cnp.PyArray_DATA(hot_slot)
            self.model.hot_count = len(self.hot_nodes)
            self.model.hot_levels = hot_depth
        self.model.cbow_gradient_mean = cbow_gradient_mean
        self.model.starting_alpha = alpha
        if min_alpha is None:
            self.model.schedule = W2V_SCHEDULE_WORD2VEC
            self.model.min_alpha = alpha * 0.0001
        else:
            self.model.schedule = W2V_SCHEDULE_LINEAR
            self.model.min_alpha = min_alpha
        self.model.total_words = total_words
        self.model.pass_decay = pass_decay
        self.model.pass_words = pass_words
        self._words_done = 0
        self.model.words_done = &self._words_done

    @property
    def words_done(self):
        """Words (</s> included) the threads have read so far, over all passes."""
        return w2v_words_done(&self.model)

    @words_done.setter
    def words_done(self, int64_t value):
        self._words_done = value  # before any thread runs: resuming a checkpoint

    @property
    def alpha(self):
        """The learning rate at the current progress."""
        return w2v_alpha_at(&self.model, self.words_done)


def batch_scratch_sizes(int dim, int window, int positions, int negative):
    """Entries of each batched-mode scratch array of a thread (see train_batch.h), for
    `positions` positions per block (0: not batched). The contexts of `positions`
    consecutive positions span at most 2 * window + positions words of a sentence, and
    their outputs are their targets and the negatives (or one Huffman path)."""
    contexts = min(2 * window + positions, W2V_MAX_SENTENCE) if positions else 1
    outputs = max(negative + positions, W2V_MAX_CODE_LENGTH)
    return {
        "in": contexts, "out": outputs,  # row pointers
        # gradients, then the pairs' counts as positives and as negatives
        "grad": 3 * contexts * outputs,
        # context words and slots, output words, and each draw's word and slot
        "slots": 2 * contexts + positions + 3 * negative,
        # input errors (contexts x dim), then the distinct-rows update's copies of the
        # inputs' last elements and their errors (2 x contexts x 4)
        "err": max(contexts * dim, 8 * contexts),
    }


cdef class ThreadState:
    """One training thread's own generator, scratch vectors and loss."""
    cdef w2v_thread state
    cdef SharedModel shared
    cdef object _buffers
    cdef object _hot
    cdef object pass_number  # of the last batch trained; None before the first

    def __init__(self, SharedModel shared, uint64_t seed):
        cdef int dim = shared.model.dim
        hidden = np.zeros(dim, dtype=np.float32)
        hidden_error = np.zeros(dim, dtype=np.float32)
        scores = np.zeros(max(shared.model.vocab_size, 1) if shared.model.softmax else 1,
                          dtype=np.float32)
        negatives = np.zeros(shared.model.negative + 1, dtype=np.int32)
        sizes = batch_scratch_sizes(dim, shared.model.window, shared.model.batch,
                                    shared.model.negative)
        batch_in = np.zeros(sizes["in"], dtype=np.intp)
        batch_out = np.zeros(sizes["out"], dtype=np.intp)
        batch_grad = np.zeros(sizes["grad"], dtype=np.float32)
        batch_slots = np.zeros(sizes["slots"], dtype=np.int32)
        batch_err = np.zeros(sizes["err"], dtype=np.float32)
        self._buffers = (hidden, hidden_error, scores, negatives, batch_in, batch_out,
                         batch_grad, batch_err, batch_slots)
        cdef Py_ssize_t[::1] bi = batch_in, bo = batch_out
        cdef real[::1] bg = batch_grad, be = batch_err
        cdef int32_t[::1] bsl = batch_slots
        self.state.batch_slots = &bsl[0]
        # a copy of the hot tree rows (see SharedModel): local and as last synchronised
        cdef int hot = shared.model.hot_count
        hot_local = hot_base = None
        if hot:  # rows on cache lines, as the shared ones
            hot_local = training_matrix(hot, shared.model.dim)
            hot_local[:] = shared.hs_vectors[shared.hot_nodes]
            hot_base = training_matrix(hot, shared.model.dim)
            hot_base[:] = hot_local
        self._hot = (hot_local, hot_base, shared.hot_nodes)
        self.state.hot_local = matrix_pointer(hot_local)
        self.state.hot_base = matrix_pointer(hot_base)
        self.state.hot_stride = _stride_of(hot_local) if hot else 0
        self.state.hot_nodes = <const int32_t *>cnp.PyArray_DATA(shared.hot_nodes)
        self.state.batch_in = <real **>&bi[0]
        self.state.batch_out = <real **>&bo[0]
        self.state.batch_grad = &bg[0]
        self.state.batch_err = &be[0]
        cdef real[::1] h = hidden, he = hidden_error, sc = scores
        cdef int32_t[::1] ng = negatives
        self.shared = shared
        self.state.next_random = seed
        self.state.alpha = w2v_alpha_at(&shared.model, shared.words_done)
        self.state.words_pending = 0
        self.pass_number = None
        self.state.loss = 0
        self.state.loss_examples = 0
        self.state.hidden = &h[0]
        self.state.hidden_error = &he[0]
        self.state.scores = &sc[0]
        self.state.negatives = &ng[0]

    def train(self, const int32_t[::1] ids, bint closes=True):
        """Train on a batch of word ids (0 = end of sentence), without the GIL. With
        closes=False, a sentence the batch does not end is kept for the next call (which
        continues it, as word2vec.c reads on) instead of being trained as it is."""
        cdef Py_ssize_t n = ids.shape[0]
        cdef const int32_t *first = &ids[0] if n else NULL
        self.state.keep_open = not closes
        if n == 0 and not (closes and self.state.open):
            return 0
        with nogil:
            w2v_train_ids(&self.shared.model, &self.state, first, n)
        return n

    def start_pass(self, number):
        """Called before each batch with its pass: a thread moving on to a new pass ends
        the last one as word2vec.c's threads do (w2v_end_pass)."""
        if self.pass_number is not None and number != self.pass_number:
            w2v_end_pass(&self.shared.model, &self.state)
        self.pass_number = number

    def flush(self):
        """Add the words this thread read but has not yet reported to the shared count."""
        w2v_flush_words(&self.shared.model, &self.state)

    def sync(self):
        """Add this thread's changes of the hot tree rows to the shared rows (before the
        matrices are saved: a checkpoint)."""
        w2v_sync_hot_rows(&self.shared.model, &self.state)

    def get_state(self):
        """The thread's resumable state at a batch boundary (for checkpoints)."""
        return {"next_random": int(self.state.next_random), "alpha": float(self.state.alpha),
                "words_pending": int(self.state.words_pending),
                "open_sentence": ([int(self.state.sentence[i])
                                   for i in range(self.state.open_len)]
                                  if self.state.open else None),
                "pass": self.pass_number}

    def set_state(self, state):
        """Continue from a state saved by get_state (its open sentence's words must be
        fewer than a sentence holds, and ids of this vocabulary's words but </s>)."""
        self.state.next_random = state["next_random"]
        self.state.alpha = state["alpha"]
        self.state.words_pending = state["words_pending"]
        words = state["open_sentence"]  # checked by run._thread_state and the trainer
        self.state.open = words is not None
        self.state.open_len = len(words) if words is not None else 0
        for i, w in enumerate(words or ()):
            self.state.sentence[i] = w
        self.pass_number = state["pass"]

    def take_loss(self):
        """(summed loss, examples) since the last call; resets both."""
        result = (self.state.loss, self.state.loss_examples)
        self.state.loss = 0
        self.state.loss_examples = 0
        return result
