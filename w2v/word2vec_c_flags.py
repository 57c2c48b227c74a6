"""word2vec.c's command line, exactly: `w2v -train data.txt -output vec.bin -cbow 0 ...`.

Same flag names, defaults and meanings as word2vec.c's main(), so that a Makefile or cron
job switches by replacing `./word2vec` with `w2v`. Two deliberate differences: an unknown
or repeated flag is an error (word2vec.c ignores the first and takes the first of the
second), and a value that is not a number is an error (word2vec.c's atoi reads it as 0).
"""
import re

from .cfloat import c_float, c_int
from .config import TrainConfig
from .errors import UsageError

# flag -> (TrainConfig field, parser). Integer flags that word2vec.c uses as booleans
# (cbow, hs, binary) are true for any non-zero value, as in C.
def _flag(value):
    return _int(value) != 0


# Numbers as C's atoi and atof read them whole (w2v.cfloat): Python's int() also takes
# "1_0", 10 where atoi reads 1, and other scripts' digits ("\u0665" is 5, atoi reads 0).
def _int(value):
    try:
        return c_int(value)
    except ValueError:
        raise ValueError("an integer") from None


def _float(value):
    try:
        return c_float(value)
    except ValueError:
        raise ValueError("a number") from None


def _text(value):
    return value


FLAGS = {
    "-train": ("corpus", lambda v: [v]),
    "-output": ("output", _text),
    "-size": ("size", _int),
    "-window": ("window", _int),
    "-sample": ("sample", _float),
    "-hs": ("hs", _flag),
    "-negative": ("negative", _int),
    "-threads": ("threads", _int),
    "-iter": ("iter", _int),
    "-min-count": ("min_count", _int),
    "-alpha": ("alpha", _float),
    "-classes": ("classes", _int),
    "-debug": ("debug", _int),
    "-binary": ("binary", _flag),
    "-save-vocab": ("save_vocab", _text),
    "-read-vocab": ("read_vocab", _text),
    "-cbow": ("cbow", _flag),
}

_SINGLE_DASH_WORD = re.compile(r"^-[a-z][a-z-]+$")


def is_word2vec_c_form(argv):
    """word2vec.c's flags are single-dash words (-train); ours are --words or -o/-h."""
    return bool(argv) and bool(_SINGLE_DASH_WORD.match(argv[0]))


def parse_word2vec_c_flags(argv):
    """Turn word2vec.c's argument list into a TrainConfig with word2vec.c's defaults."""
    values = {}
    i = 0
    while i < len(argv):
        flag = argv[i]
        if flag not in FLAGS:
            known = " ".join(FLAGS)
            raise UsageError(f"unknown option {flag} (word2vec.c's options are: {known})")
        if i + 1 >= len(argv):
            raise UsageError(f"argument missing for {flag}")  # word2vec.c's own message
        field, parse = FLAGS[flag]
        if field in values:
            raise UsageError(f"option {flag} given twice")
        try:
            values[field] = parse(argv[i + 1])
        except ValueError as exc:
            raise UsageError(f"{flag} needs {exc}, got {argv[i + 1]!r}") from None
        i += 2
    if "corpus" not in values:
        raise UsageError("-train <file> is required")
    return TrainConfig(**values)
