"""Build the two compiled extensions.

w2v._text   tokenizer and word hash table (csrc/wordtable.c)
w2v._train  the nogil Hogwild training loop: csrc/train_kernels.c (tables, dispatch) and
            csrc/train_loop.c compiled three times, for any x86-64 CPU, for AVX2 + FMA and
            for AVX-512; the fastest one the CPU supports is chosen at run time, so a
            wheel or a shared virtualenv built on one machine runs on any other.

Set W2V_NATIVE=1 to add -march=native (everything tuned for the build machine only),
and W2V_ONLY=_text (or _train) to rebuild a single extension while developing.
"""
import os
import subprocess
import sys
import tempfile

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup


def compiler_accepts(flag):
    """True when the C compiler accepts `flag` (so -march=native never breaks a build)."""
    cc = os.environ.get("CC", "cc")
    with tempfile.TemporaryDirectory() as tmp:
        src = os.path.join(tmp, "probe.c")
        with open(src, "w") as f:
            f.write("int main(void) { return 0; }\n")
        try:
            result = subprocess.run([cc, flag, "-o", os.path.join(tmp, "probe"), src],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError:
            return False
        return result.returncode == 0


compile_args = ["-O3", "-std=gnu99", "-fno-strict-aliasing", "-Wno-psabi"]
if sys.platform != "win32":
    compile_args.append("-pthread")
    if os.environ.get("W2V_NATIVE", "0") == "1" and compiler_accepts("-march=native"):
        compile_args.append("-march=native")

common = dict(
    include_dirs=["csrc", numpy.get_include()],
    extra_compile_args=compile_args,
    extra_link_args=["-pthread"] if sys.platform != "win32" else [],
    define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
)

extensions = [
    Extension("w2v._text", ["w2v/_text.pyx", "csrc/wordtable.c"], **common),
    Extension("w2v._train", ["w2v/_train.pyx", "csrc/train_kernels.c",
                             "csrc/train_loop_generic.c", "csrc/train_loop_avx2.c",
                             "csrc/train_loop_avx512.c"], depends=["csrc/train_loop.c",
                             "csrc/train_vectors.h", "csrc/train_batch.h",
                             "csrc/train_common.h", "csrc/train_kernels.h"], **common),
]
only = os.environ.get("W2V_ONLY")
if only:
    extensions = [e for e in extensions if e.name.endswith(only)]

setup(ext_modules=cythonize(extensions, language_level=3,
                            compiler_directives={"boundscheck": False, "wraparound": False,
                                                 "cdivision": True}))
