"""The training driver: a training job from its options to its files.

    options checked ─▶ outputs checked ─▶ corpus opened ─▶ vocabulary ─▶ matrices
        ─▶ passes (w2v.run) ─▶ vectors / classes / model written

Everything a user can get wrong fails before the long computation: bad option values,
outputs that cannot be written or that name an input, unreadable corpora, a vocabulary
that does not fit, matrices larger than the memory.

A job can save checkpoints (`--checkpoint FILE`): every `--checkpoint-every` seconds and
when a signal stops it, whether it is counting, training or writing. `resume(FILE)`
continues it; with one thread it ends with the files the uninterrupted job would have
written, byte for byte. A job can also continue a saved model on new text
(`from_model`; see w2v.update).
"""
import contextlib
import dataclasses
import os
import resource
import tempfile
from typing import Optional

import numpy as np

from . import _train, signals
from .config import PATH_FIELDS, TrainConfig
from .corpus import Corpus, FileState
from .errors import CheckpointUnusable, Stopped, UsageError, UserError
from .formats import write_vectors
from .inputs import check_readable, is_regular, is_stdin, spooled
from .model import Huffman, Model, load_model, save_model, trained_matrices
from .outputs import Target, check_outputs, replaced_together
from .progress import Progress, Stopwatch
from .run import PassStats, RunState, TrainingRun, _count
from .vocab import Vocab

STAGES = ("counting", "training", "trained")
# With several threads, the Huffman tree's nodes this close to the root get a copy per
# thread, synchronised every 10,000 words (see csrc/train_kernels.h): at most 2^10 - 1 =
# 1023 rows, 400 KB at 100 dimensions. Measured on 2 threads, 5M words: depth 6 made
# SG-HS 2.2x as fast as none, depth 10 another 13 %, depth 14 no more.
HOT_DEPTH = 10


@dataclasses.dataclass
class TrainResult:
    vocab: Vocab
    input_vectors: Optional[np.ndarray] = None   # syn0
    output_vectors: Optional[np.ndarray] = None  # syn1neg, or the softmax's output matrix
    model: Optional[Model] = None                # everything, as a model file holds it
    first_pass: Optional[PassStats] = None
    last_pass: Optional[PassStats] = None
    seconds: float = 0.0
    words_per_second: float = 0.0

    def vectors_to_write(self, which):
        """The matrix a user asked for: input (word2vec.c's), output, or their sum."""
        if which == "input":
            return self.input_vectors
        if which == "output":
            return self.output_vectors
        return self.input_vectors + self.output_vectors


def _matrices_bytes(count, size, dim):
    """What `count` training matrices of `size` rows take (rows padded: row_stride)."""
    return count * size * _train.row_stride(dim) * 4


def make_config(corpus, output=None, **options) -> TrainConfig:
    """TrainConfig from the options given; those not given come from the preset (if one
    is named), else, with from_model, from the model (its hyperparameters are what
    continuing it means), else word2vec.c's defaults."""
    from .config import MODEL_OPTIONS, PRESETS
    from .model import read_options

    preset = options.get("preset")
    if preset is None:
        preset = options["preset"] = "word2vec"
    if not isinstance(preset, str) or preset not in PRESETS:
        raise UsageError(f"--preset must be one of {', '.join(PRESETS)} (got {preset!r})")
    for name, value in PRESETS[preset].items():
        if name not in options:
            options[name] = value(options) if callable(value) else value
    if options.get("from_model"):
        saved = read_options(options["from_model"]).get("options") or {}
        for name in MODEL_OPTIONS:
            if name in saved and name not in options:
                options[name] = saved[name]
    def path(value):  # str, bytes or os.PathLike, as open() takes; anything else is
        try:              # left for TrainConfig.validate to name
            return os.fsdecode(value) if value is not None else None
        except TypeError:
            return value

    options.update({name: path(options[name]) for name in PATH_FIELDS if name in options})
    try:
        return TrainConfig(corpus=[path(p) for p in corpus], output=path(output), **options)
    except TypeError as exc:
        raise UsageError(f"unknown training option: {exc}") from None


def train(config: TrainConfig, progress: Optional[Progress] = None) -> TrainResult:
    """Run a whole training job as word2vec.c's TrainModel does; write its files."""
    return _Job(config, progress).run()


