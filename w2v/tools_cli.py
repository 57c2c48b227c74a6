"""The commands that use a vectors file: similar, analogy, eval, phrases, classes,
convert, plot. `register(cli)` adds them to the main `w2v` group.

They raise UserError for a user's mistake; the `w2v` entry point prints it as one line.
Words are written to stdout as the bytes they have in the vectors file.
"""
import os
import sys

import click

from . import console
from .cli_numbers import FLOAT, INT, FloatRange, IntRange
from .errors import BelowThreshold, UsageError, UserError
from .outputs import check_outputs
from .formats import encode_word
from .vectors import WordNotFound, load, shown_word

SETTINGS = {"show_default": True}
EXIT_WORD = "EXIT"  # distance / word-analogy stop at this line, as do we
MAX_QUERY_BYTES = 1 << 16  # a line of query words read from stdin


def register(group):
    """Add the commands of this module to the click group `group`."""
    for command in (similar, analogy, eval_group, phrases, classes, convert, plot):
        group.add_command(command)


def _limit_option(default=None, help_text="Use only the first N (most frequent) words."):
    return click.option("--limit", type=IntRange(min=0), default=default,
                        help=help_text + (" 0 = all." if default else ""))


def _load(path, limit=None):
    vectors = load(path, limit=limit or None)
    repeated = vectors.repeated_words
    if repeated:
        console.say(console.one_line(
            f"w2v: warning: {path} lists {len(repeated)} word"
            f"{'s' if len(repeated) > 1 else ''} more than once (the first: "
            f"{shown_word(repeated[0])!r}); each is looked up by its first row"))
    return vectors


def _echo_neighbours(results):
    width = max((len(word) for word, _ in results), default=0)
    lines = [encode_word(word) + b" " * (width - len(word)) + b"  %.6f" % score
             for word, score in results]
    _write(b"".join(line + b"\n" for line in lines))


def _write(data):
    # Words are bytes (any encoding): write them as they are. A full disk or a closed
    # stdout is one error line; a reader that left (`| head`) ends the command quietly.
    console.write_stdout(data)


def _finite(ctx, param, value):
    """A --fail-under that is not NaN (which every comparison passes: a gate never shut)."""
    if value is not None and value != value:
        raise click.BadParameter("must be a number, not nan")
    return value


def _queries(prompt, arguments):
    """The query given as arguments, else each line of stdin (a prompt when a terminal)."""
    if arguments:
        yield list(arguments), False
        return
    stdin = sys.stdin.buffer
    interactive = sys.stdin.isatty() if hasattr(sys.stdin, "isatty") else False
    while True:
        if interactive:
            console.say_partial(prompt)
        line = stdin.readline(MAX_QUERY_BYTES + 1)
        if not line:
            if interactive:
                console.say("")  # Ctrl-D: end the prompt's line, as a shell does
            break
        if len(line) > MAX_QUERY_BYTES and not line.endswith(b"\n"):
            # not a query someone typed (`cat /dev/zero |`): skip it without holding it
            while line and not line.endswith(b"\n"):
                line = stdin.readline(1 << 16)
            console.say(f"w2v: a query line longer than {MAX_QUERY_BYTES} bytes was skipped")
            _write(b"\n")
            continue
        text = line.decode("utf-8", "surrogateescape").strip()
        if text == EXIT_WORD:
            break
        if text:
            yield text.split(), True


def _answer_queries(prompt, arguments, answer, limit=None):
    """Run `answer(words)` for each query; an unknown word ends a single query with a
    UserError but only skips that line when reading queries from stdin."""
    for words, from_stdin in _queries(prompt, arguments):
        try:
            _echo_neighbours(answer(words))
        except WordNotFound as exc:
            message = str(exc)
            if limit:
                message = (f"{shown_word(exc.word)} is not among the first {limit} words read "
                           f"(--limit {limit})")
            if not from_stdin:
                raise UserError(message) from None
            console.say(f"w2v: {console.one_line(message)}")
        except UserError as exc:
            if not from_stdin:
                raise
            console.say(f"w2v: {console.one_line(str(exc))}")
        if from_stdin:
            _write(b"\n")  # one block per query line, so a script can pair them up


