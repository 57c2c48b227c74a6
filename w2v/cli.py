"""The `w2v` command.

Two forms:
  w2v train CORPUS... -o OUT [--options]     readable long options (see `w2v train --help`)
  w2v -train CORPUS -output OUT [-flag v]..  word2vec.c's own flags, exactly, as a drop-in

A user mistake ends in one line on stderr ("w2v: error: ...") and a non-zero exit whose
meaning is the same in both forms and every subcommand (see w2v.errors).
"""
import os
import signal
import sys

import click

from . import __version__, console, outputs
from .cli_numbers import FLOAT, INT
from .config import (CBOW_GRADIENT_CHOICES, DEFAULTS, NS_SATURATION_CHOICES, OUTPUT_CHOICES,
                     PRESETS, SAMPLE_BITS_CHOICES, available_cores, option_name,
                     parse_duration)
from .errors import EXIT_ERROR, EXIT_OK, EXIT_USAGE, Stopped, UsageError, UserError
from .signals import stop_on_signals
from .word2vec_c_flags import (FLAGS as WORD2VEC_C_FLAGS, is_word2vec_c_form,
                               parse_word2vec_c_flags)


def _show_version(ctx, param, value):
    if not value or ctx.resilient_parsing:
        return
    from . import _train
    console.write_stdout(f"w2v {__version__} (training kernel: {_train.chosen_kernel()}; this "
                         f"CPU can run: {', '.join(_train.available_kernels())})\n")
    ctx.exit()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_show_version, help="Show the version and the training kernel.")
def cli():
    """Train and use word2vec embeddings (CBOW / skip-gram, hierarchical softmax /
    negative sampling), faithful to word2vec.c and faster.

    word2vec.c's own flags also work, as a drop-in: w2v -train data.txt -output vec.bin ...
    """


D = DEFAULTS


@cli.command(context_settings={"show_default": True},
             short_help="Train word vectors on text (CBOW or skip-gram).")
@click.argument("corpus", nargs=-1)
@click.option("-o", "--output",
              help="Vectors file to write  [default: vectors.txt, or vectors.bin with --binary]")
@click.option("--binary/--text", default=D.binary, help="Binary or text vectors file.")
@click.option("--cbow/--skip-gram", "cbow", default=D.cbow, help="Model: CBOW or skip-gram.")
@click.option("--size", type=INT, default=D.size, help="Dimension of the word vectors.")
@click.option("--window", type=INT, default=D.window,
              help="Largest distance between a word and its context.")
@click.option("--sample", type=FLOAT, default=D.sample,
              help="Down-sample words more frequent than this (0 = off; useful: 1e-5 to 1e-3).")
@click.option("--hs/--no-hs", default=D.hs, help="Hierarchical softmax.")
@click.option("--negative", type=INT, default=D.negative,
              help="Negative samples per prediction (0 = off).")
@click.option("--softmax", is_flag=True, default=D.softmax,
              help="Exact full softmax instead of hs/negative (slow: for small vocabularies).")
@click.option("--threads", type=INT, default=available_cores(), help="Training threads.")
@click.option("--iter", type=INT, default=D.iter, help="Passes over the corpus.")
@click.option("--min-count", type=INT, default=D.min_count,
              help="Drop words seen fewer times than this.")
@click.option("--alpha", type=FLOAT, default=D.alpha,
              help="Starting learning rate  [default: 0.05 for CBOW, 0.025 for skip-gram]")
@click.option("--min-alpha", type=FLOAT, default=D.min_alpha,
              help="Final learning rate, reached linearly  [default: alpha * 1e-4, as word2vec.c]")
@click.option("--classes", type=INT, default=D.classes,
              help="Write K k-means word classes instead of vectors.")
@click.option("--debug", type=INT, default=D.debug, help="0 silent, 1 summary, 2 progress as well.")
@click.option("--quiet", is_flag=True, help="No output on stderr (same as --debug 0).")
@click.option("--save-vocab", metavar="FILE", help="Save the vocabulary here.")
@click.option("--read-vocab", metavar="FILE",
              help="Read the vocabulary from here instead of counting the corpus.")
@click.option("--seed", type=INT, default=D.seed,
              help="Random seed (with --threads 1, runs are reproducible).")
@click.option("--ns-exponent", type=FLOAT, default=D.ns_exponent,
              help="Exponent of the negative-sampling distribution.")
@click.option("--cbow-mean/--cbow-sum", default=D.cbow_mean,
              help="Average or sum the CBOW context.")
@click.option("--max-vocab", type=INT, default=D.max_vocab,
              help="Prune rare words while counting to keep at most this many  [default: 21M]")
@click.option("--output-vectors", type=click.Choice(OUTPUT_CHOICES), default=D.output_vectors,
              help="Which matrix to write: input (word2vec.c), output/context, or their sum.")
