"""word2phrase: join frequent word pairs into one token ("new york" -> "new_york").

A faithful port of word2vec.c's word2phrase, same output bytes. One pass reads the text
twice: first it counts words and adjacent pairs, then it copies the text, writing
"a_b" instead of "a b" where

    (count(a b) - min_count) / count(a) / count(b) * total_words > threshold

(in single precision, as word2phrase's `real`). Its rules, kept on purpose:

- tokens are split at spaces, tabs and newlines; "\\r" bytes are dropped; a token is
  cut to 58 bytes, a pair "a_b" to 59; each newline is a token "</s>"
  (and a literal "</s>" in the text is a newline), written back as "\\n";
- pairs are counted across line ends, but a line's first word is never joined to the
  previous line's last word (the pair "</s>_word" is looked up, and never counted);
- a word just joined is never the first half of the next pair: no chaining within one
  pass ("a b c" gives "a_b c" at most). More passes build longer phrases;
- every written word is preceded by a space or "_", so each output line starts with
  a space; a last word not followed by whitespace at the end of the file is dropped;
- a pair or word seen fewer than `min_count` times is unknown, as is the first pair of
  the file (word2phrase reads it from uninitialised memory).

Memory is bounded by the number of distinct words and pairs, never by the text: when
there are more than `max_entries`, the rarest are pruned as word2phrase's ReduceVocab
does (drop those seen at most once, then at most twice, ...). The text is read in blocks
of `CHUNK_BYTES`; of a token that spans blocks only its first 58 bytes are kept (the rest
would be cut anyway), so a gigabyte without a space costs no more than a short line.

Files are read by w2v.inputs (plain, .gz, .bz2, .xz, .zip: its members one after the
other, each ending like a file) and written by w2v.outputs: the output is checked before
any work (never an input, through links too), replaced atomically, and every temporary
file (a spooled copy of a pipe, the output of each pass but the last) is named after the
output, locked, and removed on any error or signal, or by the next run if this one was
killed. An input that can be read only once (a pipe, a FIFO, `-` for standard input) is
first copied to such a temporary file: each pass reads its input twice. An input file
that changes between those two readings (size, modification time or identity) is an
error, before the output is replaced.
"""
import collections
import contextlib
import dataclasses
import numbers
import operator
import os
import re
import stat
import tempfile
from itertools import repeat

import numpy as np

from .errors import UsageError, UserError
from .inputs import Source, check_readable, compression, is_stdin, read_errors, spooled
from .outputs import atomic_output, check_outputs, file_name, temporary_file

MIN_COUNT = 5
THRESHOLD = 100.0
MAX_PAIR_BYTES = 59  # word2phrase's MAX_STRING (60) minus the terminating NUL
MAX_TOKEN_BYTES = 58  # ReadWord's last slot is overwritten by the NUL: one byte less
# word2phrase prunes when its hash table is 70% full: 0.7 * 500M entries. That is far
# more than a Python dict of byte strings holds in RAM (about 100 bytes each); lower it
# with max_entries to bound memory (the output then differs for rare pairs only).
MAX_ENTRIES = 350_000_000
MAX_PASSES = 100  # each pass reads the whole text twice: more is a typo, not a plan
MAX_MIN_COUNT = 2**31 - 1  # word2phrase's min_count is a C int
FLOAT32_MAX = float(np.finfo(np.float32).max)  # word2phrase's threshold is a C float
CHUNK_BYTES = 1 << 20
EOS = b"</s>"
INPUT = "input text"
OUTPUT = "phrases file"
_OTHER_WHITESPACE = re.compile(rb"[\x0b\x0c]")  # whitespace to Python, not to word2phrase
_SPLIT = re.compile(rb"[ \t\n]+")


@dataclasses.dataclass
class Text:
    """A text to read: `name` is shown in messages and tells the compression by its
    extension, `read_from` is the file really read (a spooled copy of a pipe, or the
    name itself)."""
    name: str
    what: str = INPUT
    read_from: str = None

    def __post_init__(self):
        self.name = os.fspath(self.name)
        self.read_from = os.fspath(self.read_from or self.name)

    def size(self):
        """Bytes of content, if known before reading (a plain regular file)."""
        if compression(self.name) is not None or is_stdin(self.read_from):
            return None
        try:
            return os.path.getsize(self.read_from)
        except OSError:
            return None