@click.command(context_settings=SETTINGS, short_help="Nearest words by cosine (word2vec.c's distance).")
@click.argument("vectors", type=click.Path(dir_okay=False))
@click.argument("words", nargs=-1)
@click.option("-n", "--top", default=40, type=IntRange(min=1),
              help="How many neighbours to show.")
@_limit_option()
def similar(vectors, words, top, limit):
    """Nearest words to WORDS by cosine (word2vec.c's distance).

    Several words are combined as the sum of their unit vectors. Without WORDS, reads
    one query per line from stdin (a prompt on a terminal; EXIT or end of input stops);
    each answer is followed by an empty line.
    """
    model = _load(vectors, limit)
    _answer_queries("Enter word or sentence (EXIT to break): ", words,
                    lambda query: model.most_similar(query, topn=top), limit)


@click.command(context_settings=SETTINGS, short_help="A is to B as C is to ...? (word-analogy)")
@click.argument("vectors", type=click.Path(dir_okay=False))
@click.argument("words", nargs=-1)
@click.option("-n", "--top", default=40, type=IntRange(min=1),
              help="How many answers to show.")
@click.option("--method", type=click.Choice(["add", "mul"]), default="add",
              help="3CosAdd (word2vec.c's word-analogy) or 3CosMul (Levy & Goldberg).")
@_limit_option()
def analogy(vectors, words, top, method, limit):
    """A is to B as C is to ...? Shows the words nearest to B - A + C.

    Example: w2v analogy vectors.bin man king woman. Without words, reads three words
    per line from stdin (a prompt on a terminal), like word2vec.c's word-analogy.
    """
    if words and len(words) != 3:
        raise click.UsageError(f"give three words A B C (or none, to read stdin), "
                               f"not {len(words)}")
    model = _load(vectors, limit)

    def answer(query):
        if len(query) != 3:
            raise UserError(f"three words are needed, not {len(query)}")
        return model.analogy(*query, topn=top, method=method)
    _answer_queries("Enter three words (EXIT to break): ", words, answer, limit)


@click.group("eval", short_help="Analogy accuracy and word-pair similarity.")
def eval_group():
    """Measure the quality of a vectors file."""


@eval_group.command("analogies", context_settings=SETTINGS, short_help="Analogy accuracy (compute-accuracy's rules).")
@click.argument("vectors", type=click.Path(dir_okay=False))
@click.argument("questions", required=False, type=click.Path(dir_okay=False))
@_limit_option(30000, "Consider only the first N words, as compute-accuracy's threshold.")
@click.option("--format", "output_format", type=click.Choice(["table", "word2vec", "json"]),
              default="table", help="word2vec: compute-accuracy's own output, byte for byte.")
@click.option("--fail-under", type=FloatRange(0, 1), callback=_finite, metavar="FRACTION",
              help="Quality gate: exit with status 3 when the total accuracy (a fraction, "
                   "e.g. 0.30) is below this.")
def eval_analogies(vectors, questions, limit, output_format, fail_under):
    """Analogy accuracy by word2vec.c's compute-accuracy rules.

    QUESTIONS defaults to the questions-words.txt shipped with w2v (Mikolov et al. 2013).
    Questions with a word outside the first --limit words are skipped, and counted; when
    none is left the command fails (status 1).
    """
    from .evaluate import evaluate_analogies
    model = _load(vectors, limit)
    result = evaluate_analogies([encode_word(w) for w in model.words], model.vectors,
                                questions, restrict=limit)
    text = {"table": result.format_table, "word2vec": result.format_word2vec,
            "json": result.format_json}[output_format]()
    _write(text)
    if result.accuracy is None:
        raise UserError(f"no analogy question could be scored: none has its four words "
                        f"among the first {limit or len(model)} words of {vectors}")
    _gate("analogy accuracy", result.accuracy, fail_under)


