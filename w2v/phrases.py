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
does (drop those seen at most once, then at most twice, ...).
"""
import bz2
import collections
import dataclasses
import functools
import gzip
import lzma
import operator
import os
import re
import tempfile
from itertools import repeat

import numpy as np

from .outputs import atomic_output
from .errors import UserError

MIN_COUNT = 5
THRESHOLD = 100.0
MAX_PAIR_BYTES = 59  # word2phrase's MAX_STRING (60) minus the terminating NUL
MAX_TOKEN_BYTES = 58  # ReadWord's last slot is overwritten by the NUL: one byte less
# word2phrase prunes when its hash table is 70% full: 0.7 * 500M entries. That is far
# more than a Python dict of byte strings holds in RAM (about 100 bytes each); lower it
# with max_entries to bound memory (the output then differs for rare pairs only).
MAX_ENTRIES = 350_000_000
CHUNK_BYTES = 1 << 20
EOS = b"</s>"
_OTHER_WHITESPACE = re.compile(rb"[\x0b\x0c]")  # whitespace to Python, not to word2phrase
_SPLIT = re.compile(rb"[ \t\n]+")
_COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


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


def word2phrase(input_path, output_path, min_count=MIN_COUNT, threshold=THRESHOLD, passes=1,
                max_entries=MAX_ENTRIES, report=None, progress=None):
    """Write `input_path` with phrases joined to `output_path` (atomically).

    `threshold` is one number or one per pass; with more passes than thresholds the
    last one is reused. Each pass reads the previous pass's output. `report(PassStats)`
    is called after each pass; `progress(stage, path, nbytes)` after each block read,
    stage being "counting" or "writing". Returns the list of PassStats.
    """
    thresholds = list(threshold) if isinstance(threshold, (list, tuple)) else [threshold]
    passes = max(passes, len(thresholds))
    thresholds += thresholds[-1:] * (passes - len(thresholds))
    _check_readable(input_path)
    stats = []
    source = input_path
    directory = os.path.dirname(os.path.abspath(output_path))
    temporary = []
    try:
        for number, limit in enumerate(thresholds, start=1):
            counting = writing = None
            if progress:
                counting = functools.partial(progress, "counting", source)
                writing = functools.partial(progress, "writing", source)
            counts = count(source, min_count, max_entries, progress=counting)
            if number == passes:
                with atomic_output(output_path) as out:
                    joined = write(source, out, counts, limit, progress=writing)
            else:
                fd, path = tempfile.mkstemp(prefix=".w2v-phrases.", dir=directory)
                temporary.append(path)
                with os.fdopen(fd, "wb") as out:
                    joined = write(source, out, counts, limit, progress=writing)
                source = path
            stats.append(PassStats(limit, counts.words, counts.entries, joined))
            if report:
                report(stats[-1])
    except OSError as exc:
        raise UserError(f"cannot write phrases: {exc.strerror or exc}") from None
    finally:
        for path in temporary:
            try:
                os.unlink(path)
            except OSError:
                pass
    return stats


def count(path, min_count=MIN_COUNT, max_entries=MAX_ENTRIES, progress=None):
    """Count words and adjacent pairs of `path` (word2phrase's LearnVocabFromTrainFile)."""
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
    """Copy `path` to the binary file `out` with pairs above `threshold` joined
    (word2phrase's TrainModel); return how many pairs were joined."""
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
    """Lists of tokens (newlines as "</s>"), chunk by chunk, split as word2phrase reads."""
    carry = b""
    with _open(path) as f:
        while True:
            block = f.read(CHUNK_BYTES)
            if not block:
                break  # what is left in `carry` has no whitespace after it: dropped
            if progress:
                progress(len(block))
            data = carry + block
            end = max(data.rfind(b" "), data.rfind(b"\t"), data.rfind(b"\n")) + 1
            data, carry = data[:end], data[end:]
            tokens = _tokens(data)
            if tokens:
                yield tokens


def _tokens(data):
    data = data.replace(b"\r", b"").replace(b"\n", b" </s> ")
    if _OTHER_WHITESPACE.search(data):
        tokens = [t for t in _SPLIT.split(data) if t]
    else:
        tokens = data.split()
    if tokens and max(map(len, tokens)) > MAX_TOKEN_BYTES:
        tokens = [t[:MAX_TOKEN_BYTES] for t in tokens]
    return tokens


def _open(path):
    opener = _COMPRESSED.get(os.path.splitext(path)[1], open)
    try:
        return opener(path, "rb")
    except FileNotFoundError:
        raise UserError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise UserError(f"is a directory: {path}") from None
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None


def _check_readable(path):
    _open(path).close()
