"""The `w2v` command.

Two forms:
  w2v train CORPUS... -o OUT [--options]     readable long options (see `w2v train --help`)
  w2v -train CORPUS -output OUT [-flag v]..  word2vec.c's own flags, exactly, as a drop-in

A user mistake ends in one line on stderr ("w2v: error: ...") and a non-zero exit.
"""
import contextlib
import signal
import sys
import threading

import click

from . import __version__
from .config import TrainConfig, available_cores
from .errors import UserError
from .word2vec_c_flags import is_word2vec_c_form, parse_word2vec_c_flags

EXIT_USER_ERROR = 1
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM


class Terminated(BaseException):
    """SIGTERM (kill, timeout(1), a cron or batch system's time limit) as an exception,
    so that it unwinds like Ctrl-C: workers stopped, temporary files removed."""


def _raise_terminated(signum, frame):
    raise Terminated()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="w2v")
def cli():
    """Train and use word2vec embeddings (CBOW / skip-gram, hierarchical softmax /
    negative sampling), faithful to word2vec.c and faster.

    word2vec.c's own flags also work, as a drop-in: w2v -train data.txt -output vec.bin ...
    """


@cli.command(context_settings={"show_default": True})
@click.argument("corpus", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Vectors file to write  [default: vectors.txt, or vectors.bin with --binary]")
@click.option("--binary/--text", default=False, help="Binary or text vectors file.")
@click.option("--cbow/--skip-gram", "cbow", default=True, help="Model: CBOW or skip-gram.")
@click.option("--size", default=100, help="Dimension of the word vectors.")
@click.option("--window", default=5, help="Largest distance between a word and its context.")
@click.option("--sample", default=1e-3,
              help="Down-sample words more frequent than this (0 = off; useful: 1e-5 to 1e-3).")
@click.option("--hs/--no-hs", default=False, help="Hierarchical softmax.")
@click.option("--negative", default=5, help="Negative samples per prediction (0 = off).")
@click.option("--softmax", is_flag=True, default=False,
              help="Exact full softmax instead of hs/negative (slow: for small vocabularies).")
@click.option("--threads", default=available_cores(), help="Training threads.")
@click.option("--iter", default=5, help="Passes over the corpus.")
@click.option("--min-count", default=5, help="Drop words seen fewer times than this.")
@click.option("--alpha", type=float, default=None,
              help="Starting learning rate  [default: 0.05 for CBOW, 0.025 for skip-gram]")
@click.option("--min-alpha", type=float, default=None,
              help="Final learning rate, reached linearly  [default: alpha * 1e-4, as word2vec.c]")
@click.option("--classes", default=0, help="Write K k-means word classes instead of vectors.")
@click.option("--debug", default=2, help="0 silent, 1 summary, 2 progress as well.")
@click.option("--quiet", is_flag=True, help="No output on stderr (same as --debug 0).")
@click.option("--save-vocab", type=click.Path(dir_okay=False), help="Save the vocabulary here.")
@click.option("--read-vocab", type=click.Path(dir_okay=False),
              help="Read the vocabulary from here instead of counting the corpus.")
@click.option("--seed", default=1, help="Random seed (with --threads 1, runs are reproducible).")
@click.option("--ns-exponent", default=0.75, help="Exponent of the negative-sampling distribution.")
@click.option("--cbow-mean/--cbow-sum", default=True, help="Average or sum the CBOW context.")
@click.option("--max-vocab", type=int, default=None,
              help="Prune rare words while counting to keep at most this many  [default: 21M]")
@click.option("--output-vectors", type=click.Choice(["input", "output", "sum"]), default="input",
              help="Which matrix to write: input (word2vec.c), output/context, or their sum.")
@click.pass_context
def train(ctx, corpus, output, quiet, **options):
    """Train word vectors on CORPUS (plain, .gz, .bz2, .xz or .zip files, one or more)."""
    from .train import train as run_training

    if options["softmax"] and ctx.get_parameter_source("negative").name == "DEFAULT":
        options["negative"] = 0  # --softmax replaces negative sampling unless asked for both
    if quiet:
        options["debug"] = 0
    if output is None:
        output = "vectors.bin" if options["binary"] else "vectors.txt"
    run_training(TrainConfig(corpus=list(corpus), output=output, **options))


def _register_companion_commands():
    from . import tools_cli
    tools_cli.register(cli)


def run_word2vec_c_form(argv):
    from .train import prepare_vocabulary, train as run_training

    config = parse_word2vec_c_flags(argv)
    if config.output is None:
        prepare_vocabulary(config)  # word2vec.c stops after the vocabulary without -output
    else:
        run_training(config)


def main(argv=None):
    """Entry point of the `w2v` console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    with _sigterm_unwinds():
        return _run(argv)


@contextlib.contextmanager
def _sigterm_unwinds():
    """Python's default for SIGTERM is to die on the spot, skipping every cleanup."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers (main() called from a thread)
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run(argv):
    try:
        if is_word2vec_c_form(argv):
            run_word2vec_c_form(argv)
            return 0
        _register_companion_commands()
        result = cli.main(args=argv, prog_name="w2v", standalone_mode=False)
        return result if isinstance(result, int) else 0
    except UserError as exc:
        _fail(str(exc))
    except click.exceptions.Abort:
        _fail("interrupted; no output was written", EXIT_INTERRUPTED)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted; no output was written", EXIT_INTERRUPTED)
    except Terminated:
        _fail("terminated (SIGTERM); no output was written", EXIT_TERMINATED)
    except MemoryError:
        _fail("out of memory: try a smaller --size or a larger --min-count")
    except BrokenPipeError:  # `w2v similar ... | head`: the reader left, nothing to report
        sys.stderr.close()
        sys.exit(0)


def _fail(message, code=EXIT_USER_ERROR):
    print(f"w2v: error: {message}", file=sys.stderr)
    sys.exit(code)


if __name__ == "__main__":
    sys.exit(main())
