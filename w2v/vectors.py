"""Word vectors you can query: load, save, nearest neighbours, analogies, evaluation.

    >>> import numpy as np
    >>> from w2v.vectors import Vectors
    >>> vectors = Vectors(["king", "queen", "man", "woman", "apple"], np.array(
    ...     [[1, 1, 0], [1, 0, 1], [0, 1, 0], [0, 0, 1], [-1, 0, 0]], dtype=np.float32))
    >>> vectors.most_similar("king", topn=2)
    [('man', 0.7071...), ('queen', 0.5)]
    >>> vectors.analogy("man", "king", "woman", topn=1)     # king - man + woman
    [('queen', 0.9585...)]
    >>> round(vectors.similarity("man", "woman"), 3)
    0.0
    >>> "apple" in vectors, vectors["apple"].tolist()
    (True, [-1.0, 0.0, 0.0])

Words are `str`. A vectors file stores bytes; they are decoded as UTF-8 with
errors="surrogateescape", so a byte that is not valid UTF-8 becomes a lone surrogate
(U+DC80..U+DCFF) instead of an error, and `save` writes back exactly the bytes that
were read. Lookups also accept `bytes`.
"""
import numpy as np

from . import formats
from .formats import decode_word, encode_word

FLOAT32_MAX = float(np.finfo(np.float32).max)
COSMUL_EPSILON = 0.001  # Levy & Goldberg (2014), 3CosMul's guard against division by ~0


class WordNotFound(KeyError):
    """A word asked for is not in the vocabulary."""

    def __init__(self, word):
        super().__init__(word)
        self.word = word

    def __str__(self):
        return f"not in the vocabulary: {shown_word(self.word)}"


def shown_word(word, most=100):
    """A word for a message: at most `most` characters of it (a query can be huge)."""
    word = str(word)
    return word if len(word) <= most else f"{word[:most]}... ({len(word)} characters)"