@click.option("--ns-saturation", type=click.Choice(NS_SATURATION_CHOICES),
              default=D.ns_saturation,
              help="Negative-sampling units with |score| >= 6: update with the clipped "
                   "gradient (word2vec.c) or skip (gensim).")
@click.option("--sample-bits", type=click.Choice(SAMPLE_BITS_CHOICES), default=D.sample_bits,
              help="Random bits of the subsampling test: the generator's low 16 "
                   "(word2vec.c's, which repeat every 65,536 draws) or bits 16-31.")
@click.option("--init-scale", type=FLOAT, default=D.init_scale,
              help="Input vectors start uniform in [-0.5, 0.5) x this / size (gensim: 2).")
@click.option("--pass-decay", type=FLOAT, default=D.pass_decay,
              help="Share of each pass's learning-rate fall taken within the pass, the rest "
                   "at its end: 1 is word2vec.c's straight line; 0.5 keeps the rate higher "
                   "within passes (gensim's corpus_file mode does this with 2 workers).")
@click.option("--cbow-gradient", type=click.Choice(CBOW_GRADIENT_CHOICES),
              default=D.cbow_gradient,
              help="CBOW: add the whole gradient to each context word (word2vec.c), or its "
                   "mean (corrected CBOW, Irsoy et al. 2020).")
@click.option("--tied", is_flag=True, default=D.tied,
              help="One matrix as both input and output vectors (negative sampling or "
                   "softmax).")
@click.option("--preset", type=click.Choice(list(PRESETS)), default=D.preset,
              help="word2vec: word2vec.c's updates exactly. best: the measured improvements "
                   "(see README, 'Better vectors'); options given still win.")
@click.option("--batch", is_flag=True, default=D.batch,
              help="Faster skip-gram: a word's contexts share one set of negatives (or its "
                   "Huffman path) and are updated together (see README; not word2vec.c's "
                   "exact updates).")
@click.option("--batch-positions", type=INT, default=D.batch_positions, metavar="N",
              help="With --batch: N consecutive positions share one draw of negatives. "
                   "Faster, less accurate (see README); 1 is --batch's own update.")
@click.option("--save-model", metavar="FILE",
              help="Also save the model (vocabulary, counts, matrices, options) here, to "
                   "continue training it later with --from-model.")
@click.option("--checkpoint", metavar="FILE",
              help="Save the run's progress here when it is stopped (Ctrl-C, SIGTERM, "
                   "SIGHUP...) and every --checkpoint-every; continue with --resume FILE.")
@click.option("--checkpoint-every", metavar="DURATION",
              help="Also save the checkpoint this often: 90s, 30m, 2h, 1h30m  [default: only "
                   "when stopped]")
@click.option("--resume", metavar="CHECKPOINT",
              help="Continue the run CHECKPOINT was saved from, with its options and corpus "
                   "(only --threads, --debug/--quiet and --checkpoint-every may be given).")
@click.option("--from-model", metavar="MODEL",
              help="Continue training MODEL (a --save-model file) on CORPUS; options not "
                   "given are the model's.")
@click.option("--update-vocab", is_flag=True,
              help="With --from-model: add the words of CORPUS new to the model that reach "
                   "--min-count.")
@click.pass_context
def train(ctx, corpus, output, quiet, resume, checkpoint_every, **options):
    """Train word vectors on CORPUS (plain, .gz, .bz2, .xz or .zip files, one or more)."""
    from .trainer import make_config, resume as resume_training, train as run_training

    def given(name):
        return ctx.get_parameter_source(name).name != "DEFAULT"

    every = parse_duration(checkpoint_every) if checkpoint_every is not None else None
    debug = 0 if quiet else options["debug"] if given("debug") else None
    if resume is not None:  # (an empty name is refused as such, not taken as none)
        extra = [name for name in options if given(name) and name not in ("threads", "debug")]
        if corpus or output or extra:
            shown = ", ".join(option_name(n) for n in extra) or "a corpus or --output"
            raise UsageError(f"--resume continues with the options and corpus saved in the "
                             f"checkpoint; {shown} cannot be given with it")
        resume_training(resume, threads=options["threads"] if given("threads") else None,
                        debug=debug, checkpoint_every=every)
        return
    if not corpus:
        raise UsageError("no training corpus given (see 'w2v train --help')")
    for path in corpus:
        if path in ("0", "1") and not os.path.exists(path):
            # `--hs 1`, `--cbow 0`: word2vec.c's habit, where our flags take no value
            raise UsageError(f"no corpus file named {path}: --hs, --cbow, --binary and the "
                             "other on/off options take no value here (--hs or --no-hs, "
                             "--cbow or --skip-gram, --binary or --text)")
    chosen = {"threads"}  # always ours: the cores of this machine, not the model's
    if options["softmax"] and not given("negative"):
        options["negative"] = 0  # --softmax replaces negative sampling unless asked for both
        chosen.add("negative")
    if debug is not None:
        options["debug"] = debug
        chosen.add("debug")
    if output is None and not given("output"):
        output = "vectors.bin" if options["binary"] else "vectors.txt"
    # options not given on the command line come from the preset, a model or the defaults
    options = {name: value for name, value in options.items() if given(name) or name in chosen}
    run_training(make_config(list(corpus), output, checkpoint_every=every, **options))