def resume(path, threads=None, debug=None, checkpoint_every=None,
           progress: Optional[Progress] = None) -> TrainResult:
    """Continue the job a checkpoint was saved from, with its options and corpus."""
    # Taken before reading: if the file is replaced meanwhile, this job does not remove
    # the new one when it completes.
    identity = file_identity(path)
    check_readable(path, "checkpoint")  # missing or unreadable: status 1, nothing to drop
    try:
        checkpoint = load_model(path, "checkpoint")
    except UserError as exc:
        raise CheckpointUnusable(str(exc)) from None
    if not checkpoint.is_checkpoint:
        raise CheckpointUnusable(f"{path} is a model file, not a checkpoint: continue "
                                 "training it with --from-model")
    try:
        config = TrainConfig(**checkpoint.options)
    except TypeError as exc:
        raise CheckpointUnusable(f"checkpoint {path} has options this w2v does not know "
                                 f"({exc})") from None
    try:
        config.validate()  # the saved options, before this run's own are applied
    except UsageError as exc:
        raise CheckpointUnusable(f"checkpoint {path} has options this w2v refuses: "
                                 f"{exc}") from None
    # Relative paths were relative to the directory the run was started in: a job
    # resumed from elsewhere (cron, a batch system) must read and write the same files.
    saved_cwd = checkpoint.progress.get("cwd")
    if isinstance(saved_cwd, str) and os.path.isabs(saved_cwd):
        if isinstance(config.corpus, list):
            config.corpus = [_resolved(p, saved_cwd) for p in config.corpus]
        for name in PATH_FIELDS:
            setattr(config, name, _resolved(getattr(config, name), saved_cwd))
    config.checkpoint = os.fspath(path)
    for name, value in (("threads", threads), ("debug", debug),
                        ("checkpoint_every", checkpoint_every)):
        if value is not None:
            setattr(config, name, value)
    job = _Job(config, progress, resume_from=checkpoint)
    job.checkpoint_identity = identity
    return job.run()


def file_identity(path):
    """(device, inode) of the file at `path` (through symbolic links), or None."""
    try:
        status = os.stat(path)
    except (OSError, TypeError, ValueError):
        return None
    return (status.st_dev, status.st_ino)


def _check_read_once_inputs(paths):
    """UsageError for a pipe, FIFO or device named twice as corpus (`- -`, `fifo fifo`):
    the first copy takes all its text, and the second would read nothing (standard
    input at its end) or wait forever for a writer (a FIFO opened again)."""
    seen = {}
    for path in paths:
        if not isinstance(path, str) or is_regular(path):
            continue
        try:
            status = os.fstat(0) if is_stdin(path) else os.stat(path)
        except OSError:
            continue  # reported when it is read
        key = (status.st_dev, status.st_ino)
        if key in seen:
            raise UsageError(f"corpus {path} is the same stream as corpus {seen[key]}, "
                             "which can be read only once: name it once, or save it to a "
                             "file first")
        seen[key] = path


def _resolved(path, directory):
    """`path` taken relative to `directory` (a non-path is left for validation to name)."""
    if isinstance(path, str) and path and path != "-" and not os.path.isabs(path):
        return os.path.normpath(os.path.join(directory, path))
    return path


def prepare_vocabulary(config: TrainConfig, progress: Optional[Progress] = None):
    """word2vec.c without -output: count (or read) the vocabulary and maybe save it."""
    job = _Job(config, progress)
    config.validate()
    job.check_outputs()
    with job.open_corpus():
        job.stage = "counting"
        job.prepare_vocabulary()
        # A training run checks the corpus before every pass; this one only counts it:
        # a file rewritten or truncated meanwhile must not give a vocabulary of both.
        job.corpus.check_unchanged()
    if config.save_vocab:
        job.vocab.save(config.save_vocab)
    return job.vocab


def default_progress(config):
    return Progress("quiet" if config.debug == 0 else "auto")


