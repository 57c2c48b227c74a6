"""w2v: fast, faithful word2vec from the command line and from Python.

    >>> import w2v
    >>> vectors = w2v.train("corpus.txt", cbow=False, size=100, iter=5)   # doctest: +SKIP
    >>> vectors.most_similar("france", topn=3)                             # doctest: +SKIP
    >>> vectors.save("vectors.bin", binary=True)                           # doctest: +SKIP
    >>> same = w2v.load("vectors.bin")                                     # doctest: +SKIP
    >>> w2v.train("day1.txt", save_model="news.model")                     # doctest: +SKIP
    >>> w2v.train("day2.txt", from_model="news.model", update_vocab=True,
    ...           save_model="news.model")                                 # doctest: +SKIP
    >>> model = w2v.load_model("news.model")                               # doctest: +SKIP
"""
import contextlib
import os
import signal

from .errors import Stopped, UsageError
from .model import Model, load_model
from .vectors import Vectors, load

__version__ = "0.1.0"
__all__ = ["train", "resume", "load", "load_model", "Vectors", "Model"]


def train(corpus, output=None, **options):
    """Train word vectors on `corpus` (a path or a list of paths) and return them.

    Options are `w2v train`'s long options with underscores (size=100, window=5,
    sample=1e-3, hs=False, negative=5, cbow=True, iter=5, min_count=5, alpha=None,
    threads=<all cores>, seed=1, output_vectors="input", binary=False, ...), with
    word2vec.c's defaults. With `output`, the vectors file is also written (atomically);
    with save_model="FILE", the model file (to continue training it later); with
    checkpoint="FILE", progress is saved there when the process is stopped by a signal
    (see resume). from_model="FILE" continues a saved model on `corpus` (options not
    given are the model's; update_vocab=True adds the corpus's new words).
    Progress is silent unless debug=1 or 2 is given. Returns a `Vectors` object.
    """
    from .config import available_cores
    from .trainer import make_config, train as run_training

    if isinstance(corpus, (str, bytes, os.PathLike)):
        paths = [corpus]
    else:
        try:
            paths = list(corpus)
        except TypeError:
            raise UsageError("the corpus must be a path or a list of paths "
                             f"(got {corpus!r})") from None
    options.setdefault("threads", available_cores())
    options.setdefault("debug", 0)
    config = make_config(paths, output, **options)
    with _signals_end_the_run():
        result = run_training(config)
    return Vectors(result.vocab.words, result.vectors_to_write(config.output_vectors))


def resume(checkpoint, threads=None, debug=0):
    """Continue the run a checkpoint was saved from; returns its `Vectors`."""
    from .trainer import resume as resume_training

    with _signals_end_the_run():
        result = resume_training(checkpoint, threads=threads, debug=debug)
    return Vectors(result.vocab.words, result.vectors_to_write(result.model.options.get(
        "output_vectors", "input")))


@contextlib.contextmanager
def _signals_end_the_run():
    """Within the block, a signal that would end the process (SIGTERM, SIGHUP, ...)
    first stops the run as `w2v train` stops: its checkpoint saved, its temporary files
    removed; then it ends the process as it would have (the same status). Ctrl-C is then
    a KeyboardInterrupt, as usual. Before, SIGTERM killed a script calling
    w2v.train(checkpoint=...) on the spot, with no checkpoint, and Ctrl-C saved none.
    Signals the program handles itself, or ignores, are left to it (see w2v.signals)."""
    from . import console
    from .signals import stop_on_signals
    with stop_on_signals():
        try:
            yield
        except Stopped as stopped:
            notes = "".join(f"; {note}" for note in getattr(stopped, "notes", ()))
            if notes:
                console.say(f"w2v: {stopped.name}{notes}")
            if stopped.signum == signal.SIGINT:
                raise KeyboardInterrupt from None
            signal.signal(stopped.signum, signal.SIG_DFL)
            os.kill(os.getpid(), stopped.signum)
            raise  # (only if the signal did not end the process)
