"""One multi-pass training run: a reader thread, worker threads and the watching main thread.

The reader streams the corpus and turns it into word ids (tokenising in C, GIL released)
in bounded batches; `threads` workers train on those batches with the GIL released,
updating the shared matrices without locks (Hogwild) as word2vec.c does. Memory is the
vocabulary, the matrices and a few batches in flight, whatever the corpus size or the
number of passes. The main thread watches: progress, per-pass loss, signals, and
checkpoints.

With several threads, a pass over plain files is split as word2vec.c splits it: into one
contiguous region per thread (Corpus.region_starts), which the reader reads a batch of
each in turn, so that the threads train on distant parts of the text at the same time
rather than on neighbouring batches (README, Better vectors, measures what this changes).

A checkpoint needs a moment where the matrices and every thread's state belong to one
place in the corpus. `pause()` gets there: the reader stops before its next chunk, the
workers finish the batches already handed out, and then the position after the last
batch read in each region is where training continues (`RunState`). With one thread
the batches are trained in reading order, so a run resumed from any checkpoint makes
the same updates as the run that was never stopped.
"""
import dataclasses
import math
import queue
import threading
from typing import NamedTuple, Optional

import numpy as np

from . import _train, signals
from .corpus import Position
from .errors import Stopped, UserError
from .progress import Stopwatch

# Text per batch: about 45k words of English. Small enough to balance the threads at the
# end of a pass, large enough that the per-batch Python work is noise. A checkpoint
# restarts at a batch boundary, so this size is part of a checkpoint's meaning.
BATCH_BYTES = 1 << 18
BATCHES_IN_FLIGHT_PER_THREAD = 2
REPORT_INTERVAL = 0.25  # seconds between progress updates


@dataclasses.dataclass
class PassStats:
    words_read: int = 0
    words_trained: int = 0
    known_words: Optional[int] = 0  # words read besides `</s>` (None: not recorded)
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

    def to_json(self):
        return {"words": self.words_trained, "loss": self.loss, "examples": self.examples,
                "known_words": self.known_words}

    @classmethod
    def from_json(cls, data):
        known = data.get("known_words")  # absent from checkpoints of older versions
        return cls(words_read=_count(data["words"]), words_trained=_count(data["words"]),
                   known_words=None if known is None else _count(known),
                   loss=_number(data["loss"]), examples=_count(data["examples"]))


class Cursor(NamedTuple):
    """Where the reader stands in one region of a pass."""
    start: Position                  # where its next chunk starts
    stop: Optional[Position]         # where the region ends (None: the corpus's end)
    pending: tuple = (b"", False)    # the token cut at `start`: (bytes, overflowed)
    done: bool = False

    def to_json(self):
        return [list(self.start), list(self.stop) if self.stop else None,
                self.pending[0].hex(), bool(self.pending[1]), self.done]

    @classmethod
    def from_json(cls, data):
        start, stop, pending, overflowed, done = data
        cursor = cls(_position(start), _position(stop) if stop else None,
                     (bytes.fromhex(pending), bool(overflowed)), bool(done))
        if cursor.stop is not None and cursor.start > cursor.stop:
            raise ValueError("a region that ends before it starts")
        return cursor


MAX_COUNTER = 2 ** 62  # words and predictions: what the C counters hold


def _count(value):
    """A checkpoint's count of words or predictions, or ValueError."""
    if not (isinstance(value, int) and not isinstance(value, bool) and
            0 <= value <= MAX_COUNTER):
        raise ValueError(f"not a count: {value!r}")
    return value


def _number(value, low=0.0, high=math.inf):
    """A checkpoint's finite number in [low, high], or ValueError."""
    if not (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and low <= value <= high):
        raise ValueError(f"not a number in range: {value!r}")
    return value


def _thread_state(data):
    """One thread's saved state (see _train.ThreadState.get_state), or ValueError."""
    if not isinstance(data, dict):
        raise ValueError(f"not a thread state: {data!r}")
    seed = data["next_random"]
    if not (isinstance(seed, int) and not isinstance(seed, bool) and 0 <= seed < 2 ** 64):
        raise ValueError(f"not a generator state: {seed!r}")
    # checkpoints written before these two existed lack them: no sentence left open, and
    # no pass of the thread's to end
    words = data.get("open_sentence")
    if words is not None and not (isinstance(words, list) and len(words) < _train.MAX_SENTENCE
                                  and all(type(w) is int and 0 < w < 2 ** 31 for w in words)):
        raise ValueError("an open sentence that is not a list of fewer than "
                         f"{_train.MAX_SENTENCE} word ids")
    last_pass = data.get("pass")
    return {"next_random": seed, "alpha": _number(data["alpha"], 0.0, 10.0),
            "words_pending": _count(data["words_pending"]), "open_sentence": words,
            "pass": None if last_pass is None else _count(last_pass)}


