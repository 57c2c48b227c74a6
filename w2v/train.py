"""The training driver: vocabulary, matrices, passes, threads, progress and output.

One reader thread streams the corpus and turns it into word ids (tokenising in C, GIL
released) in bounded batches; `threads` worker threads train on those batches with the
GIL released, updating the shared matrices without locks (Hogwild) as word2vec.c does.
Memory is the vocabulary, the matrices and a few batches in flight, whatever the corpus
size. The main thread only watches: progress, per-pass loss, Ctrl-C.
"""
import dataclasses
import queue
import threading
import time
from typing import List, Optional

import numpy as np

from . import _train
from .atomic import check_writable
from .config import TrainConfig
from .corpus import Corpus
from .errors import UserError
from .formats import write_vectors
from .progress import Progress, Stopwatch
from .vocab import Vocab

# Text per batch: about 45k words of English. Small enough to balance the threads at the
# end of a pass, large enough that the per-batch Python work is noise.
BATCH_BYTES = 1 << 18
BATCHES_IN_FLIGHT_PER_THREAD = 2
REPORT_INTERVAL = 0.25  # seconds between progress updates


@dataclasses.dataclass
class PassStats:
    words_read: int = 0
    words_trained: int = 0
    reading_done: bool = False
    loss: float = 0.0          # float64 sum of -log-likelihoods
    examples: int = 0          # predictions the loss is summed over
    reported: bool = False

    @property
    def finished(self):
        return self.reading_done and self.words_trained == self.words_read

    @property
    def average_loss(self):
        return self.loss / self.examples if self.examples else 0.0


@dataclasses.dataclass
class TrainResult:
    vocab: Vocab
    input_vectors: Optional[np.ndarray] = None   # syn0
    output_vectors: Optional[np.ndarray] = None  # syn1neg, or the softmax's output matrix
    passes: List[PassStats] = dataclasses.field(default_factory=list)
    seconds: float = 0.0
    words_per_second: float = 0.0

    def vectors_to_write(self, which):
        """The matrix a user asked for: input (word2vec.c's), output, or their sum."""
        if which == "input":
            return self.input_vectors
        if which == "output":
            return self.output_vectors
        return self.input_vectors + self.output_vectors


def train(config: TrainConfig, progress: Optional[Progress] = None) -> TrainResult:
    """Run a whole training job as word2vec.c's TrainModel does; write config.output if set."""
    progress = progress or default_progress(config)
    corpus, vocab = prepare_vocabulary(config, progress)
    result = train_vectors(config, corpus, vocab, progress)
    if config.output:
        write_result(config, result, progress)
    return result


def default_progress(config):
    return Progress("quiet" if config.debug == 0 else "auto")


def prepare_vocabulary(config: TrainConfig, progress: Optional[Progress] = None):
    """Validate, check the outputs can be written, then count (or read) and save the vocabulary.

    Everything a user can get wrong fails here, before any long computation."""
    config.validate()
    progress = progress or default_progress(config)
    for path in (config.output, config.save_vocab):
        if path:
            check_writable(path)
    corpus = Corpus(config.corpus)
    vocab = load_vocabulary(config, corpus, progress)
    if config.save_vocab:
        vocab.save(config.save_vocab)
    return corpus, vocab


def load_vocabulary(config, corpus, progress):
    if config.read_vocab:
        vocab = Vocab.read(config.read_vocab, min_count=config.min_count)
    else:
        watch = Stopwatch()
        last = [0.0]

        def show(done, total):
            if config.debug >= 2 and watch.elapsed() - last[0] > 1 and total:
                last[0] = watch.elapsed()
                progress.info(f"Reading corpus: {100.0 * done / total:5.1f}%")

        vocab = Vocab.build(corpus, min_count=config.min_count, max_vocab=config.max_vocab,
                            progress=show)
    if config.debug >= 1:
        progress.info(f"Vocab size: {len(vocab)}")
        progress.info(f"Words in train file: {vocab.train_words}")
    return vocab


def make_shared_model(config, vocab):
    """Allocate the matrices and tables as word2vec.c's InitNet and InitUnigramTable do."""
    vocab_size, dim = len(vocab), config.size
    input_vectors = _train.init_input_vectors(vocab_size, dim, config.seed)
    hs_vectors = np.zeros((vocab_size, dim), np.float32) if config.hs else None
    ns_vectors = np.zeros((vocab_size, dim), np.float32) if config.negative > 0 else None
    softmax_vectors = np.zeros((vocab_size, dim), np.float32) if config.softmax else None
    if config.hs:
        codes, points, code_lengths = vocab.huffman()
    else:
        codes = np.zeros((1, _train.MAX_CODE_LENGTH), np.uint8)
        points = np.zeros((1, _train.MAX_CODE_LENGTH), np.int32)
        code_lengths = np.zeros(1, np.int32)
    # negative sampling draws from counts^0.75 (word2vec.c's distribution; see w2v_build_alias)
    noise_weights = vocab.counts.astype(np.float64) ** config.ns_exponent if config.negative > 0 else None
    keep = vocab.keep_probabilities(config.sample) if config.sample > 0 else None
    return _train.SharedModel(
        input_vectors, hs_vectors, ns_vectors, softmax_vectors,
        codes, points, code_lengths, noise_weights, keep,
        window=config.window, negative=config.negative, hs=config.hs, softmax=config.softmax,
        cbow=config.cbow, cbow_mean=config.cbow_mean, alpha=config.starting_alpha,
        min_alpha=-1.0 if config.min_alpha is None else config.min_alpha,
        total_words=config.iter * vocab.train_words + 1)


