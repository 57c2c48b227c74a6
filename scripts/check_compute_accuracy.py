"""Check that `w2v eval analogies` prints what word2vec.c's compute-accuracy prints.

Runs both on the same binary vectors file and questions, compares their output byte for
byte (`--format word2vec` is compute-accuracy's layout), and reports both run times.
compute-accuracy comes with `pip install word2vec==0.11.1` (word2vec-compute-accuracy).

    python scripts/check_compute_accuracy.py VECTORS.bin [--limit 30000] [--questions Q]
    python scripts/check_compute_accuracy.py --train CORPUS.txt OUT.bin   # word2vec.c first

Exit status 0 when the outputs are identical, 1 otherwise (a diff is printed).
"""
import argparse
import difflib
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_QUESTIONS = os.path.join(ROOT, "w2v", "data", "questions-words.txt")


def timed(command, stdin=None):
    start = time.perf_counter()
    result = subprocess.run(command, stdin=stdin, capture_output=True, check=True)
    return result.stdout, time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("vectors", help="binary vectors file (written by --train if given)")
    parser.add_argument("--limit", type=int, default=30000,
                        help="compute-accuracy's threshold: the first N words (0 = all)")
    parser.add_argument("--questions", default=DEFAULT_QUESTIONS)
    parser.add_argument("--compute-accuracy", default=shutil.which("word2vec-compute-accuracy")
                        or shutil.which("compute-accuracy"))
    parser.add_argument("--train", metavar="CORPUS",
                        help="first train VECTORS with word2vec.c on CORPUS (-size 100 -binary 1)")
    parser.add_argument("--word2vec", default=shutil.which("word2vec"))
    args = parser.parse_args()
    if not args.compute_accuracy:
        sys.exit("compute-accuracy not found: pip install word2vec==0.11.1")

    if args.train:
        if not args.word2vec:
            sys.exit("word2vec not found: pip install word2vec==0.11.1")
        _, seconds = timed([args.word2vec, "-train", args.train, "-output", args.vectors,
                            "-binary", "1", "-size", "100", "-threads", str(os.cpu_count()),
                            "-debug", "0"])
        print(f"trained {args.vectors} with word2vec.c in {seconds:.1f} s")

    with open(args.questions, "rb") as questions:
        reference, c_seconds = timed([args.compute_accuracy, args.vectors, str(args.limit)],
                                     stdin=questions)
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    start = time.perf_counter()
    ours = subprocess.run([sys.executable, "-m", "w2v", "eval", "analogies", args.vectors,
                           args.questions, "--limit", str(args.limit), "--format", "word2vec"],
                          capture_output=True, check=True, env=env).stdout
    w2v_seconds = time.perf_counter() - start

    last_line = reference.decode(errors="replace").strip().splitlines()[-1]
    print(f"compute-accuracy: {c_seconds:.1f} s   w2v eval analogies: {w2v_seconds:.1f} s")
    print(f"compute-accuracy says: {last_line}")
    if ours == reference:
        print(f"identical output ({len(reference.splitlines())} lines)")
        return 0
    diff = difflib.unified_diff(reference.decode(errors="replace").splitlines(True),
                                ours.decode(errors="replace").splitlines(True),
                                "compute-accuracy", "w2v eval analogies")
    sys.stdout.writelines(diff)
    return 1


if __name__ == "__main__":
    sys.exit(main())