def _gate(what, score, threshold):
    """The quality gate of `eval ... --fail-under`: status 3 below the threshold."""
    if threshold is not None and score < threshold:
        raise BelowThreshold(f"{what} {score:.4f} is below --fail-under {threshold:g}")


@eval_group.command("similarity", context_settings=SETTINGS, short_help="Correlation with human similarity scores.")
@click.argument("vectors", type=click.Path(dir_okay=False))
@click.argument("pairs", type=click.Path(dir_okay=False))
@_limit_option(300000, "Consider only the first N words.")
@click.option("--case-sensitive", is_flag=True, help="Match words exactly (default: ignore case).")
@click.option("--column", type=IntRange(min=1), default=None,
              help="Field holding the human score (counted from 1)  [default: 3]")
@click.option("--format", "output_format", type=click.Choice(["table", "json"]),
              default="table")
@click.option("--fail-under", type=FloatRange(-1, 1), metavar="RHO", callback=_finite,
              help="Quality gate: exit with status 3 when Spearman's rho is below this.")
def eval_similarity(vectors, pairs, limit, case_sensitive, column, output_format, fail_under):
    """Spearman and Pearson correlation of cosine similarity with human scores.

    PAIRS holds "word1 word2 score" lines (tab-, comma- or space-separated; lines
    starting with # and a header line are skipped): WordSim-353, SimLex-999, MEN...
    Fewer than two pairs with both words known is a failure (status 1).
    """
    import json

    from .evaluate import evaluate_similarity
    model = _load(vectors, limit)
    result = evaluate_similarity(model, pairs, restrict=limit,
                                 case_insensitive=not case_sensitive, column=column)
    if output_format == "json":
        _write(json.dumps(result.to_dict(), indent=2) + "\n")
    else:
        _write(result.format_table())
    if result.spearman is None and result.used >= 2:
        raise UserError(f"no correlation: the human scores or the cosines of the "
                        f"{result.used} pairs of {pairs} with both words in {vectors} are "
                        "all equal")
    if result.spearman is None:
        raise UserError(f"no correlation: {result.used} of the {result.pairs} pairs of "
                        f"{pairs} have both words in {vectors} (at least 2 are needed)")
    _gate("Spearman rho", result.spearman, fail_under)


@click.command(context_settings=SETTINGS, short_help="Join frequent word pairs (word2phrase).")
@click.argument("input_path", metavar="IN", type=click.Path(dir_okay=False))
@click.argument("output_path", metavar="OUT", type=click.Path(dir_okay=False))
@click.option("--min-count", default=5, type=INT,
              help="Words and pairs seen fewer times are ignored (0 or more).")
@click.option("--threshold", type=FLOAT, multiple=True, default=[100.0],
              help="Join a pair when its score is above this finite number; give it once per "
                   "pass (e.g. --threshold 200 --threshold 100).")
@click.option("--passes", default=1, type=INT,
              help="Passes, at most 100 (each joins pairs of the previous one's output: "
                   "longer phrases).")
@click.option("--max-entries", type=IntRange(min=1000), default=None,
              help="Bound memory: prune rare words and pairs beyond this many  "
                   "[default: word2phrase's 350M]")