class _Job:
    def __init__(self, config, progress=None, resume_from: Optional[Model] = None):
        self.config = config
        self.progress = progress or default_progress(config)
        self.resume_from = resume_from
        saved_cwd = resume_from.progress.get("cwd") if resume_from is not None else None
        # the directory the corpus files' recorded paths are relative to
        self.saved_cwd = (saved_cwd if isinstance(saved_cwd, str) and os.path.isabs(saved_cwd)
                          else os.getcwd())
        self.stage = "counting"
        self.corpus = None
        self.vocab = None
        self.huffman = None
        self.matrices = {}            # name -> array, as in a model file
        self.schedule_words = None    # words per pass (progress, learning-rate schedule)
        self.run_state = RunState()
        # the checkpoint file this job saved or resumed from, (device, inode): the one it
        # removes when it completes (see remove_checkpoint)
        self.checkpoint_identity = None

    # ------------------------------------------------------------------------ steps

    def run(self):
        config = self.config
        config.validate()
        if self.resume_from is not None:
            self.check_corpus_is_there()
        self.check_outputs()
        if config.classes and config.binary:
            self.info("warning: --binary has no effect with --classes: classes are written "
                      "as text, as word2vec.c does")
        with self.open_corpus():
            if self.resume_from is not None:
                self.restore(self.resume_from)
            # one block from the first count to the last file written: a signal between
            # two steps (after the last pass, while the matrices are checked) must not
            # lose the passes trained
            with self.checkpoint_on_stop():
                if self.resume_from is None:
                    self.prepare_vocabulary()
                    self.make_matrices()
                result = TrainResult(vocab=self.vocab)
                if self.stage == "training":
                    self.train_passes(result)
                self.stage = "trained"
                self.check_finite()
                result.input_vectors = self.matrices["input_vectors"]
                result.output_vectors = (self.matrices["input_vectors"] if config.tied
                                         else self.matrices.get("ns_vectors")
                                         if config.negative > 0
                                         else self.matrices.get("softmax_vectors"))
                result.model = self.model()
                try:
                    self.write_outputs(result)
                except UserError as exc:
                    self.keep_trained_state(exc)
                    raise
        if config.checkpoint:
            self.remove_checkpoint()
        return result

    def remove_checkpoint(self):
        """The job is done: nothing is left to resume, so its checkpoint goes. Only the
        file this job saved or resumed from: a file that was there before and was never
        written (a --checkpoint named by mistake), or a checkpoint another run saved there
        since (two cron runs overlapping), is not this job's to delete."""
        path = self.config.checkpoint
        try:
            in_place = Target(path, "checkpoint").in_place
        except UserError:  # it cannot be looked at now (a link loop): not removed either
            return
        if in_place:
            # written where it is, never by a rename (`--checkpoint /dev/stdout >>
            # log.txt` appended to log.txt): not a file of its own, nothing to remove (the
            # log was deleted, and before it the link /dev/stdout itself)
            return
        if not is_regular(path) or file_identity(path) != self.checkpoint_identity:
            if os.path.lexists(path):
                self.info(f"Left {path} in place: it is not a checkpoint this run saved")
            return
        try:
            os.unlink(os.path.realpath(path))  # a symbolic link keeps pointing where it did
        except OSError as exc:
            self.info(f"warning: could not remove checkpoint {path}: {exc.strerror}")
            return
        self.info(f"Removed checkpoint {path}: the run is complete")

    def check_corpus_is_there(self):
        """CheckpointUnusable when a corpus file of the checkpoint is gone: no later
        attempt can resume it (other reasons it cannot be read may pass)."""
        for path in self.config.corpus:
            if isinstance(path, str) and path and not is_stdin(path) \
                    and not os.path.lexists(path):
                raise CheckpointUnusable(f"corpus {path} of checkpoint "
                                         f"{self.config.checkpoint} is gone: the run "
                                         "cannot be resumed")

    def check_outputs(self):
        config = self.config
        outputs = [("classes file" if config.classes else "vectors file", config.output),
                   ("vocabulary file", config.save_vocab), ("model file", config.save_model),
                   ("checkpoint", config.checkpoint)]
        inputs = [("corpus", path) for path in config.corpus]
        inputs += [("vocabulary", config.read_vocab), ("model", config.from_model)]
        # A checkpoint resumed from, or a model continued, is read whole before anything
        # is written: writing the new one in its place loses nothing.
        check_outputs(outputs, inputs,
                      same_file_allowed={("model", "model file"), ("checkpoint", "checkpoint")}
                      if self.resume_from else {("model", "model file")})
        _check_read_once_inputs(config.corpus)
        if config.checkpoint:
            for path in config.corpus:
                check_readable(path, "corpus")  # a missing file is not a pipe
                if not is_regular(path):
                    raise UsageError(f"--checkpoint needs a corpus that can be read again; "
                                     f"{path} is not a regular file")

    @contextlib.contextmanager
    def open_corpus(self):
        """The corpus, with pipes and devices copied to temporary files (they can be read
        once only, training reads the text 1 + passes times)."""
        config = self.config
        # Beside the first output that is a file (same file system, swept by its next
        # run); not beside a device or FIFO written in place (-o /dev/null): that would
        # copy the corpus into /dev (memory, or refused to a user who is not root).
        first_output = next((p for p in (config.output, config.save_model, config.save_vocab)
                             if p and not Target(p, "output").in_place), None)
        beside = first_output or os.path.join(tempfile.gettempdir(), "w2v")
        with contextlib.ExitStack() as stack:
            paths = [stack.enter_context(spooled(path, beside, progress=self.info))
                     for path in config.corpus]
            files = None
            if self.resume_from is not None and self.resume_from.corpus_files:
                files = self.recorded_files(paths)
            self.corpus = Corpus(paths, names=config.corpus, files=files, warnings=self.info)
            yield self.corpus

    def recorded_files(self, paths):
        """The corpus files' states a checkpoint recorded (one per file, as now spooled)."""
        recorded = self.resume_from.corpus_files
        try:
            if len(recorded) != len(paths):
                raise ValueError(f"{len(recorded)} files recorded for {len(paths)}")
            files = [FileState.from_json(f) for f in recorded]
            for state, path in zip(files, paths):
                if not (isinstance(state.path, str) and isinstance(state.signature, str)
                        and all(_count(v) is not None for v in
                                (state.size, state.mtime_ns, state.inode, state.device))):
                    raise ValueError(f"bad file record {state!r}")
                if os.path.abspath(os.path.join(self.saved_cwd, state.path)) != \
                        os.path.abspath(path):
                    raise ValueError(f"{state.path!r} recorded for {path!r}")
                state.path = path  # as resolved where the run was started (see resume)
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointUnusable(f"checkpoint {self.config.checkpoint} is damaged: bad "
                                     f"corpus record ({exc})") from None
        return [state.found_again() for state in files]

    def prepare_vocabulary(self):
        config = self.config
        if config.from_model:
            from .update import continue_model
            continued = continue_model(load_model(config.from_model), self.corpus, config,
                                       self.counting_progress())
            self.vocab, self.matrices, self.huffman = (continued.vocab, continued.matrices,
                                                       continued.huffman)
            self.schedule_words = continued.schedule_words
            if config.update_vocab:
                self.info(f"Added {continued.added} words new to the model")
            fresh = [option for name, option in
                     trained_matrices(dataclasses.asdict(config)).items()
                     if name not in self.matrices]
            if fresh:
                self.info(f"warning: model {config.from_model} has no output vectors for "
                          f"{' and '.join(fresh)}: they start from zero")
        elif config.read_vocab:
            self.vocab = Vocab.read(config.read_vocab, min_count=config.min_count)
        else:
            self.vocab = Vocab.build(self.corpus, min_count=config.min_count,
                                     max_vocab=config.max_vocab,
                                     progress=self.counting_progress(),
                                     threads=config.threads)
            if not self.vocab.pruned:
                # without pruning, every pass reads exactly the counted words
                self.run_state.pass_words = self.vocab.train_words
        if self.schedule_words is None:
            self.schedule_words = self.vocab.train_words
        if config.debug >= 1:
            self.info(f"Vocab size: {len(self.vocab)}")
            self.info(f"Words in train file: {self.schedule_words}")
        config.check_vocabulary_size(len(self.vocab), self.schedule_words)

    def counting_progress(self):
        watch, last, config = Stopwatch(), [0.0], self.config

        def show(done, total):
            if config.debug >= 2 and watch.elapsed() - last[0] > 1 and total:
                last[0] = watch.elapsed()
                self.progress.info(f"Reading corpus: {100.0 * done / total:5.1f}%")
        return show

    def make_matrices(self):
        """Allocate the matrices as word2vec.c's InitNet does (or keep a model's)."""
        config, vocab = self.config, self.vocab
        size, dim = len(vocab), config.size
        needed = {"input_vectors": True, "ns_vectors": config.negative > 0,
                  "hs_vectors": config.hs, "softmax_vectors": config.softmax}
        self.check_memory(sum(needed.values()), size, dim)
        try:
            if "input_vectors" not in self.matrices:
                vectors = _train.init_input_vectors(size, dim, config.seed)
                if config.init_scale != 1:
                    vectors *= np.float32(config.init_scale)
                self.matrices["input_vectors"] = vectors
            if config.tied:  # the one matrix serves as the output vectors too
                needed["ns_vectors"] = needed["softmax_vectors"] = False
            for name, wanted in needed.items():
                if wanted and name not in self.matrices:
                    self.matrices[name] = _train.training_matrix(size, dim)
            if config.hs and self.huffman is None:
                self.huffman = Huffman(*vocab.huffman())
        except MemoryError:
            raise UserError(self.memory_advice(sum(needed.values()), size, dim)) from None
        self.stage = "training"

    def check_memory(self, count, size, dim):
        needed = _matrices_bytes(count, size, dim)
        if self.config.debug >= 1:
            padded = _train.row_stride(dim)
            rows = f" (rows padded to {padded} for cache-line alignment)" if padded > dim else ""
            self.info(f"Memory for the matrices: {count} x {size} x {dim} float32{rows} = "
                      f"{_megabytes(needed)}")
        available = available_memory()
        if available is not None and needed > available:
            raise UserError(self.memory_advice(count, size, dim, available))
        scratch = self.config.threads * self.thread_scratch_bytes(size, dim)
        if available is not None and needed + scratch > available:
            raise UserError(
                f"the matrices ({_megabytes(needed)}) and the scratch space of "
                f"{self.config.threads} training threads ({_megabytes(scratch)}) need "
                f"{_megabytes(needed + scratch)} but only {_megabytes(available)} is "
                f"available: lower --threads (now {self.config.threads}) or --size (now "
                f"{dim}){' or --window' if self.config.batch else ''}")

    def thread_scratch_bytes(self, size, dim):
        """What each training thread allocates for itself (_train.ThreadState): its
        vectors, the batched mode's contexts x dim errors, a copy of the Huffman tree's
        top rows (twice), the softmax's scores."""
        config = self.config
        floats = 4 * dim + 64
        if config.batch:
            positions = config.batch_positions if config.negative > 0 else 1
            sizes = _train.batch_scratch_sizes(dim, config.window, positions,
                                               config.negative)
            floats += sizes["err"] + sizes["grad"]
        if config.hs and config.threads > 1:
            floats += 2 * min(2 ** HOT_DEPTH - 1, max(size - 1, 0)) * dim
        if config.softmax:
            floats += size
        return 4 * floats

    def memory_advice(self, count, size, dim, available=None):
        have = f" but only {_megabytes(available)} is available" if available else ""
        needed = _megabytes(_matrices_bytes(count, size, dim))
        return (f"the {count} matrices of {size} words x {dim} dimensions need "
                f"{needed}{have}: lower --size (now {dim}) or "
                f"shrink the vocabulary with a higher --min-count (now {self.config.min_count})"
                f" or --max-vocab")

    def shared_model(self):
        config, vocab, m = self.config, self.vocab, self.matrices
        if self.huffman is not None and config.hs:
            codes, points, lengths = self.huffman.codes, self.huffman.points, self.huffman.lengths
        else:
            codes = np.zeros((1, _train.MAX_CODE_LENGTH), np.uint8)
            points = np.zeros((1, _train.MAX_CODE_LENGTH), np.int32)
            lengths = np.zeros(1, np.int32)
        # negative sampling draws from counts^0.75 (word2vec.c's; see w2v_build_alias)
        noise = vocab.counts.astype(np.float64) ** config.ns_exponent \
            if config.negative > 0 else None
        if noise is not None and not np.isfinite(noise.sum()):
            raise UsageError(f"--ns-exponent {config.ns_exponent} makes the noise "
                             "distribution overflow: use a smaller one")
        keep = vocab.keep_probabilities(config.sample) if config.sample > 0 else None
        tied = m["input_vectors"] if config.tied else None
        return _train.SharedModel(
            input_vectors=m["input_vectors"], hs_vectors=m.get("hs_vectors"),
            ns_vectors=tied if tied is not None and config.negative > 0 else m.get("ns_vectors"),
            softmax_vectors=tied if tied is not None and config.softmax
            else m.get("softmax_vectors"),
            codes=codes, points=points, code_lengths=lengths, noise_weights=noise,
            keep_thresholds=keep, window=config.window, negative=config.negative,
            hs=config.hs, softmax=config.softmax, cbow=config.cbow,
            cbow_mean=config.cbow_mean, alpha=config.starting_alpha,
            min_alpha=config.min_alpha, total_words=config.iter * self.schedule_words + 1,
            batch=config.batch_positions if config.batch else 0,
            ns_skip_saturated=config.ns_saturation == "skip",
            cbow_gradient_mean=config.cbow_gradient == "mean",
            hot_depth=HOT_DEPTH if config.threads > 1 else 0,
            sample_high_bits=config.sample_bits == "high", pass_decay=config.pass_decay,
            pass_words=self.schedule_words)

    def train_passes(self, result):
        config = self.config
        if len(self.vocab) < 2:
            raise UserError("nothing to train: the vocabulary has no word besides </s>")
        shared = self.shared_model()
        self.info(f"Training kernel: {shared.kernel}")
        run = TrainingRun(config, self.corpus, self.vocab, shared, self.run_state,
                          self.progress, self.schedule_words,
                          checkpoint=self.save_checkpoint if config.checkpoint else None)
        self.active_run = run
        seconds = run.execute()
        result.first_pass, result.last_pass = run.first_pass, run.last_pass
        result.seconds = seconds
        result.words_per_second = run.words_trained / seconds if seconds > 0 else 0.0
        if config.debug >= 1:
            self.info(f"Trained {run.words_trained} words in {seconds:.1f} s: "
                      f"{result.words_per_second:.0f} words/s, "
                      f"{result.words_per_second / config.threads:.0f} per thread")

    def check_finite(self):
        for name, matrix in self.matrices.items():
            if not np.isfinite(matrix).all():
                raise UserError(f"training diverged: the {name.replace('_', ' ')} hold "
                                f"numbers that are not finite; lower --alpha (it was "
                                f"{self.config.starting_alpha:g})")

    def write_outputs(self, result):
        """The run's files, replaced as a set (see outputs.replaced_together): all of them,
        or after a failure none, so that new vectors never sit beside an old model or
        vocabulary. The vocabulary is written here, at the end, for the same reason."""
        config = self.config
        written = []
        with replaced_together():
            if config.save_vocab:
                self.vocab.save(config.save_vocab)
                written.append(f"vocabulary {config.save_vocab}")
            if config.output:
                vectors = result.vectors_to_write(config.output_vectors)
                if config.classes:
                    from .classes import word_classes, write_classes
                    write_classes(config.output, self.vocab.words,
                                  word_classes(vectors, config.classes))
                else:
                    write_vectors(config.output, self.vocab.words, vectors,
                                  binary=config.binary)
                written.append(f"{'classes' if config.classes else 'vectors'} {config.output}")
            if config.save_model:
                save_model(config.save_model, result.model)
                written.append(f"model {config.save_model}")
        for note in written:
            self.info(f"Wrote {note}")

    # ------------------------------------------------------------------ checkpoints

    def model(self, progress=None):
        options = dataclasses.asdict(self.config)
        return Model(vocab=self.vocab, input_vectors=self.matrices["input_vectors"],
                     ns_vectors=self.matrices.get("ns_vectors"),
                     hs_vectors=self.matrices.get("hs_vectors"),
                     softmax_vectors=self.matrices.get("softmax_vectors"),
                     huffman=self.huffman, options=options, progress=progress,
                     corpus_files=[f.to_json() for f in self.corpus.files]
                     if self.corpus else [])

    @contextlib.contextmanager
    def checkpoint_on_stop(self):
        """Save a checkpoint if a signal stops the job in this block, unless a run in
        progress saved its own (at a batch boundary: see w2v.run) and noted it."""
        try:
            yield
        except Stopped as stopped:
            if self.config.checkpoint and not hasattr(stopped, "notes"):
                with signals.deferred(stopping=True):  # a second signal: save it whole
                    try:
                        stopped.notes = [self.save_checkpoint(self.run_state)]
                    except UserError as exc:
                        stopped.notes = [f"no checkpoint saved ({exc})"]
            raise

    def keep_trained_state(self, failure):
        """The outputs could not be written (a full disk, a directory removed): with
        --checkpoint, save the trained state there, so that `--resume` writes them once
        the problem is fixed instead of training again; the note joins the error."""
        if not self.config.checkpoint:
            return
        with signals.deferred(stopping=True):  # a signal now must not cut it short
            try:
                note = self.save_checkpoint(self.run_state)
            except UserError as exc:
                note = f"no checkpoint saved ({exc})"
        failure.args = (f"{failure}; training is done: {note}",)

    def save_checkpoint(self, run_state):
        """Write the checkpoint; returns a note telling how to resume."""
        config = self.config
        cwd = os.getcwd()  # what the relative paths are relative to (see resume)
        if self.stage == "counting" or self.vocab is None or not self.matrices:
            progress = {"stage": "counting", "cwd": cwd}
            model = Model(vocab=Vocab([b"</s>"], [0]), input_vectors=np.zeros((1, 1),
                          np.float32), options=dataclasses.asdict(config), progress=progress,
                          corpus_files=[f.to_json() for f in self.corpus.files])
        else:
            progress = {"stage": self.stage, "run": run_state.to_json(),
                        "schedule_words": self.schedule_words, "cwd": cwd}
            model = self.model(progress)
        save_model(config.checkpoint, model, what="checkpoint")
        self.checkpoint_identity = file_identity(config.checkpoint)
        return (f"checkpoint saved to {config.checkpoint} (continue with: w2v train "
                f"--resume {config.checkpoint})")

    def restore(self, checkpoint):
        """Take up a checkpoint's state (see resume)."""
        progress = checkpoint.progress
        stage = progress.get("stage")
        if stage not in STAGES:
            raise CheckpointUnusable(f"checkpoint {self.config.checkpoint} is damaged: "
                                     f"unknown stage {stage!r}")
        for state, name in zip(self.corpus.files, self.corpus.names):
            try:
                changed = state.change(name)
            except UserError as exc:  # removed, replaced, truncated, modified
                raise CheckpointUnusable(f"{exc}: checkpoint {self.config.checkpoint} "
                                         "cannot be resumed") from None
            if changed is not None:
                raise CheckpointUnusable(f"corpus {name} is not the one the checkpoint was "
                                         "made on (its size or modification time changed)")
        if stage == "counting":
            self.resume_from = None  # nothing was learnt yet: start again
            with self.checkpoint_on_stop():
                self.prepare_vocabulary()
                self.make_matrices()
            return
        self.vocab = checkpoint.vocab
        self.huffman = checkpoint.huffman
        self.matrices = {name: getattr(checkpoint, name) for name in
                         ("input_vectors", "ns_vectors", "hs_vectors", "softmax_vectors")
                         if getattr(checkpoint, name) is not None}
        try:
            self.schedule_words = _count(progress["schedule_words"])
            self.run_state = RunState.from_json(progress["run"])
            if self.run_state.pass_number > self.config.iter:
                raise ValueError(f"pass {self.run_state.pass_number} of {self.config.iter}")
            for state in self.run_state.thread_states:
                if any(w >= len(self.vocab) for w in state["open_sentence"] or ()):
                    raise ValueError("a word id of an open sentence beyond the vocabulary")
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointUnusable(f"checkpoint {self.config.checkpoint} is damaged: bad "
                                     f"progress record ({exc})") from None
        self.stage = stage
        if self.config.debug >= 1:
            where = (f"pass {self.run_state.pass_number + 1}/{self.config.iter}"
                     if stage == "training" else "training done, writing")
            self.info(f"Resuming {self.config.checkpoint}: {where}")

    # --------------------------------------------------------------------- messages

    def info(self, text):
        if self.config.debug >= 1:
            self.progress.info(text)


def available_memory():
    """Bytes this process may still allocate (free memory, swap, cgroup and rlimit), or
    None when nothing tells."""
    limits = []
    try:
        with open("/proc/meminfo") as f:
            info = {line.split(":")[0]: int(line.split()[1]) * 1024 for line in f
                    if len(line.split()) >= 2 and line.split()[1].isdigit()}
        if "MemAvailable" in info:
            limits.append(info["MemAvailable"] + info.get("SwapFree", 0))
    except OSError:
        pass
    try:
        with open("/sys/fs/cgroup/memory.max") as f:
            text = f.read().strip()
        if text.isdigit():
            with open("/sys/fs/cgroup/memory.current") as f:
                limits.append(int(text) - int(f.read().strip()))
    except (OSError, ValueError):
        pass
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        limits.append(soft)
    return min(limits) if limits else None


def _megabytes(count):
    return f"{count / 1e6:,.1f} MB" if count < 1e9 else f"{count / 1e9:,.2f} GB"