def _register_companion_commands():
    from . import tools_cli
    tools_cli.register(cli)


def run_word2vec_c_form(argv):
    from .trainer import prepare_vocabulary, train as run_training

    config = parse_word2vec_c_flags(argv)
    if config.output is None:
        prepare_vocabulary(config)  # word2vec.c stops after the vocabulary without -output
    else:
        run_training(config)


def main(argv=None):
    """Entry point of the `w2v` console script; returns the exit status (see w2v.errors)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    console.repair_standard_streams()
    outputs.forget_outputs()
    with stop_on_signals():
        try:
            status = _run(argv)
            console.finish_stdout()
            return status
        except console.StdoutClosed:  # `w2v similar ... | head`: the reader left
            return EXIT_OK
        except UserError as exc:
            return _fail(str(exc), exc.exit_code)
        except Stopped as exc:
            return _fail(_interruption_note(exc), exc.exit_code)
        except MemoryError:
            return _fail("out of memory", EXIT_ERROR)


def _run(argv):
    # (no process's arguments hold one, but main(argv) called from Python may: click's
    # path checks then raised the system's ValueError)
    held = next((arg for arg in argv if "\0" in str(arg)), None)
    if held is not None:
        raise UsageError(f"the argument {held!r} holds a NUL byte: no file is named so")
    if is_word2vec_c_form(argv):
        run_word2vec_c_form(argv)
        return EXIT_OK
    _register_companion_commands()
    try:
        result = cli.main(args=argv, prog_name="w2v", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        console.say(exc.ctx.get_help())
        return EXIT_USAGE
    except click.UsageError as exc:
        # click's parser raises some errors (an option missing its value) without their
        # command's context: then the command is found in argv
        where = exc.ctx.command_path if exc.ctx else _command_path(argv)
        message, hint = _one_line(exc.format_message()), _word2vec_c_hint(argv)
        if hint:
            message = f"{message.rstrip('.')}; {hint}"
        raise UsageError(f"{message} (see '{where} --help')") from None
    except click.exceptions.Abort:  # click's form of an EOFError or KeyboardInterrupt
        raise Stopped(signal.SIGINT, "interrupted") from None
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except OSError as exc:
        # click writes --help to stdout itself: on a full disk (> /dev/full) that was a
        # traceback. A write of click's is one line (a quiet end for a pipe whose reader
        # left), as for our own output; any other OSError is a bug, and says so.
        if not _raised_by_click_echo(exc):
            raise
        console.silence_stdout()
        if isinstance(exc, BrokenPipeError):
            raise console.StdoutClosed() from None
        raise UserError(f"cannot write to standard output: {exc.strerror}") from None
    return result if isinstance(result, int) else EXIT_OK


def _word2vec_c_hint(argv):
    """Where a word2vec.c flag (-hs) sits in a command line of ours: how to write it."""
    for arg in argv:
        if arg in WORD2VEC_C_FLAGS:
            return (f"word2vec.c's {arg} is read only when the whole command line is in "
                    f"its form (w2v -train FILE -output FILE {arg} ...), here write -{arg}")
    return ""


def _raised_by_click_echo(exc):
    """True when `exc` comes from click.echo writing (help text, --version's line)."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code if tb is not None else None
    return code is not None and code.co_name == "echo" and \
        os.path.basename(os.path.dirname(code.co_filename)) == "click"


def _command_path(argv):
    """'w2v' and the (sub)commands named at the start of argv: 'w2v eval similarity'."""
    command, path = cli, ["w2v"]
    for arg in argv:
        if not isinstance(command, click.Group) or arg == "--":
            break
        if arg.startswith("-"):
            continue  # the group's own options (--version, --help) take no value
        command = command.commands.get(arg)
        if command is None:
            break
        path.append(arg)
    return " ".join(path)


def _one_line(text):
    return " ".join(text.split())


def _interruption_note(stopped):
    """What a stopped command leaves behind, in words."""
    note = stopped.name
    planned, written = outputs.planned_outputs(), outputs.written_outputs()
    if planned and not written:
        note += "; no output was written"
    elif planned:
        missing = [p for p in planned if p not in written]
        note += f"; written before the stop: {', '.join(written)}"
        if missing:
            note += f"; not written: {', '.join(missing)}"
    return note + "".join(f"; {extra}" for extra in getattr(stopped, "notes", ()))


def _fail(message, code):
    console.say(f"w2v: error: {console.one_line(message)}")
    return code


if __name__ == "__main__":
    sys.exit(main())