@click.option("--quiet", is_flag=True, help="No summary on stderr.")
def phrases(input_path, output_path, min_count, threshold, passes, max_entries, quiet):
    """Join frequent pairs of words into phrases (word2vec.c's word2phrase), e.g.
    "new york" -> "new_york". The output is word2phrase's, byte for byte.

    IN is plain text, .gz, .bz2, .xz or .zip (its members one after the other). Each
    pass reads its input twice, so a pipe, a FIFO or - (standard input) is first copied
    to a temporary file beside OUT (in the temporary directory if OUT is a device or a
    FIFO): that needs as much free space as IN takes. OUT is replaced only when complete,
    and cannot be IN. Temporary files (that copy, the output of each pass but the last)
    are removed on an error or a signal, or by the next run if this one was killed.
    """
    from . import console
    from . import phrases as word2phrase_module

    bar = _ByteProgress(enabled=not quiet and sys.stderr.isatty())

    def say(message):
        bar.close()
        if not quiet:
            console.say(message)

    def report(stats):
        say(f"pass {len(done) + 1}: {stats.words} words, {stats.entries} words and pairs "
            f"seen at least {min_count} times, {stats.phrases} pairs joined "
            f"(threshold {stats.threshold:g})")
        done.append(stats)
    done = []
    try:
        word2phrase_module.word2phrase(
            input_path, output_path, min_count=min_count, threshold=list(threshold),
            passes=passes, max_entries=max_entries or word2phrase_module.MAX_ENTRIES,
            report=report, progress=bar.update, info=say)
    finally:
        bar.close()


class _ByteProgress:
    """A tqdm bar per stage of word2phrase (counting, writing) of each pass, in bytes."""

    def __init__(self, enabled):
        self.enabled = enabled
        self._bar = self._stage = None

    def update(self, stage, name, nbytes, total):
        if not self.enabled:
            return
        if (stage, name) != self._stage:
            from tqdm import tqdm
            self.close()
            self._bar = tqdm(total=total, desc=stage, unit="B", unit_scale=True, leave=False)
            self._stage = (stage, name)
        self._bar.update(nbytes)

    def close(self):
        if self._bar is not None:
            self._bar.close()
        self._bar = self._stage = None


@click.command(context_settings=SETTINGS, short_help="Word classes by k-means (word2vec.c's -classes).")
@click.argument("vectors", type=click.Path(dir_okay=False))
@click.argument("k", type=IntRange(min=1))
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Write the classes here  [default: stdout]")
@click.option("--iterations", default=10, type=IntRange(0, 10000),
              help="k-means iterations (word2vec.c: 10).")
@click.option("--sort", "sort_by_class", is_flag=True,
              help="Order the lines by class (word order within a class).")
@_limit_option()
def classes(vectors, k, output, iterations, sort_by_class, limit):
    """Cluster words into K classes by word2vec.c's k-means; "word class" lines, in
    the file's word order (the same as training with --classes K)."""
    import numpy as np

    from .classes import word_classes, write_classes
    check_outputs([("classes file", output)], _vectors_inputs(vectors))
    model = _load(vectors, limit)
    if k > len(model):
        raise UsageError(f"{k} classes is more than the {len(model)} words of {vectors}")
    labels = word_classes(model.vectors, k, iterations)
    order = np.argsort(labels, kind="stable") if sort_by_class else np.arange(len(labels))
    words = [model.words[i] for i in order]
    if output:
        write_classes(output, words, labels[order])
    else:
        _write(b"".join(b"%s %d\n" % (encode_word(w), c)
                        for w, c in zip(words, labels[order].tolist())))


@click.command(context_settings=SETTINGS, short_help="Convert between text, binary and .npy files.")
@click.argument("input_path", metavar="IN", type=click.Path(dir_okay=False))
@click.argument("output_path", metavar="OUT", type=click.Path(dir_okay=False))
@click.option("--to", "to_format", type=click.Choice(["text", "binary", "npy"]),
              help="Output format  [default: from OUT: .bin binary, .npy npy, else text]")
@click.option("--vocab", "vocab_path", type=click.Path(dir_okay=False),
              help="Word list of an .npy file, read or written  [default: NAME.vocab]")
