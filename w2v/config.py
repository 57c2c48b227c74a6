"""Every training option in one place, with word2vec.c's defaults, and their validation.

The click options of `w2v train` take their defaults from here (DEFAULTS), so that a
default is stated once.
"""
import dataclasses
import math
import os
import re
from typing import List, Optional

from .errors import UsageError

OUTPUT_CHOICES = ("input", "output", "sum")
NS_SATURATION_CHOICES = ("update", "skip")
CBOW_GRADIENT_CHOICES = ("word2vec", "mean")
SAMPLE_BITS_CHOICES = ("low", "high")
MAX_SEED = 2 ** 64 - 1          # the generator is word2vec.c's 64-bit LCG
MAX_INT32 = 2 ** 31 - 1         # word ids and C ints in the kernels
# Limits far beyond any sensible run that keep the arithmetic in range and the machine
# usable; each is named in the error message when exceeded.
LIMITS = {
    "size": (1, 100_000),
    "window": (1, 1_000_000),
    "negative": (0, 1000),
    "threads": (1, 1024),
    "iter": (1, 1_000_000_000),
    "min_count": (0, 2 ** 62),
    "classes": (0, MAX_INT32),
    "debug": (0, 1000),
    "seed": (0, MAX_SEED),
    "max_vocab": (2, MAX_INT32),
    "batch_positions": (1, 64),  # W2V_BATCH_POSITIONS in csrc/train_kernels.h
}