def check_count(name, value, low=0):
    """`value` as an int if it is a whole number of at least `low`, else ValueError: a
    negative number slices off the last words (a silently different answer), a float or
    a string fails deep inside numpy, and True is not a count."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be a whole number, {low} or more, not {value!r}")
    return int(value)


def load(path, binary=None, limit=None, vocab_path=None):
    """Read a vectors file written by w2v, word2vec.c, gensim or fastText (.vec).

    Text or binary is told from the contents unless `binary` says; `limit` keeps the
    first (most frequent) words only; `.npy` files take their words from `vocab_path`
    (default: `name.vocab` beside `name.npy`). Raises UserError for a missing,
    truncated or corrupt file, naming the line or row.
    """
    words, matrix = formats.read_vectors(path, binary=binary, limit=limit, vocab_path=vocab_path)
    return Vectors(words, matrix)


class Vectors:
    """A vocabulary (`words`, most frequent first) and its matrix (`vectors`, V x D float32).

    The matrix must hold finite numbers: NaN or infinity is a ValueError (such a row
    would make every similarity with it meaningless)."""

    def __init__(self, words, vectors):
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(words) or vectors.shape[1] < 1:
            # (0 dimensions: a file no reader takes back, as word2vec.c's do not)
            raise ValueError(f"need a ({len(words)}, D) matrix with D at least 1, got shape "
                             f"{vectors.shape}")
        bad = formats.nonfinite_rows(vectors)
        if len(bad):
            raise ValueError(f"the vectors must be finite numbers: the row of "
                             f"{decode_word(words[bad[0]])!r} (index {bad[0]}) has NaN or "
                             f"infinity; {len(bad)} of the {len(words)} rows have such values")
        self.words = [decode_word(w) for w in words]
        self.vectors = vectors
        self._index = {}
        self._repeats = {}  # the first row of a word listed again -> its later rows
        for row, word in enumerate(self.words):
            first = self._index.setdefault(word, row)  # the first (most frequent) wins
            if first != row:
                self._repeats.setdefault(first, []).append(row)
        self._unit = None

    load = staticmethod(load)

    def __repr__(self):
        return f"<Vectors: {len(self)} words x {self.dim} dimensions>"

    def __len__(self):
        return len(self.words)

    def __iter__(self):
        return iter(self.words)

    def __contains__(self, word):
        return decode_word(word) in self._index

    def __getitem__(self, word):
        """The vector of `word` (a row of `vectors`, not a copy)."""
        return self.vectors[self.index(word)]

    @property
    def repeated_words(self):
        """The words listed more than once (word2vec.c's tools accept such files too):
        each is looked up by its first row, and none of its rows answers a query it is
        in."""
        return [self.words[row] for row in self._repeats]

    @property
    def dim(self):
        return self.vectors.shape[1]

    def index(self, word):
        """The row of `word`; raises WordNotFound (a KeyError)."""
        try:
            return self._index[decode_word(word)]
        except KeyError:
            raise WordNotFound(decode_word(word)) from None

    def get(self, word, default=None):
        row = self._index.get(decode_word(word))
        return default if row is None else self.vectors[row]

    @property
    def unit_vectors(self):
        """Rows scaled to length 1 (zero rows stay zero); computed once, then cached."""
        if self._unit is None:
            # Squares summed in float64: huge (finite) values must not overflow to inf.
            norms = np.sqrt(np.einsum("ij,ij->i", self.vectors, self.vectors,
                                      dtype=np.float64))
            norms[norms == 0] = 1
            with np.errstate(over="ignore"):
                short = norms.astype(np.float32)
            unit = self.vectors / short[:, None]
            huge = np.flatnonzero(np.isinf(short))  # a norm beyond float32's range
            if len(huge):
                unit[huge] = self.vectors[huge] / norms[huge, None]
            self._unit = unit
        return self._unit

    def save(self, path, binary=False, vocab_path=None):
        """Write a word2vec.c file (text, or binary with binary=True); `.npy` paths get
        the matrix as .npy plus the word list (`vocab_path`, default `name.vocab`)."""
        words = [encode_word(w) for w in self.words]
        if str(path).endswith(".npy"):
            formats.write_npy(str(path), words, self.vectors, vocab_path)
        else:
            formats.write_vectors(path, words, self.vectors, binary=binary)

    def similarity(self, word1, word2):
        """Cosine similarity of two words."""
        unit = self.unit_vectors
        return float(unit[self.index(word1)] @ unit[self.index(word2)])

    def most_similar(self, positive, negative=(), topn=10, restrict=None):
        """The `topn` words nearest by cosine to the normalised sum of the `positive`
        words' unit vectors minus the `negative` ones (word2vec.c's distance, for one
        or several words), the input words excluded: a list of (word, cosine).

        `positive` and `negative` are each a word or a list of words (or vectors);
        `restrict` considers only the first `restrict` (most frequent) words as answers.
        """
        if isinstance(positive, (str, bytes, np.ndarray)):
            positive = [positive]
        if isinstance(negative, (str, bytes, np.ndarray)):
            negative = [negative]  # one word, not its letters
        query, exclude = self._combine([(p, 1.0) for p in positive] +
                                       [(n, -1.0) for n in negative])
        return self.nearest(query, topn, exclude=exclude, restrict=restrict)

    def analogy(self, a, b, c, topn=10, method="add", restrict=None):
        """`a` is to `b` as `c` is to ...? With method="add" (3CosAdd, word2vec.c's
        word-analogy): the words nearest to unit(b) - unit(a) + unit(c). With "mul"
        (3CosMul, Levy & Goldberg 2014): the words d maximising
        cos'(d, b) * cos'(d, c) / (cos'(d, a) + 0.001), with cos' = (cos + 1) / 2.
        The three inputs are never answers. Returns a list of (word, score).
        """
        if method == "add":
            return self.most_similar([b, c], [a], topn=topn, restrict=restrict)
        if method != "mul":
            raise ValueError(f"method must be 'add' or 'mul', not {method!r}")
        rows = [self.index(w) for w in (a, b, c)]
        unit = self._candidates(restrict)
        cos_a, cos_b, cos_c = ((unit @ self.unit_vectors[r] + 1) / 2 for r in rows)
        scores = cos_b * cos_c / (cos_a + COSMUL_EPSILON)
        return self._top(scores, topn, exclude=self._with_repeats(rows))

    def nearest(self, vector, topn=10, exclude=(), restrict=None):
        """The `topn` words whose unit vectors have the largest cosine with `vector`,
        skipping the rows in `exclude`: a list of (word, cosine)."""
        scores = self._candidates(restrict) @ self._query_vector(vector)
        return self._top(scores, topn, exclude)

    def _candidates(self, restrict):
        if restrict is None:
            return self.unit_vectors
        return self.unit_vectors[:check_count("restrict", restrict)]

    def _combine(self, weighted):
        """Sum of weighted unit vectors; the rows of the words among the inputs."""
        if not weighted:
            raise ValueError("need at least one word")
        total = np.zeros(self.dim, dtype=np.float32)
        exclude = []
        for item, weight in weighted:
            if isinstance(item, np.ndarray):
                total += weight * self._query_vector(item)
            else:
                row = self.index(item)
                exclude.append(row)
                total += weight * self.unit_vectors[row]
        return total, self._with_repeats(exclude)

    def _query_vector(self, vector):
        """A vector given as a query, scaled to length 1 (a zero vector stays zero), as
        float32; ValueError unless it is one row of this matrix's width holding finite
        numbers (NaN scored every word -inf, and the words came back as answers that mean
        nothing; a wrong width failed inside numpy)."""
        wide = np.asarray(vector, dtype=np.float64)
        if wide.shape != (self.dim,):
            raise ValueError(f"a query vector must have shape ({self.dim},), not "
                             f"{wide.shape}")
        if not np.isfinite(wide).all():
            raise ValueError("a query vector must hold finite numbers, not NaN or infinity")
        if isinstance(vector, np.ndarray) and vector.dtype == np.float32:
            with np.errstate(over="ignore"):
                norm = float(np.linalg.norm(vector))
            if norm < FLOAT32_MAX:  # the float32 operations of word2vec.c's distance
                return vector / norm if norm else vector
        # Other types, or a length beyond float32's range: in float64, divided by the
        # largest value first (the length of 1e300s is beyond float64's range too).
        largest = np.abs(wide).max(initial=0.0)
        if largest:
            wide = wide / largest
            wide /= np.linalg.norm(wide)
        return wide.astype(np.float32)

    def _with_repeats(self, rows):
        """`rows` and the later rows of their words (a word listed more than once)."""
        return list(rows) + [r for row in rows for r in self._repeats.get(row, ())]

    def _top(self, scores, topn, exclude):
        topn = check_count("topn", topn)
        scores = np.array(scores, dtype=np.float32)
        exclude = [r for r in exclude if r < len(scores)]
        scores[exclude] = -np.inf
        scores[np.isnan(scores)] = -np.inf
        topn = min(topn, len(scores) - len(set(exclude)))
        if topn <= 0:
            return []
        best = np.argpartition(-scores, topn - 1)[:topn]
        # Highest score first; equal scores in vocabulary order, as word2vec.c's scan.
        best = best[np.lexsort((best, -scores[best]))]
        return [(self.words[i], float(scores[i])) for i in best]

    def evaluate_analogies(self, questions=None, restrict=30000):
        """Analogy accuracy by word2vec.c's compute-accuracy rules (see w2v.evaluate);
        `questions` defaults to the packaged questions-words.txt."""
        from .evaluate import evaluate_analogies
        return evaluate_analogies([encode_word(w) for w in self.words], self.vectors,
                                  questions, restrict=restrict)

    def evaluate_similarity(self, pairs, restrict=300000, case_insensitive=True, column=None):
        """Spearman / Pearson correlation of cosine similarity with human scores in a
        word-pair file (WordSim-353, SimLex-999, MEN ...); see w2v.evaluate."""
        from .evaluate import evaluate_similarity
        return evaluate_similarity(self, pairs, restrict=restrict,
                                   case_insensitive=case_insensitive, column=column)

    def word_classes(self, k, iterations=10):
        """word2vec.c's -classes k-means: a class id (0..k-1) per word, in row order."""
        from .classes import word_classes
        return word_classes(self.vectors, k, iterations)