@_limit_option()
def convert(input_path, output_path, to_format, vocab_path, limit):
    """Convert a vectors file: text, binary (word2vec.c), or .npy + word list.

    IN may be any of them (word2vec.c, gensim or fastText .vec), told from its contents.
    """
    from . import formats
    formats.word_list_named(vocab_path)  # an empty --vocab: refused before any work
    if to_format is None:
        extension = os.path.splitext(output_path)[1].lower()
        to_format = {".bin": "binary", ".npy": "npy"}.get(extension, "text")
    from .outputs import check_outputs
    written = [("vectors", output_path)]
    if to_format == "npy":
        written.append(("word list",
                        vocab_path or formats.npy_vocab_path_to_write(output_path)))
    # (IN is read whole before OUT is replaced: converting a file in place is safe)
    inputs, allowed = [("input", input_path)], [("input", "vectors")]
    words_in = _npy_word_list(input_path, vocab_path)
    if words_in is not None:
        # IN's word list may only be rewritten as IN's word list again: the same words,
        # or the words of IN rewritten in place with it (--limit cuts both alike)
        inputs.append(("word list of the input", words_in))
        if not limit or _same_file(input_path, output_path):
            allowed.append(("word list of the input", "word list"))
    check_outputs(written, inputs=inputs, same_file_allowed=allowed)
    # Read once (IN may be a pipe); --vocab is used for reading only if IN is .npy.
    words, matrix = formats.read_vectors(input_path, limit=limit or None,
                                         vocab_path=vocab_path)
    if to_format == "npy":
        formats.write_npy(output_path, words, matrix, vocab_path)
        where = f"{output_path} and {written[1][1]}"
    else:
        formats.write_vectors(output_path, words, matrix, binary=to_format == "binary")
        where = output_path
    # a courtesy on stderr (console.say drops it if stderr is full or gone): the files
    # are written, and the status must say so
    console.say(f"wrote {len(words)} words x {matrix.shape[1]} dimensions to {where} "
                f"({to_format})")


def _vectors_inputs(vectors):
    """The files a vectors file is read from, for check_outputs: itself, and the word
    list of an .npy file (`classes a.npy 3 -o a.vocab` wrote the classes over it)."""
    words = _npy_word_list(vectors, None)
    return [("vectors file", vectors)] + ([("word list", words)] if words else [])


def _npy_word_list(input_path, vocab_path):
    """The word list an .npy IN is read with (--vocab, or NAME.vocab), else None. Only a
    regular file is looked at (its first bytes): a pipe can be read only once. Without
    this, `convert a.npy a.vocab` wrote the vectors over the word list it had just read,
    and a.npy had no words any more."""
    from . import formats
    from .inputs import is_regular
    if not is_regular(input_path):
        return None
    try:
        if formats.detect_format(input_path) != "npy":
            return None
    except UserError:
        return None  # reported when IN is read
    return vocab_path or formats.npy_vocab_path(input_path)


def _same_file(a, b):
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


@click.command(context_settings=SETTINGS, short_help="Draw words on a 2-D map (needs matplotlib).")
@click.argument("vectors", type=click.Path(dir_okay=False))
@click.argument("words", nargs=-1, required=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False), default="words.png",
              help="Picture to write: .png, .svg or .pdf.")
@click.option("--neighbours", "--neighbors", default=0, type=IntRange(0, 100),
              help="Also show this many nearest words of each word.")
@click.option("--method", type=click.Choice(["pca", "tsne"]), default="pca",
              help="Projection to 2-D (t-SNE needs scikit-learn).")
@_limit_option()
def plot(vectors, words, output, neighbours, method, limit):
    """Draw WORDS (and their neighbours) on a 2-D map of the vectors (needs matplotlib)."""
    from .plot import _figure_class, plot_words
    _figure_class()  # fail on a missing matplotlib before loading a large file
    check_outputs([("picture", output)], _vectors_inputs(vectors))
    model = _load(vectors, limit)
    try:
        chosen = plot_words(model, words, output, neighbours=neighbours, method=method)
    except WordNotFound as exc:
        raise UserError(str(exc)) from None
    console.say(f"wrote {output} ({len(chosen)} words, {method.upper()})")