def _position(values):
    """A Position from a checkpoint's list of three whole numbers, or ValueError."""
    position = Position(*values)
    if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in position):
        raise ValueError(f"not a position: {values!r}")
    return position


@dataclasses.dataclass
class RunState:
    """Where a run stands between two batches: what a checkpoint stores to continue it."""
    pass_number: int = 0                   # the pass the reader is in
    cursors: Optional[tuple] = None        # where reading resumes in it (None: its start)
    words_done: int = 0                    # the shared counter of the learning-rate schedule
    current: PassStats = dataclasses.field(default_factory=PassStats)  # pass_number's stats
    pass_words: Optional[int] = None       # words every pass reads (None: not known yet)
    thread_states: list = dataclasses.field(default_factory=list)
    seconds: float = 0.0                   # training time before this run

    def to_json(self):
        return {"pass": self.pass_number,
                "regions": [c.to_json() for c in self.cursors] if self.cursors else None,
                "words_done": self.words_done, "current_pass": self.current.to_json(),
                "pass_words": self.pass_words, "threads": self.thread_states,
                "seconds": self.seconds}

    @classmethod
    def from_json(cls, data):
        if "regions" in data:
            cursors = (tuple(Cursor.from_json(c) for c in data["regions"])
                       if data["regions"] else None)
        else:  # written before passes were split into regions: one stream
            cursors = (Cursor(_position(data["position"]), None,
                              (bytes.fromhex(data["pending"][0]), bool(data["pending"][1]))),
                       ) if data["position"] else None
        if not isinstance(data["threads"], list):
            raise ValueError("the threads' states are not a list")
        return cls(pass_number=_count(data["pass"]), cursors=cursors,
                   words_done=_count(data["words_done"]),
                   current=PassStats.from_json(data["current_pass"]),
                   pass_words=None if data["pass_words"] is None else _count(data["pass_words"]),
                   thread_states=[_thread_state(t) for t in data["threads"]],
                   seconds=_number(data["seconds"]))


class Batch(NamedTuple):
    pass_number: int
    ids: object
    closes: bool  # a sentence it leaves open is trained as it is, not continued


class Diverged(Exception):
    def __init__(self, pass_number):
        super().__init__(pass_number)
        self.pass_number = pass_number


