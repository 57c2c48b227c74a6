"""The arithmetic a training configuration implies, and the machine's peak, for the
benchmark's "multiply-adds per second" and "of peak" columns.

Counted from the corpus's vocabulary with w2v's own tables: each occurrence of word w is
kept with word2vec.c's subsampling probability keep(w); a kept position has on average
window + 1 contexts (the window shrinks uniformly to 1..window on each side); each
prediction costs 3 x size multiply-adds per output unit (the dot product, the input
gradient, the output update) over negative + 1 units or the word's code length; CBOW adds
2 x size per context (the average, then the update). Units outside [-6, 6] that
hierarchical softmax skips are counted too: their dot product was taken.

Peak multiply-adds/s = cores x 2 FMA units x lanes (16 floats with AVX-512, 8 with AVX2,
4 otherwise) x clock, the clock read from /proc/cpuinfo (nominal, not turbo). AMD's Zen 4
(family 25, the first AMD cores with AVX-512) runs a 512-bit FMA as two 256-bit halves
on its two 256-bit FMA units: 8 lanes for the peak, as AVX2.
"""
import os

import numpy as np


def corpus_statistics(corpus_path, min_count, sample):
    """(sum of keep probabilities, sum of keep x code length) over the corpus's tokens."""
    from w2v.corpus import Corpus
    from w2v.vocab import Vocab
    vocab = Vocab.build(Corpus([corpus_path]), min_count=min_count)
    counts = vocab.counts[1:].astype(np.float64)  # </s> is never trained
    keep = np.minimum(vocab.keep_probabilities(sample)[1:].astype(np.float64), 1.0) \
        if sample > 0 else np.ones_like(counts)
    _, _, lengths = vocab.huffman()
    kept = counts * keep
    return {"kept": float(kept.sum()), "kept_code_length": float((kept * lengths[1:]).sum())}


def multiply_adds_per_pass(stats, cbow, hs, negative, size, window):
    contexts = window + 1
    units = (negative + 1) * stats["kept"] if negative > 0 else 0.0
    if hs:
        units += stats["kept_code_length"]
    if cbow:
        return 3 * size * units + 2 * size * contexts * stats["kept"]
    return 3 * size * contexts * units


def peak_multiply_adds(cores):
    """(multiply-adds per second, description) of the machine's cores."""
    flags, mhz, vendor, family = set(), None, None, None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip()
                if key == "flags" and not flags:
                    flags = set(value.split())
                elif key == "cpu MHz" and mhz is None:
                    mhz = float(value)
                elif key == "vendor_id" and vendor is None:
                    vendor = value.strip()
                elif key == "cpu family" and family is None:
                    family = int(value)
    except (OSError, ValueError):
        return None, "unknown"
    lanes, isa = (16, "AVX-512") if "avx512f" in flags else (8, "AVX2") if "fma" in flags \
        else (4, "SSE")
    if lanes == 16 and vendor == "AuthenticAMD" and family == 25:
        lanes, isa = 8, "AVX-512 as 2 x 256-bit, Zen 4"
    if not mhz:
        return None, isa
    peak = cores * 2 * lanes * mhz * 1e6
    return peak, f"{cores} cores x 2 FMA x {lanes} lanes ({isa}) x {mhz / 1000:.2f} GHz"


if __name__ == "__main__":
    print(peak_multiply_adds(len(os.sched_getaffinity(0))))
