"""Every training option in one place, with word2vec.c's defaults, and their validation."""
import dataclasses
import os
from typing import List, Optional

from .errors import UserError

OUTPUT_CHOICES = ("input", "output", "sum")


def available_cores():
    """Cores this process may run on (respects taskset/cgroups where the OS tells)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


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

    @property
    def starting_alpha(self):
        if self.alpha is not None:
            return self.alpha
        return 0.05 if self.cbow else 0.025

    def validate(self):
        """Raise UserError naming the first option with an unusable value."""
        def need(ok, message):
            if not ok:
                raise UserError(message)

        need(self.corpus, "no training corpus given")
        need(self.size >= 1, f"size must be at least 1 (got {self.size})")
        need(self.window >= 1, f"window must be at least 1 (got {self.window})")
        need(self.sample >= 0, f"sample must be 0 or more (got {self.sample})")
        need(self.negative >= 0, f"negative must be 0 or more (got {self.negative})")
        need(self.threads >= 1, f"threads must be at least 1 (got {self.threads})")
        need(self.iter >= 1, f"iter must be at least 1 (got {self.iter})")
        need(self.min_count >= 0, f"min-count must be 0 or more (got {self.min_count})")
        need(self.starting_alpha > 0, f"alpha must be positive (got {self.starting_alpha})")
        if self.min_alpha is not None:
            need(0 <= self.min_alpha <= self.starting_alpha,
                 f"min-alpha must be between 0 and alpha ({self.starting_alpha}), got {self.min_alpha}")
        need(self.classes >= 0, f"classes must be 0 or more (got {self.classes})")
        need(self.debug >= 0, f"debug must be 0 or more (got {self.debug})")
        need(self.seed >= 0, f"seed must be 0 or more (got {self.seed})")
        if self.max_vocab is not None:
            need(self.max_vocab >= 1, f"max-vocab must be at least 1 (got {self.max_vocab})")
        need(self.output_vectors in OUTPUT_CHOICES,
             f"output vectors must be one of {', '.join(OUTPUT_CHOICES)} (got {self.output_vectors})")
        need(self.hs or self.negative > 0 or self.softmax,
             "nothing to train: enable hierarchical softmax (hs), negative sampling (negative > 0) or softmax")
        need(not (self.softmax and (self.hs or self.negative > 0)),
             "softmax is an alternative to hs and negative sampling: turn those off (hs 0, negative 0)")
        need(self.output_vectors == "input" or self.negative > 0 or self.softmax,
             f"'{self.output_vectors}' vectors need negative sampling or softmax: hierarchical "
             "softmax has no per-word output vectors")