class TrainingRun:
    """Trains `shared` (a _train.SharedModel) from `state` to the end of the last pass.

    `schedule_words` is the number of words a pass reads (for progress). `checkpoint`, if
    given, is called with a RunState while the run is paused, every `checkpoint_every`
    seconds and when a signal stops the run; it returns a note for the user.
    """

    def __init__(self, config, corpus, vocab, shared, state, progress, schedule_words,
                 checkpoint=None):
        self.config, self.corpus, self.vocab = config, corpus, vocab
        self.shared, self.state, self.progress = shared, state, progress
        self.schedule_words = schedule_words
        self.checkpoint = checkpoint
        self.batches = queue.Queue(maxsize=BATCHES_IN_FLIGHT_PER_THREAD * config.threads)
        self.lock = threading.Condition()
        self.stop = threading.Event()
        self.failures = []
        self.passes = {}             # pass number -> PassStats, for passes not yet reported
        self.pass_words = state.pass_words
        self.last_loss = None        # the average loss of the latest pass with examples
        self.in_flight = 0           # batches handed to the workers and not yet trained
        self.pause_wanted = False
        self.reader_waiting = False
        self.reader_done = False
        self.resume_point = (state.pass_number, state.cursors)
        self.regions = None          # each region's (start, stop), found at the first pass
        self.thread_states = []
        self.workers = []
        self.workers_running = 0
        # set by the last worker to finish: the main thread wakes at once, not at its
        # next progress tick (up to REPORT_INTERVAL late, 0.125 s a run on average)
        self.workers_finished = threading.Event()
        self.reader = None
        self.words_trained = 0
        self.first_pass = self.last_pass = None  # summaries kept: O(1), whatever --iter
        self.examples_seen = 0       # predictions of the passes reported so far

    # ------------------------------------------------------------------ main thread

    def execute(self):
        """Run to the end; returns the seconds spent. Raises UserError on a failure."""
        watch = Stopwatch()
        self.shared.words_done = self.state.words_done
        for t in range(self.config.threads):
            seed = (self.config.seed + (t << 32)) % 2 ** 64  # thread 0 of --seed S starts at S
            thread_state = _train.ThreadState(self.shared, seed)
            if t < len(self.state.thread_states):
                thread_state.set_state(self.state.thread_states[t])
            self.thread_states.append(thread_state)
        reader = threading.Thread(target=self._read, name="w2v-reader", daemon=True)
        workers = self.workers = [
            threading.Thread(target=self._work, args=(t,), name=f"w2v-train-{t}", daemon=True)
            for t in range(self.config.threads)]
        self.reader = reader
        self.workers_running = len(workers)
        last_checkpoint = 0.0
        every = self.config.checkpoint_every
        try:
            reader.start()
            for w in workers:
                w.start()
            while not self.workers_finished.wait(REPORT_INTERVAL):
                self._report(watch.elapsed())
                if self.checkpoint and every and watch.elapsed() - last_checkpoint >= every \
                        and not self.failures:
                    with signals.deferred():
                        self._save_periodic_checkpoint(watch)
                    last_checkpoint = watch.elapsed()
            if not self.failures:
                self._report(watch.elapsed())
        except Stopped as stopped:
            if self.checkpoint and not self.failures:
                # notes always set: the trainer must not save its own state instead,
                # which is where this run started, beside matrices trained since
                with signals.deferred(stopping=True):
                    try:
                        stopped.notes = [self._save_checkpoint(watch)]
                    except UserError as exc:
                        stopped.notes = [f"no checkpoint: {exc}"]
                    except BaseException as exc:
                        stopped.notes = [f"no checkpoint: {exc or type(exc).__name__}"]
                        raise
            elif self.checkpoint:
                stopped.notes = ["no checkpoint: training had failed"]
            self._halt()
            raise
        except BaseException:
            self._halt()
            raise
        finally:
            self.stop.set()
            with self.lock:
                self.pause_wanted = False
                self.lock.notify_all()
            for thread in workers + [reader]:
                if thread.ident is not None:  # a signal may come before all are started
                    thread.join()
            self.progress.close()
        if self.failures:
            failure = self.failures[0]
            if isinstance(failure, Diverged):
                raise UserError(f"training diverged at pass {failure.pass_number + 1}: the "
                                "loss is no longer a finite number; lower --alpha (it was "
                                f"{self.config.starting_alpha:g})") from None
            raise failure
        if self.examples_seen == 0 and self.state.pass_number == 0 and not self.state.cursors:
            # every pass, from the first, made no prediction: the vectors would be
            # written as they started, untrained
            passes = f"{self.config.iter} pass{'es' if self.config.iter > 1 else ''}"
            regions = len(self.regions or ())
            short = regions > 1 and self.corpus.total_bytes < regions * BATCH_BYTES
            # A corpus of a sentence or two is cut into one region per thread, and a
            # sentence cut there has no two words on one side: "no sentence has two
            # words" was then untrue (`w2v train` takes every core by default)
            cut = (f", or the corpus is so short that its {regions} regions (one per "
                   f"thread) cut its sentences apart: try --threads 1" if short else "")
            raise UserError(f"training made no prediction in {passes} over "
                            f"corpus {self.corpus}: no sentence has two words of the "
                            f"vocabulary (one word per line?), or --sample discarded "
                            f"them{cut}; nothing was learnt")
        return watch.elapsed()

    def _halt(self):
        """Stop at once (no checkpoint): workers skip what is queued."""
        self.stop.set()
        with self.lock:
            self.pause_wanted = False
            self.lock.notify_all()
        try:
            while True:
                self.batches.get_nowait()
                with self.lock:
                    self.in_flight -= 1
        except queue.Empty:
            pass
        for _ in range(self.config.threads):
            try:
                self.batches.put_nowait(None)
            except queue.Full:
                break

    def _pause(self):
        """Wait until the reader is between chunks and every batch read was trained."""
        with self.lock:
            self.pause_wanted = True
            self.lock.notify_all()
            while not ((self.reader_waiting or self.reader_done or not self.reader.is_alive())
                       and self.in_flight == 0):
                if self.failures:
                    raise self.failures[0]
                self.lock.wait(0.05)

    def _unpause(self):
        with self.lock:
            self.pause_wanted = False
            self.lock.notify_all()

    def _save_periodic_checkpoint(self, watch):
        """A checkpoint of --checkpoint-every. One that cannot be written (its disk
        full) is a warning: it ended the run, with hours of training that the outputs,
        on another disk or written after space is freed, would have kept. The previous
        checkpoint stays, and the next period tries again."""
        try:
            self._save_checkpoint(watch)
        except UserError as exc:
            if self.failures:  # the pause met a failure of training: that is the error
                raise
            self.progress.info(f"warning: {exc}: the checkpoint was not saved (the "
                               "previous one, if any, stays); training goes on")

    def _save_checkpoint(self, watch):
        self._pause()
        try:
            self._report(watch.elapsed())  # summaries of the passes finished so far
            for state in self.thread_states:  # each thread's pending hot-row changes
                state.sync()
            pass_number, cursors = self.resume_point
            current = self.passes.get(pass_number, PassStats())
            snapshot = RunState(
                pass_number=pass_number, cursors=cursors,
                words_done=self.shared.words_done,
                current=PassStats(words_read=current.words_trained,
                                  words_trained=current.words_trained,
                                  known_words=current.known_words, loss=current.loss,
                                  examples=current.examples),
                pass_words=self.pass_words,
                thread_states=[s.get_state() for s in self.thread_states],
                seconds=self.state.seconds + watch.elapsed())
            return self.checkpoint(snapshot)
        finally:
            self._unpause()

    # ----------------------------------------------------------------------- reader

    def _gate(self):
        """Where the reader waits while a checkpoint is taken."""
        with self.lock:
            while self.pause_wanted and not self.stop.is_set():
                self.reader_waiting = True
                self.lock.notify_all()
                self.lock.wait(0.1)
            self.reader_waiting = False

    def _read(self):
        try:
            self._gate()  # a checkpoint asked for before anything was read
            first_pass, cursors = self.resume_point
            for number in range(first_pass, self.config.iter):
                self.corpus.check_unchanged()  # before finding regions in the text
                if number == first_pass and cursors is not None:
                    stats = self.state.current
                else:
                    stats, cursors = PassStats(), self._fresh_cursors()
                with self.lock:
                    self.passes[number] = stats
                if not self._read_regions(number, stats, list(cursors)):
                    return
                self._check_pass_words(number, stats)
                self._check_known_words(number, stats)
                with self.lock:
                    stats.reading_done = True
                    self.resume_point = (number + 1, None)
                self._gate()
            with self.lock:
                self.reader_done = True
                self.lock.notify_all()
        except BaseException as exc:
            self.failures.append(exc)
            self.stop.set()
        finally:
            for _ in range(self.config.threads):
                self._put(None)

    def _read_regions(self, number, stats, cursors):
        """Read pass `number` from its regions' cursors, a batch of each region in turn,
        noting after each batch where every region stands. False if told to stop."""
        readers = {}  # region -> (its tokeniser, its chunks)
        for k, cursor in enumerate(cursors):
            if not cursor.done:
                encoder = self.vocab.encoder()  # fresh tokeniser state per region
                encoder.set_pending(*cursor.pending)
                readers[k] = (encoder, self.corpus.chunks(
                    BATCH_BYTES, start=cursor.start, stop=cursor.stop))
        while readers:
            for k in list(readers):
                encoder, chunks = readers[k]
                self._gate()
                if self.stop.is_set():
                    return False
                chunk = next(chunks, None)
                if chunk is None:
                    del readers[k]
                    cursors[k] = cursors[k]._replace(done=True)
                else:
                    self._hand_out(number, stats, encoder, chunk)
                    cursors[k] = cursors[k]._replace(start=chunk.position,
                                                     pending=encoder.pending())
                with self.lock:
                    self.resume_point = (number, tuple(cursors))
        return True

    def _hand_out(self, number, stats, encoder, chunk):
        """Turn a chunk of pass `number` into word ids and queue them for the workers.
        With one thread, the batches are trained in reading order, so a sentence one
        leaves open continues in the next, as word2vec.c reads on, until a file ends;
        with several, the next batch of a region may go to another thread, and each
        batch trains what it holds."""
        ids = encoder.encode(chunk.data, chunk.end_of_file)
        known = int(np.count_nonzero(ids))  # id 0 is `</s>`
        closes = self.config.threads > 1 or chunk.end_of_file
        # an empty last chunk is queued too: it ends the sentence one thread left open
        queued = len(ids) > 0 or chunk.end_of_file
        with self.lock:
            stats.words_read += len(ids)
            if stats.known_words is not None:
                stats.known_words += known
            if queued:
                self.in_flight += 1
        if queued:
            self._put(Batch(number, ids, closes))

    def _fresh_cursors(self):
        """A pass's regions, one per thread, each from its start (found once per run)."""
        if self.regions is None:
            starts = self.corpus.region_starts(self.config.threads)
            self.regions = list(zip(starts, starts[1:] + [None]))
        return tuple(Cursor(start, stop) for start, stop in self.regions)

    def _check_pass_words(self, number, stats):
        """Every pass must read the same words: a difference means the corpus changed."""
        if self.pass_words is None:
            self.pass_words = stats.words_read
        elif stats.words_read != self.pass_words:
            self.corpus.check_unchanged()  # names the file, when its size or time changed
            raise UserError(f"corpus {self.corpus} changed during training: pass "
                            f"{number + 1} read {stats.words_read} words, expected "
                            f"{self.pass_words}")

    def _check_known_words(self, number, stats):
        """A pass that read no word of the vocabulary but `</s>` trains nothing: the
        vocabulary (--read-vocab, a model's) is not the corpus's. Its vectors would be
        written untrained, so it is an error, as an empty corpus is."""
        if stats.known_words != 0:  # some, or not recorded (an older checkpoint)
            return
        source = (f"the vocabulary {self.config.read_vocab}" if self.config.read_vocab
                  else f"the model {self.config.from_model}" if self.config.from_model
                  else "the vocabulary")
        raise UserError(f"pass {number + 1} read no word of {source} in corpus "
                        f"{self.corpus} (besides line ends): nothing to train")

    def _put(self, item):
        # Blocks while the workers are busy (bounded memory), but gives up once stopped
        # (an end marker only once no worker is left to take it).
        while True:
            try:
                self.batches.put(item, timeout=0.1)
                return
            except queue.Full:
                if not self.stop.is_set():
                    continue
                if item is not None:
                    with self.lock:
                        self.in_flight -= 1
                    return
                if not any(w.is_alive() for w in self.workers):
                    return

    # ---------------------------------------------------------------------- workers

    def _work(self, thread_index):
        state = self.thread_states[thread_index]
        try:
            while True:
                item = self.batches.get()
                if item is None:
                    state.flush()
                    return
                if not self.stop.is_set():
                    state.start_pass(item.pass_number)
                    state.train(item.ids, item.closes)
                    loss, examples = state.take_loss()
                    if not math.isfinite(loss):
                        raise Diverged(item.pass_number)
                    with self.lock:
                        stats = self.passes[item.pass_number]
                        stats.words_trained += len(item.ids)
                        stats.loss += loss
                        stats.examples += examples
                        self.words_trained += len(item.ids)
                with self.lock:
                    self.in_flight -= 1
                    self.lock.notify_all()
        except BaseException as exc:
            self.failures.append(exc)
            self.stop.set()
            with self.lock:
                self.lock.notify_all()
        finally:
            with self.lock:
                self.workers_running -= 1
                if self.workers_running == 0:
                    self.workers_finished.set()

    # -------------------------------------------------------------------- reporting

    def _report(self, elapsed):
        config = self.config
        total = config.iter * self.schedule_words
        done = self.shared.words_done
        with self.lock:
            finished = sorted((n, p) for n, p in self.passes.items()
                              if p.finished and not p.reported)
            for number, p in finished:
                p.reported = True
                del self.passes[number]
                if p.examples:
                    self.last_loss = p.average_loss
                self.examples_seen += p.examples
                if self.first_pass is None:
                    self.first_pass = p
                self.last_pass = p
            running = [p for n, p in sorted(self.passes.items()) if p.examples]
            loss = running[0].average_loss if running else self.last_loss
        if config.debug >= 1:
            for number, p in finished:
                self.progress.info(f"Pass {number + 1}/{config.iter}: avg.loss "
                                   f"{p.average_loss:.6f} over {p.examples} predictions, "
                                   f"{p.words_read} words")
        if config.debug >= 2 and elapsed > 0:
            done_here = max(done - self.state.words_done, 0)
            self.progress.update(done / total if total else 1.0,
                                 done_here / elapsed / config.threads, self.shared.alpha,
                                 loss, elapsed)
