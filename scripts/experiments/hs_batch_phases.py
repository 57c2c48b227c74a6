"""Where the batched mode's hierarchical softmax spends its time, phase by phase, with every
row in cache (x86-64 with AVX-512 and a C compiler; see hs_batch_phases.c).

    python scripts/experiments/hs_batch_phases.py [--vocab 200] [--repeats 200] [--size 100]
        [--stride 112]

A training run cannot tell a slow kernel from rows waiting in memory; this times
hs_position and its three phases (scores, gradients, update) on rows that fit in cache,
the fastest of many repeats, so that a change to the kernels shows above the noise of a
shared machine. Prints reference (TSC) cycles per position.
"""
import argparse
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CSRC = os.path.join(HERE, "..", "..", "csrc")
SOURCES = [os.path.join(HERE, "hs_batch_phases.c")] + [
    os.path.join(CSRC, name)
    for name in ("train_kernels.c", "train_loop_generic.c", "train_loop_avx2.c")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vocab", type=int, default=200,
                        help="words (and tree nodes): 200 keeps every row in cache")
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--size", type=int, default=100, help="vector size (dim)")
    parser.add_argument("--stride", type=int, default=None,
                        help="floats from one row to the next (default: the size rounded "
                             "up to whole cache lines, as training allocates them)")
    args = parser.parse_args()
    from w2v._train import row_stride  # as training allocates its rows
    stride = args.stride if args.stride is not None else row_stride(args.size)
    if args.vocab < 2 or args.repeats < 1 or not 1 <= args.size <= 1000 or stride < args.size:
        parser.error("--vocab must be at least 2, --repeats at least 1, --size 1 to 1000 "
                     "and --stride at least --size")
    compiler = os.environ.get("CC", "cc")
    with tempfile.TemporaryDirectory() as scratch:
        program = os.path.join(scratch, "hs_batch_phases")
        build = [compiler, "-O3", "-std=gnu11", "-fno-strict-aliasing", "-Wno-psabi",
                 "-pthread", "-I", CSRC, "-o", program, *SOURCES, "-lm"]
        if subprocess.run(build).returncode != 0:
            sys.exit("hs_batch_phases: the C build failed (command: " + " ".join(build) + ")")
        sys.exit(subprocess.run([program, str(args.vocab), str(args.repeats), str(args.size),
                                 str(stride)]).returncode)


if __name__ == "__main__":
    main()