@dataclasses.dataclass
class Counts:
    """Words and pairs ("a_b") counted in one table, as word2phrase does: a token that
    already is "a_b" (from an earlier pass) shares its count with the pair a, b."""
    table: dict
    words: int        # tokens, newlines not included (word2phrase's train_words)
    min_count: int

    @property
    def entries(self):
        """Words and pairs seen at least min_count times (word2phrase's vocab size)."""
        floor = max(1, self.min_count)
        return sum(1 for c in self.table.values() if c >= floor)


@dataclasses.dataclass
class PassStats:
    threshold: float
    words: int
    entries: int
    phrases: int  # pairs joined


def check_options(min_count=MIN_COUNT, threshold=THRESHOLD, passes=1, max_entries=MAX_ENTRIES):
    """The threshold of each pass; UsageError (named as the command's option) for a value
    that word2phrase cannot use or that cannot be meant."""
    thresholds = list(threshold) if isinstance(threshold, (list, tuple)) else [threshold]
    if not thresholds:
        raise UsageError("no --threshold given")
    for value in thresholds:
        if not is_threshold(value):
            raise UsageError(f"--threshold must be a finite number, at most "
                             f"{FLOAT32_MAX:.7g} either way (word2phrase's single "
                             f"precision), not {value!r}")
    _integer("--min-count", min_count, 0, MAX_MIN_COUNT)
    passes = _integer("--passes", passes, 1, MAX_PASSES, " (each pass reads the text twice)")
    _integer("--max-entries", max_entries, 1, None)
    if len(thresholds) > MAX_PASSES:
        raise UsageError(f"--threshold is given {len(thresholds)} times, once per pass: "
                         f"at most {MAX_PASSES} passes")
    passes = max(passes, len(thresholds))
    return [float(t) for t in thresholds + thresholds[-1:] * (passes - len(thresholds))]


