"""Corpus preparation for the benchmark.

Every trainer in the benchmark must read the same bytes, and word2vec.c reads only plain
files, so a compressed corpus (.gz, .bz2, .xz, .zip) is unpacked once into the work
directory. Preparation is never part of a timed run. Three derived files:

- the plain corpus and its whitespace-token count (the "corpus words" of words/s);
- a copy in lines of at most 1000 tokens, for gensim: its line-based readers cannot train
  a one-line corpus such as text8 (see bench_peer_train.py), while word2vec.c itself cuts a
  long line into 1000-word sentences;
- k concatenated copies, for the scaling mode.

Results are cached in the work directory beside a small JSON record of the source's size
and mtime, so a rerun does not unpack or count 100 MB again.
"""
import bz2
import gzip
import json
import lzma
import os
import shutil
import zipfile
from dataclasses import asdict, dataclass

BLOCK = 1 << 24  # 16 MB: big enough that Python overhead per block does not matter
WHITESPACE = b" \t\n\r\v\f"


@dataclass
class PreparedCorpus:
    source: str  # what the user gave
    path: str  # a plain file every trainer can read
    tokens: int  # whitespace-separated tokens in it
    lines: int  # newline characters in it
    bytes: int


def open_corpus(path):
    """Open a plain or compressed corpus for reading bytes; a .zip must hold one file."""
    if path.endswith(".gz"):
        return gzip.open(path, "rb")
    if path.endswith(".bz2"):
        return bz2.open(path, "rb")
    if path.endswith(".xz"):
        return lzma.open(path, "rb")
    if path.endswith(".zip"):
        archive = zipfile.ZipFile(path)
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) != 1:
            raise SystemExit(f"bench: {path}: expected one file in the zip, found {len(members)}")
        return archive.open(members[0])
    return open(path, "rb")


def is_compressed(path):
    return path.endswith((".gz", ".bz2", ".xz", ".zip"))


def count_tokens(path):
    """(tokens, newlines) of a plain file, streaming; a token cut by a block edge counts once."""
    tokens = lines = 0
    ends_inside_token = False
    with open(path, "rb") as f:
        while True:
            block = f.read(BLOCK)
            if not block:
                break
            lines += block.count(b"\n")
            tokens += len(block.split())
            if ends_inside_token and block[0] not in WHITESPACE:
                tokens -= 1  # the first token of this block continues the last one
            ends_inside_token = block[-1] not in WHITESPACE
    return tokens, lines


def _cache_key(source):
    st = os.stat(source)
    return {"source": os.path.abspath(source), "size": st.st_size, "mtime": st.st_mtime}


def _cached(record_path, key):
    try:
        with open(record_path) as f:
            record = json.load(f)
    except (OSError, ValueError):
        return None
    if record.get("key") != key or not os.path.exists(record["corpus"]["path"]):
        return None
    return PreparedCorpus(**record["corpus"])


def _save_record(record_path, key, corpus):
    with open(record_path, "w") as f:
        json.dump({"key": key, "corpus": asdict(corpus)}, f, indent=1)


def _stem(path):
    name = os.path.basename(path)
    for suffix in (".gz", ".bz2", ".xz", ".zip"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def prepare(source, workdir):
    """A plain copy of `source` (or `source` itself when plain) with its token count."""
    if not os.path.isfile(source):
        raise SystemExit(f"bench: corpus not found: {source}")
    os.makedirs(workdir, exist_ok=True)
    key = _cache_key(source)
    record_path = os.path.join(workdir, _stem(source) + ".corpus.json")
    corpus = _cached(record_path, key)
    if corpus is not None:
        return corpus
    if is_compressed(source):
        plain = os.path.join(workdir, _stem(source) + ".txt")
        tmp = plain + ".part"
        with open_corpus(source) as src, open(tmp, "wb") as dst:
            shutil.copyfileobj(src, dst, BLOCK)
        os.replace(tmp, plain)
    else:
        plain = os.path.abspath(source)
    tokens, lines = count_tokens(plain)
    corpus = PreparedCorpus(source, plain, tokens, lines, os.path.getsize(plain))
    _save_record(record_path, key, corpus)
    return corpus


def _write_in_lines(src_path, dst, max_tokens):
    """Copy tokens from src_path to dst, ending a line at each source newline and after
    every `max_tokens` tokens of a longer line. Streaming: a 100 MB line never sits in RAM
    as a list of words."""
    in_line = 0  # tokens written on the current output line
    carry = b""
    with open(src_path, "rb") as src:
        while True:
            block = src.read(BLOCK)
            at_end = not block
            text = carry + block
            if not at_end:
                # keep an unfinished token (and everything after the last whitespace) for later
                cut = max(text.rfind(c) for c in (b" ", b"\t", b"\n", b"\r", b"\v", b"\f"))
                if cut < 0:
                    carry = text
                    continue
                text, carry = text[: cut + 1], text[cut + 1 :]
            segments = text.split(b"\n")
            for i, segment in enumerate(segments):
                words = segment.split()
                start = 0
                while start < len(words):
                    room = max_tokens - in_line
                    piece = words[start : start + room]
                    dst.write((b" " if in_line else b"") + b" ".join(piece))
                    in_line += len(piece)
                    start += len(piece)
                    if in_line == max_tokens:
                        dst.write(b"\n")
                        in_line = 0
                if i < len(segments) - 1 and in_line:  # a newline of the source
                    dst.write(b"\n")
                    in_line = 0
            if at_end:
                if in_line:
                    dst.write(b"\n")
                return


def rechunked(corpus, workdir, max_tokens=1000):
    """Path of a copy of `corpus` whose lines hold at most `max_tokens` tokens (cached)."""
    out = os.path.join(workdir, f"{os.path.basename(corpus.path)}.lines{max_tokens}")
    record = out + ".json"
    key = {"corpus": asdict(corpus), "max_tokens": max_tokens,
           "mtime": os.stat(corpus.path).st_mtime}
    try:
        with open(record) as f:
            if json.load(f) == key and os.path.exists(out):
                return out
    except (OSError, ValueError):
        pass
    tmp = out + ".part"
    with open(tmp, "wb") as dst:
        _write_in_lines(corpus.path, dst, max_tokens)
    os.replace(tmp, out)
    with open(record, "w") as f:
        json.dump(key, f)
    return out


def replicated(corpus, copies, workdir):
    """`copies` concatenated copies of `corpus` (a newline between them), as a PreparedCorpus."""
    if copies == 1:
        return corpus
    out = os.path.join(workdir, f"{os.path.basename(corpus.path)}.x{copies}")
    record = out + ".json"
    key = {"corpus": asdict(corpus), "copies": copies, "mtime": os.stat(corpus.path).st_mtime}
    try:
        with open(record) as f:
            saved = json.load(f)
        if saved["key"] == key and os.path.exists(out):
            return PreparedCorpus(**saved["corpus"])
    except (OSError, ValueError, KeyError):
        pass
    tmp = out + ".part"
    with open(tmp, "wb") as dst:
        for _ in range(copies):
            with open(corpus.path, "rb") as src:
                shutil.copyfileobj(src, dst, BLOCK)
            dst.write(b"\n")  # keeps the last word of one copy apart from the first of the next
    os.replace(tmp, out)
    tokens, lines = count_tokens(out)
    result = PreparedCorpus(f"{corpus.source} x{copies}", out, tokens, lines, os.path.getsize(out))
    with open(record, "w") as f:
        json.dump({"key": key, "corpus": asdict(result)}, f)
    return result