def available_cores():
    """Cores this process may run on (respects taskset/cgroups where the OS tells)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


PATH_FIELDS = ("output", "save_vocab", "read_vocab", "save_model", "checkpoint", "from_model")
BOOLEAN_FIELDS = ("binary", "cbow", "hs", "softmax", "cbow_mean", "update_vocab", "batch", "tied")
MIN_SAMPLE = 1e-30  # the smallest useful --sample is about 1e-6; float32 ends near 1e-38


_DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)d)?(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?"
                       r"(?:(\d+(?:\.\d+)?)s?)?$")
# Options a model keeps: continuing it (--from-model) uses these unless they are given.
MODEL_OPTIONS = ("cbow", "size", "window", "sample", "hs", "negative", "softmax", "iter",
                 "min_count", "alpha", "min_alpha", "ns_exponent", "cbow_mean", "max_vocab",
                 "batch", "batch_positions", "ns_saturation", "cbow_gradient", "tied", "init_scale",
                 "sample_bits", "pass_decay")


# Named bundles of options, applied to the options not given (see trainer.make_config).
# "word2vec" is word2vec.c's behaviour, the default; "best" is every measured difference
# from it that improves the vectors (scripts/experiments/gensim_differences.py, README).
PRESETS = {
    "word2vec": {},
    "best": {"ns_saturation": "skip", "init_scale": 2.0, "sample_bits": "high",
             "pass_decay": 0.5},
}


def parse_duration(text):
    """Seconds in a duration such as 90, 90s, 30m, 2h, 1h30m or 1d; UsageError otherwise."""
    match = _DURATION.match(text.strip().lower()) if text and text.strip() else None
    if not match or not any(match.groups()):
        raise UsageError(f"not a duration: {text!r} (examples: 90s, 30m, 2h, 1h30m)")
    days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    if not 0 < total < 1e9:
        raise UsageError(f"the duration {text!r} must be more than 0 seconds and less "
                         "than 30 years")
    return total


def option_name(field):
    return "--" + field.replace("_", "-")


@dataclasses.dataclass
class TrainConfig:
    corpus: List[str] = dataclasses.field(default_factory=list)
    output: Optional[str] = None        # None: build (and maybe save) the vocabulary only
    binary: bool = False
    cbow: bool = True                   # word2vec.c: -cbow 1 by default
    size: int = 100
    window: int = 5
    sample: float = 1e-3
    hs: bool = False
    negative: int = 5
    softmax: bool = False               # exact full softmax (small vocabularies only)
    threads: int = 12                   # word2vec.c's default; `w2v train` uses the cores
    iter: int = 5
    min_count: int = 5
    alpha: Optional[float] = None       # None: 0.05 for CBOW, 0.025 for skip-gram
    min_alpha: Optional[float] = None   # None: word2vec.c's floor, alpha * 1e-4
    classes: int = 0
    debug: int = 2                      # 0 silent, 1 summary lines, 2 progress too
    save_vocab: Optional[str] = None
    read_vocab: Optional[str] = None
    seed: int = 1                       # word2vec.c's generator starts at 1
    ns_exponent: float = 0.75
    cbow_mean: bool = True              # word2vec.c averages the context vectors
    max_vocab: Optional[int] = None     # None: word2vec.c's 21M distinct-word limit
    output_vectors: str = "input"       # input (syn0), output (syn1neg), or their sum
    save_model: Optional[str] = None    # the model file (w2v.model), to continue training
    checkpoint: Optional[str] = None    # where to save progress, to resume an interrupted run
    checkpoint_every: Optional[float] = None  # seconds between checkpoints (None: only on stop)
    from_model: Optional[str] = None    # continue training this model on the corpus
    update_vocab: bool = False          # with from_model: add the corpus's new words
    batch: bool = False                 # skip-gram's contexts share their outputs (HogBatch)
    batch_positions: int = 1            # with batch: consecutive positions sharing negatives
    ns_saturation: str = "update"       # word2vec.c updates NS units with |f| >= 6; gensim skips
    init_scale: float = 1.0             # input vectors uniform in [-0.5, 0.5) * scale / size
    cbow_gradient: str = "word2vec"     # or "mean": the context gradient divided by its count
    tied: bool = False                  # one matrix as both input and output vectors
    sample_bits: str = "low"            # subsampling's random bits: word2vec.c's low 16, or high
    pass_decay: float = 1.0             # share of a pass's learning-rate fall taken within it
    preset: str = "word2vec"            # a bundle of the options above: see PRESETS

    @property
    def starting_alpha(self):
        if self.alpha is not None:
            return self.alpha
        return 0.05 if self.cbow else 0.025

    def validate(self):
        """Raise UsageError naming the first option with an unusable value."""
        def need(ok, message):
            if not ok:
                raise UsageError(message)

        need(self.corpus, "no training corpus given")
        # Types first: the Python API, a model's options (--from-model) and a checkpoint's
        # (--resume) reach here without click's conversions.
        need(isinstance(self.corpus, list) and all(isinstance(p, str) for p in self.corpus),
             f"the corpus must be a list of paths (got {self.corpus!r})")
        for field in PATH_FIELDS:
            value = getattr(self, field)
            need(value is None or isinstance(value, str),
                 f"{option_name(field)} must be a path (got {value!r})")
        for path in list(self.corpus) + [getattr(self, f) for f in PATH_FIELDS]:
            need(path is None or "\0" not in path,
                 f"the path {path!r} holds a NUL byte: no file is named so")
        for field in ("read_vocab", "from_model"):
            # `--from-model "$MODEL"` with MODEL unset: an empty name was taken as the
            # option not given, and a model trained afresh replaced a continued one
            need(getattr(self, field) != "", f"the {option_name(field)} path is empty")
        for field in BOOLEAN_FIELDS:
            value = getattr(self, field)
            need(isinstance(value, bool),
                 f"{option_name(field)} must be true or false (got {value!r})")
        need(self.sample is not None, "--sample must be a finite number (got None)")
        for field, (low, high) in LIMITS.items():
            value = getattr(self, field)
            if value is None and getattr(DEFAULTS, field) is None:
                continue  # a default of None means "no limit" or "word2vec.c's"
            need(isinstance(value, int) and not isinstance(value, bool),
                 f"{option_name(field)} must be a whole number (got {value!r})")
            need(low <= value <= high,
                 f"{option_name(field)} must be between {low} and {high:,} (got {value})")
        for field in ("sample", "alpha", "min_alpha", "ns_exponent", "checkpoint_every",
                      "init_scale", "pass_decay"):
            value = getattr(self, field)
            need(value is None or (isinstance(value, (int, float)) and math.isfinite(value)),
                 f"{option_name(field)} must be a finite number (got {value!r})")
        need(0 <= self.sample <= 1, f"--sample must be between 0 and 1 (got {self.sample})")
        # word2vec.c computes sample * train_words in float: below this the threshold
        # vanishes (a division by zero) or keeps no word at all
        need(self.sample == 0 or self.sample >= MIN_SAMPLE,
             f"--sample must be 0 (off) or at least {MIN_SAMPLE:g} (got {self.sample:g})")
        need(0 < self.starting_alpha <= 10,
             f"--alpha must be above 0 and at most 10 (got {self.starting_alpha})")
        if self.min_alpha is not None:
            need(0 <= self.min_alpha <= self.starting_alpha,
                 f"--min-alpha must be between 0 and --alpha ({self.starting_alpha}), "
                 f"got {self.min_alpha}")
        need(-10 <= self.ns_exponent <= 10,
             f"--ns-exponent must be between -10 and 10 (got {self.ns_exponent})")
        if self.checkpoint_every is not None:
            need(self.checkpoint_every > 0, "--checkpoint-every must be a positive duration")
            need(self.checkpoint, "--checkpoint-every needs --checkpoint FILE")
        need(0 < self.pass_decay <= 1,
             f"--pass-decay must be above 0 and at most 1 (got {self.pass_decay})")
        need(0 < self.init_scale <= 1000,
             f"--init-scale must be above 0 and at most 1000 (got {self.init_scale})")
        need(self.ns_saturation in NS_SATURATION_CHOICES,
             f"--ns-saturation must be one of {', '.join(NS_SATURATION_CHOICES)}")
        need(self.sample_bits in SAMPLE_BITS_CHOICES,
             f"--sample-bits must be one of {', '.join(SAMPLE_BITS_CHOICES)}")
        need(self.cbow_gradient in CBOW_GRADIENT_CHOICES,
             f"--cbow-gradient must be one of {', '.join(CBOW_GRADIENT_CHOICES)}")
        need(not (self.tied and self.hs),
             "--tied needs per-word output vectors; hierarchical softmax's output rows are "
             "the Huffman tree's inner nodes, not words: use negative sampling or --softmax")
        need(not (self.batch and self.cbow),
             "--batch is for skip-gram (--skip-gram): CBOW makes one prediction per position "
             "already")
        need(not (self.batch and (self.tied or self.softmax)),
             "--batch works with negative sampling and hierarchical softmax, untied")
        need(self.batch_positions == 1 or (self.batch and self.negative > 0),
             "--batch-positions shares negatives between positions: it needs --batch and "
             "negative sampling")
        need(self.output_vectors in OUTPUT_CHOICES,
             f"--output-vectors must be one of {', '.join(OUTPUT_CHOICES)} "
             f"(got {self.output_vectors})")
        need(self.hs or self.negative > 0 or self.softmax,
             "nothing to train: enable hierarchical softmax (hs), negative sampling "
             "(negative > 0) or softmax")
        need(not (self.softmax and (self.hs or self.negative > 0)),
             "softmax is an alternative to hs and negative sampling: turn those off "
             "(hs 0, negative 0)")
        need(self.output_vectors == "input" or self.negative > 0 or self.softmax,
             f"'{self.output_vectors}' vectors need negative sampling or softmax: "
             "hierarchical softmax has no per-word output vectors")
        need(not (self.update_vocab and not self.from_model),
             "--update-vocab adds words to a model: it needs --from-model")
        need(not (self.from_model and self.read_vocab),
             "--read-vocab and --from-model both give the vocabulary: choose one")

    def check_vocabulary_size(self, vocab_size, train_words):
        """The checks that need the vocabulary (before any training)."""
        if self.classes > vocab_size:
            raise UsageError(f"--classes {self.classes} is more than the {vocab_size} words "
                             "of the vocabulary")
        if self.iter * train_words >= 2 ** 62:
            raise UsageError(f"--iter {self.iter} passes over {train_words} words is more "
                             "than the word counter can hold")


DEFAULTS = TrainConfig()