def is_threshold(value):
    """True for a number that stays finite in word2phrase's single precision."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    with np.errstate(over="ignore"):
        return bool(np.isfinite(np.float32(value)))


def _integer(option, value, low, high, why=""):
    try:
        if isinstance(value, bool):
            raise TypeError(value)
        number = operator.index(value)
    except TypeError:
        raise UsageError(f"{option} must be a whole number, not {value!r}") from None
    if number < low or (high is not None and number > high):
        bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise UsageError(f"{option} must be {bounds}{why}, not {number}")
    return number


def word2phrase(input_path, output_path, min_count=MIN_COUNT, threshold=THRESHOLD, passes=1,
                max_entries=MAX_ENTRIES, report=None, progress=None, info=None):
    """Write `input_path` with phrases joined to `output_path` (atomically).

    `threshold` is one number or one per pass; with more passes than thresholds the
    last one is reused. Each pass reads the previous pass's output. `report(PassStats)`
    is called after each pass; `progress(stage, name, nbytes, total)` after each block
    read, stage being "counting" or "writing", `total` the bytes of that text if known
    (None when compressed); `info(message)` tells that a pipe is being copied.
    Returns the list of PassStats.
    """
    thresholds = check_options(min_count, threshold, passes, max_entries)
    input_path, output_path = file_name(input_path, INPUT), file_name(output_path, OUTPUT)
    check_readable(input_path, INPUT)
    (target,) = check_outputs([(OUTPUT, output_path)], [(INPUT, input_path)])
    # Temporary files go beside the output (same file system, swept by its next run),
    # unless it is written in place (/dev/stdout, a FIFO): then in the temporary directory.
    beside = (os.path.join(tempfile.gettempdir(), "w2v-phrases") if target.in_place
              else output_path)
    stats = []
    with contextlib.ExitStack() as cleanup:
        holding = cleanup.enter_context(contextlib.ExitStack())  # the current source's file
        source = Text(input_path, INPUT,
                      holding.enter_context(spooled(input_path, beside, INPUT, progress=info)))
        for number, limit in enumerate(thresholds, start=1):
            # The user's file (not a copy of ours) may change between the two readings
            # of a pass: the counts of the first would then not be the text's.
            watched = _Watched(source) if number == 1 else None
            counts = count(source, min_count, max_entries,
                           progress=_stage(progress, "counting", source))
            writing = _stage(progress, "writing", source)
            if number == len(thresholds):
                with atomic_output(output_path, what=OUTPUT) as out:
                    joined = write(source, out, counts, limit, progress=writing)
                    if watched:
                        watched.check()  # before the output is renamed into place
            else:
                following = cleanup.enter_context(contextlib.ExitStack())
                fd, temp = following.enter_context(temporary_file(beside, OUTPUT))
                try:
                    with os.fdopen(os.dup(fd), "wb") as out:
                        joined = write(source, out, counts, limit, progress=writing)
                    if watched:
                        watched.check()
                except OSError as exc:  # reads raise UserError: this is a write
                    raise UserError(f"cannot write {OUTPUT} {output_path}: "
                                    f"{exc.strerror or exc} (writing the output of pass "
                                    f"{number} to {temp})") from None
                holding.close()  # the previous pass's output (or the spool) is done
                holding = following
                source = Text(temp, f"temporary file of pass {number}")
            stats.append(PassStats(limit, counts.words, counts.entries, joined))
            if report:
                report(stats[-1])
    return stats


class _Watched:
    """A regular input file's identity, size and modification time, to check that it did
    not change while a pass read it twice (counting, then writing)."""

    def __init__(self, text):
        self.text = text
        self.state = self._state() if text.read_from == text.name else None  # not a spool

    def _state(self):
        try:
            status = os.stat(self.text.read_from)
        except OSError:
            return None  # its reader reports why it cannot be read
        if not stat.S_ISREG(status.st_mode):
            return None
        return (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)

    def check(self):
        if self.state is not None and self._state() != self.state:
            raise UserError(f"{self.text.what} {self.text.name} changed while it was read "
                            "(its size, modification time or identity): the pairs counted "
                            "in its first reading are not those of its text; run again "
                            "once it is complete")


def _stage(progress, stage, text):
    """progress(nbytes) for one stage of one text, or None."""
    if progress is None:
        return None
    total = text.size()
    return lambda nbytes: progress(stage, text.name, nbytes, total)


def count(path, min_count=MIN_COUNT, max_entries=MAX_ENTRIES, progress=None):
    """Count words and adjacent pairs of `path` (word2phrase's LearnVocabFromTrainFile);
    `path` is a file name or a Text."""
    table = collections.Counter()
    words = 0
    last = None  # the pair before the file's first word is unknown (see the docstring)
    prune_below = 1
    for tokens in _token_chunks(path, progress):
        if EOS in tokens:
            tokens = [t for t in tokens if t != EOS]  # pairs run across line ends
        if not tokens:
            continue
        words += len(tokens)
        table.update(tokens)
        firsts = tokens[:-1] if last is None else [last] + tokens[:-1]
        seconds = tokens[1:] if last is None else tokens
        table.update(_pair_keys(firsts, seconds))
        last = tokens[-1]
        while len(table) > max_entries:
            # word2phrase's ReduceVocab: drop the rarest, raising the bar each time.
            table = collections.Counter({k: c for k, c in table.items() if c > prune_below})
            prune_below += 1
    return Counts(table, words, min_count)


def write(path, out, counts, threshold=THRESHOLD, progress=None):
    """Copy `path` (a file name or a Text) to the binary file `out` with pairs above
    `threshold` joined (word2phrase's TrainModel); return how many pairs were joined."""
    get = counts.table.get
    min_count = counts.min_count
    floor = max(1, min_count)  # entries below min_count were dropped by word2phrase
    total = np.float32(counts.words)
    limit = np.float32(threshold)
    # State carried across chunks: previous token, previous word found?, its count,
    # was it joined? At the start word2phrase has last_word = "" and no previous word.
    previous, previous_found, previous_count, previous_joined = b"", False, 0, False
    joined_total = 0
    for tokens in _token_chunks(path, progress):
        keys = _pair_keys([previous] + tokens[:-1], tokens)
        is_eos = np.fromiter(map(EOS.__eq__, tokens), dtype=bool, count=len(tokens))
        word_at = np.flatnonzero(~is_eos)
        unigram = np.fromiter(map(get, tokens, repeat(0)), np.int64, len(tokens))[word_at]
        bigram = np.fromiter(map(get, keys, repeat(0)), np.int64, len(tokens))[word_at]
        found = unigram >= floor
        before_found = np.r_[previous_found, found[:-1]]
        before_count = np.r_[previous_count, unigram[:-1]]
        known = found & before_found & (bigram >= floor) & (unigram >= min_count)
        pair = (bigram - min_count).astype(np.float32)
        with np.errstate(divide="ignore", invalid="ignore"):
            # After a join word2phrase sets the count of the previous word to 0: then the
            # pair is unknown (0 < min_count), unless min_count <= 0 (division by zero).
            score_fresh = pair / before_count.astype(np.float32) / unigram.astype(np.float32) * total
            score_after_join = pair / np.float32(0) / unigram.astype(np.float32) * total
        join_fresh = np.where(known & (before_count >= min_count), score_fresh, 0) > limit
        join_after_join = np.where(known & (0 >= min_count), score_after_join, 0) > limit
        joined = _resolve_chaining(join_fresh, join_after_join, previous_joined)

        pieces = [b" " + t for t in tokens]
        for i in np.flatnonzero(is_eos).tolist():
            pieces[i] = b"\n"
        for i in word_at[joined].tolist():
            pieces[i] = b"_" + tokens[i]
        out.write(b"".join(pieces))

        joined_total += int(joined.sum())
        previous = tokens[-1]
        if len(word_at):
            previous_found, previous_count = bool(found[-1]), int(unigram[-1])
            previous_joined = bool(joined[-1])
    return joined_total


def _resolve_chaining(join_fresh, join_after_join, previous_joined):
    """joined[k] = join_after_join[k] if joined[k-1] else join_fresh[k]."""
    joined = np.zeros(len(join_fresh), dtype=bool)
    if not join_after_join.any():  # the usual case: a joined word never starts a pair
        last = -2 if not previous_joined else -1
        for k in np.flatnonzero(join_fresh).tolist():
            if k != last + 1:
                joined[k] = True
                last = k
        return joined
    before = previous_joined
    for k in range(len(joined)):
        before = joined[k] = join_after_join[k] if before else join_fresh[k]
    return joined


def _pair_keys(firsts, seconds):
    keys = list(map(b"_".join, zip(firsts, seconds)))
    if keys and max(map(len, keys)) > MAX_PAIR_BYTES:
        keys = [k[:MAX_PAIR_BYTES] for k in keys]  # word2phrase cuts the pair's string too
    return keys


def _token_chunks(path, progress=None):
    """Lists of tokens (newlines as "</s>"), chunk by chunk, split as word2phrase reads.

    A token not ended within a block is carried to the next one, but only its first
    MAX_TOKEN_BYTES bytes: word2phrase cuts it there, whatever its length. "\\r" bytes
    are dropped first, as word2phrase does, so they do not count in that length.
    """
    text = path if isinstance(path, Text) else Text(path)
    carry = b""
    for block in _blocks(text):
        if block is None:  # the end of the file (or zip member): its last token, not
            carry = b""    # followed by whitespace, is dropped as word2phrase does
            continue
        if progress:
            progress(len(block))
        if b"\r" in block:
            block = block.replace(b"\r", b"")
        data = carry + block if carry else block
        end = max(data.rfind(b" "), data.rfind(b"\t"), data.rfind(b"\n")) + 1
        carry = data[end:end + MAX_TOKEN_BYTES]
        if end:
            tokens = _tokens(data[:end] if end < len(data) else data)
            if tokens:
                yield tokens


def _blocks(text):
    """The content of `text` in blocks of at most CHUNK_BYTES, None after each file or zip
    member; any read or decompression error is a UserError naming the file."""
    with Source(text.name, text.what, read_from=text.read_from) as source, \
            read_errors(text.name, text.what):
        for opened in source.streams():
            with opened as stream:
                while True:
                    block = stream.read(CHUNK_BYTES)
                    if not block:
                        break
                    yield block
            yield None


def _tokens(data):
    data = data.replace(b"\n", b" </s> ")
    if _OTHER_WHITESPACE.search(data):
        tokens = [t for t in _SPLIT.split(data) if t]
    else:
        tokens = data.split()
    if tokens and max(map(len, tokens)) > MAX_TOKEN_BYTES:
        tokens = [t[:MAX_TOKEN_BYTES] for t in tokens]
    return tokens