def train_vectors(config, corpus, vocab, progress):
    if len(vocab) < 2:
        raise UserError("nothing to train: the vocabulary has no word besides </s>")
    shared = make_shared_model(config, vocab)
    passes = [PassStats() for _ in range(config.iter)]
    run = _TrainingRun(config, corpus, vocab, shared, passes, progress)
    seconds = run.execute()
    words = sum(p.words_trained for p in passes)
    result = TrainResult(vocab=vocab, input_vectors=shared.input_vectors,
                         output_vectors=shared.ns_vectors if config.negative > 0
                         else shared.softmax_vectors,
                         passes=passes, seconds=seconds,
                         words_per_second=words / seconds if seconds > 0 else 0.0)
    if config.debug >= 1:
        progress.info(f"Trained {words} words in {seconds:.1f} s: {result.words_per_second:.0f} "
                      f"words/s, {result.words_per_second / config.threads:.0f} per thread")
    return result


def write_result(config, result, progress):
    vectors = result.vectors_to_write(config.output_vectors)
    if config.classes:
        from .classes import word_classes, write_classes
        write_classes(config.output, result.vocab.words, word_classes(vectors, config.classes))
    else:
        write_vectors(config.output, result.vocab.words, vectors, binary=config.binary)
    if config.debug >= 1:
        progress.info(f"Wrote {config.output}")


class _TrainingRun:
    """One multi-pass run: a reader thread, worker threads and the watching main thread."""

    def __init__(self, config, corpus, vocab, shared, passes, progress):
        self.config, self.corpus, self.vocab = config, corpus, vocab
        self.shared, self.passes, self.progress = shared, passes, progress
        self.batches = queue.Queue(maxsize=BATCHES_IN_FLIGHT_PER_THREAD * config.threads)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.failures = []

    def execute(self):
        watch = Stopwatch()
        reader = threading.Thread(target=self._read, name="w2v-reader", daemon=True)
        workers = [threading.Thread(target=self._work, args=(t,), name=f"w2v-train-{t}",
                                    daemon=True) for t in range(self.config.threads)]
        reader.start()
        for w in workers:
            w.start()
        try:
            while any(w.is_alive() for w in workers):
                time.sleep(REPORT_INTERVAL)
                self._report(watch.elapsed())
            if not self.failures:
                self._report(watch.elapsed())
        except BaseException:  # Ctrl-C: stop cleanly, write nothing
            self.stop.set()
            self._drain()
            raise
        finally:
            for w in workers:
                w.join()
            reader.join()
            self.progress.close()
        if self.failures:
            raise self.failures[0]
        return watch.elapsed()

    def _drain(self):
        try:
            while True:
                self.batches.get_nowait()
        except queue.Empty:
            pass
        for _ in range(self.config.threads):
            try:
                self.batches.put_nowait(None)
            except queue.Full:
                break

    def _read(self):
        try:
            for number, stats in enumerate(self.passes):
                encoder = self.vocab.encoder()  # fresh tokeniser state for every pass
                for chunk, end_of_file in self.corpus.chunks(BATCH_BYTES):
                    if self.stop.is_set():
                        return
                    ids = encoder.encode(chunk, end_of_file)
                    if len(ids):
                        with self.lock:
                            stats.words_read += len(ids)
                        self._put((number, ids))
                with self.lock:
                    stats.reading_done = True
        except BaseException as exc:
            self.failures.append(exc)
            self.stop.set()
        finally:
            for _ in range(self.config.threads):
                self._put(None)

    def _put(self, item):
        # Blocks while the workers are busy (bounded memory), but gives up once stopped.
        while True:
            try:
                self.batches.put(item, timeout=0.1)
                return
            except queue.Full:
                if self.stop.is_set() and item is not None:
                    return

    def _work(self, thread_index):
        # Each thread has its own generator; thread 0 of a --seed S run always starts at S.
        state = _train.ThreadState(self.shared, self.config.seed + (thread_index << 32))
        try:
            while True:
                item = self.batches.get()
                if item is None:
                    state.flush()
                    return
                if self.stop.is_set():
                    continue
                number, ids = item
                state.train(ids)
                loss, examples = state.take_loss()
                with self.lock:
                    stats = self.passes[number]
                    stats.words_trained += len(ids)
                    stats.loss += loss
                    stats.examples += examples
        except BaseException as exc:
            self.failures.append(exc)
            self.stop.set()

    def _report(self, elapsed):
        config = self.config
        total = config.iter * self.vocab.train_words
        done = self.shared.words_done
        with self.lock:
            current = next((p for p in self.passes if not p.finished), self.passes[-1])
            loss = current.average_loss
            finished = [(i, p) for i, p in enumerate(self.passes) if p.finished and not p.reported]
            for _, p in finished:
                p.reported = True
        if config.debug >= 2 and elapsed > 0:
            self.progress.update(done / total if total else 1.0,
                                 done / elapsed / config.threads, self.shared.alpha, loss, elapsed)
        if config.debug >= 1:
            for i, p in finished:
                self.progress.info(f"Pass {i + 1}/{config.iter}: avg.loss {p.average_loss:.6f} "
                                   f"over {p.examples} predictions, {p.words_read} words")
