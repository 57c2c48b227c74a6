"""How good are the vectors: analogy accuracy and word-pair similarity.

Analogies follow word2vec.c's compute-accuracy rules exactly, so that its numbers and
ours can be compared line for line:

- only the first `restrict` rows of the file count (30000 by convention; 0 = all);
- words and questions are upper-cased byte by byte, ASCII only (C's toupper); a vocabulary
  word of 50 bytes or more never matches (compute-accuracy keeps 50 bytes per word);
- a question is "seen" only if its four words are all known, others are skipped but
  counted in the total; a repeated word is found at its first (most frequent) row;
- the answer is the word whose unit vector has the largest dot product with
  b - a + c (unit vectors too), a, b and c excluded; no answer unless that is above 0;
- the sections are the ": name" lines; the first five are semantic, the rest syntactic.

compute-accuracy scans one question at a time; here all questions go through one matrix
product (seconds instead of minutes). A matrix product sums in another order than C's
loop, so its last bits differ: when two candidates are closer than that rounding error,
they are scored again with C's float32 operations in C's order (c_dot), and the first of
equal maxima wins, as in compute-accuracy's scan.

Word-pair similarity: Spearman's rank correlation (ties get average ranks) and Pearson's
correlation between the human scores and the cosine similarities, over the pairs whose two
words are known (case-insensitive by default, like gensim's evaluate_word_pairs).
"""
import dataclasses
import json
import math
import os
from typing import List, Optional

import numpy as np

from .cfloat import c_dot, c_float, c_sum_of_squares, rounding_bound
from .errors import UserError
from .inputs import read_text_file
from .vectors import check_count

SEMANTIC_SECTIONS = 5  # compute-accuracy: sections 1-5 of questions-words.txt are semantic
MAX_WORD_BYTES = 50  # compute-accuracy's max_w: longer vocabulary words never match
BATCH = 256  # questions scored per matrix product
# Files are held whole, so their size is bounded (`eval analogies v.bin /dev/urandom` ate
# the memory until the OOM killer came): far beyond any published set (Google's analogies
# are 19,544 questions, BATS 98,000; SimLex 999 pairs, MEN 3,000).
MAX_QUESTIONS = 1_000_000
MAX_QUESTION_TOKENS = 4 * MAX_QUESTIONS + 4096  # and the ": section" lines
MAX_PAIRS = 1_000_000
DEFAULT_QUESTIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                                 "questions-words.txt")


# ------------------------------------------------------------------------ analogies

@dataclasses.dataclass
class Section:
    name: Optional[str]  # None for questions before the first ": name" line
    semantic: bool
    questions: int = 0   # all questions of the section
    seen: int = 0        # questions whose four words are known
    correct: int = 0

    @property
    def accuracy(self):
        return self.correct / self.seen if self.seen else None


@dataclasses.dataclass
class AnalogyResult:
    sections: List[Section]
    restrict: int

    def _total(self, which):
        chosen = [s for s in self.sections if which(s)]
        return sum(s.correct for s in chosen), sum(s.seen for s in chosen)

    @property
    def semantic(self):
        """(correct, seen) over the semantic sections."""
        return self._total(lambda s: s.semantic)

    @property
    def syntactic(self):
        return self._total(lambda s: not s.semantic)

    @property
    def total(self):
        return self._total(lambda s: True)

    @property
    def questions_seen(self):
        return sum(s.seen for s in self.sections)

    @property
    def questions_total(self):
        return sum(s.questions for s in self.sections)

    @property
    def accuracy(self):
        correct, seen = self.total
        return correct / seen if seen else None

    def to_dict(self):
        def summary(pair):
            correct, seen = pair
            return {"correct": correct, "seen": seen,
                    "accuracy": correct / seen if seen else None}
        return {
            "restrict": self.restrict,
            "sections": [dict(dataclasses.asdict(s), accuracy=s.accuracy)
                         for s in self.sections if s.name is not None],
            "semantic": summary(self.semantic),
            "syntactic": summary(self.syntactic),
            "total": summary(self.total),
            "questions_seen": self.questions_seen,
            "questions_total": self.questions_total,
        }

    def format_json(self):
        return json.dumps(self.to_dict(), indent=2) + "\n"

    def format_table(self):
        named = [s for s in self.sections if s.name is not None]
        width = max([len(s.name) for s in named] + [len("syntactic")])
        lines = [f"{'section':<{width}}  {'correct':>7}  {'seen':>6}  {'questions':>9}  accuracy"]
        for s in named:
            lines.append(f"{s.name:<{width}}  {s.correct:>7}  {s.seen:>6}  {s.questions:>9}  "
                         f"{_percent(s.correct, s.seen)}")
        lines.append("")
        for label, (correct, seen) in (("semantic", self.semantic),
                                       ("syntactic", self.syntactic), ("total", self.total)):
            lines.append(f"{label:<{width}}  {correct:>7}  {seen:>6}  {'':>9}  "
                         f"{_percent(correct, seen)}")
        seen, total = self.questions_seen, self.questions_total
        lines.append(f"\nQuestions seen / total: {seen} / {total} "
                     f"({_percent(seen, total).strip()}), vocabulary limited to the first "
                     f"{self.restrict or 'all'} words")
        return "\n".join(lines) + "\n"

    def format_word2vec(self):
        """compute-accuracy's output, byte for byte (its quirks included: a section with
        nothing seen prints "(0 / 1)", an empty total prints "-nan")."""
        out = []
        correct_all = seen_all = sem_correct = sem_seen = syn_correct = syn_seen = 0
        for s in self.sections:
            if s.name is not None:
                out.append(f"{s.name}:\n")
            correct_all += s.correct
            seen_all += s.seen
            if s.semantic:
                sem_correct, sem_seen = sem_correct + s.correct, sem_seen + s.seen
            else:
                syn_correct, syn_seen = syn_correct + s.correct, syn_seen + s.seen
            if s.name is None:
                continue  # compute-accuracy prints nothing for questions before a section
            out.append(f"ACCURACY TOP1: {_c_percent(s.correct, s.seen or 1)} %  "
                       f"({s.correct} / {s.seen or 1})\n")
            out.append(f"Total accuracy: {_c_percent(correct_all, seen_all)} %   "
                       f"Semantic accuracy: {_c_percent(sem_correct, sem_seen)} %   "
                       f"Syntactic accuracy: {_c_percent(syn_correct, syn_seen)} % \n")
        out.append(f"Questions seen / total: {self.questions_seen} {self.questions_total}   "
                   f"{_c_percent(self.questions_seen, self.questions_total)} % \n")
        return "".join(out)


def _percent(part, whole):
    return f"{100 * part / whole:6.2f} %" if whole else "     - "


def _c_percent(part, whole):
    """printf("%.2f", part / (float)whole * 100) in single precision, as compute-accuracy."""
    if whole == 0:
        return "-nan"  # 0 / 0.0f on x86 is the negative default NaN; glibc prints "-nan"
    value = np.float32(part) / np.float32(whole) * np.float32(100)
    return "%.2f" % float(value)


def read_questions(path=None):
    """[(section name or None, [(a, b, c, d) as bytes, upper-cased])], read like
    compute-accuracy: whitespace-separated tokens; ":" (or "EXIT") starts a section
    whose name is the next token; a question is the next four tokens."""
    path = path or DEFAULT_QUESTIONS
    tokens = []
    for _, line in read_text_file(path, "questions file"):
        tokens.extend(line.split())
        if len(tokens) > MAX_QUESTION_TOKENS:  # lines are bounded, their number too
            raise UserError(f"{path}: more than {MAX_QUESTIONS:,} questions "
                            "(not a questions file? an endless stream?)")
    sections = [(None, [])]
    i = 0
    while i < len(tokens):
        token = tokens[i].upper()
        if token in (b":", b"EXIT"):
            if i + 1 < len(tokens):
                sections.append((tokens[i + 1].decode("utf-8", "replace"), []))
            i += 2
            continue
        if i + 4 > len(tokens):
            raise UserError(f"{path}: the last question has fewer than four words")
        sections[-1][1].append(tuple(t.upper() for t in tokens[i:i + 4]))
        i += 4
    if not sections[0][1]:
        sections.pop(0)
    if not any(questions for _, questions in sections):
        raise UserError(f"{path}: no questions found")
    return sections


def _vocabulary_keys(words):
    return [w.upper() if len(w) < MAX_WORD_BYTES else None for w in words]


def evaluate_analogies(words, vectors, questions=None, restrict=30000):
    """compute-accuracy on `words` (bytes) and `vectors` (V x D); returns AnalogyResult."""
    restrict = 0 if restrict is None else check_count("restrict", restrict)  # 0: all words
    sections = read_questions(questions)
    if restrict:
        words, vectors = words[:restrict], vectors[:restrict]
    keys = _vocabulary_keys(words)
    row_of = {}
    for row, key in enumerate(keys):
        if key is not None:
            row_of.setdefault(key, row)

    result = AnalogyResult([], restrict)
    known = []  # (section index, a, b, c, expected key)
    for number, (name, questions_) in enumerate(sections, start=1 if sections[0][0] else 0):
        section = Section(name, semantic=number <= SEMANTIC_SECTIONS, questions=len(questions_))
        result.sections.append(section)
        for a, b, c, d in questions_:
            rows = [row_of.get(w) for w in (a, b, c, d)]
            if None not in rows:
                section.seen += 1
                known.append((len(result.sections) - 1, rows[0], rows[1], rows[2], d))
    if known:
        answers = _answer_rows(np.asarray(vectors, dtype=np.float32),
                               np.array([k[1:4] for k in known], dtype=np.int64))
        for (section, *_, expected), answer in zip(known, answers):
            if answer >= 0 and keys[answer] == expected:
                result.sections[section].correct += 1
    return result


def _answer_rows(matrix, questions):
    """For each question (a, b, c rows), the row compute-accuracy answers (-1: none)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = matrix / np.sqrt(c_sum_of_squares(matrix))[:, None]
    # compute-accuracy divides by a zero length too: such a word (NaN) never wins, and a
    # question using one gets NaN scores everywhere, hence no answer.
    broken = ~np.isfinite(unit).all(axis=1)
    unit[broken] = 0
    answers = np.full(len(questions), -1, dtype=np.int64)
    for start in range(0, len(questions), BATCH):
        batch = questions[start:start + BATCH]
        a, b, c = batch[:, 0], batch[:, 1], batch[:, 2]
        query = (unit[b] - unit[a]) + unit[c]  # the same float32 operations as in C
        scores = query @ unit.T
        scores[:, broken] = -np.inf
        index = np.arange(len(batch))
        for column in (a, b, c):
            scores[index, column] = -np.inf
        best = scores.argmax(axis=1)
        top = scores[index, best]
        tolerance = rounding_bound(query)
        # A winner closer than the rounding error to another candidate, or to the bar of
        # 0, is decided again by computing as compute-accuracy does.
        close = (scores >= (top - tolerance)[:, None]).sum(axis=1) > 1
        doubtful = (close | (np.abs(top) <= tolerance)) & np.isfinite(top)
        top_exact = top.copy()
        for q in np.flatnonzero(doubtful):
            near = np.flatnonzero(scores[q] >= top[q] - tolerance[q])
            exact = c_dot(unit[near], query[q])
            winner = int(np.argmax(exact))  # the first of equal maxima: the earlier row
            best[q], top_exact[q] = near[winner], exact[winner]
        answer = np.where(top_exact > 0, best, -1)
        answer[broken[a] | broken[b] | broken[c]] = -1
        answers[start:start + len(batch)] = answer
    return answers


# ----------------------------------------------------------------- word-pair similarity

@dataclasses.dataclass
class SimilarityResult:
    pairs: int          # pairs in the file
    used: int           # pairs whose two words are known
    spearman: Optional[float]
    pearson: Optional[float]
    unknown_words: List[str]

    @property
    def oov_ratio(self):
        """Share of the pairs skipped for an unknown word."""
        return (self.pairs - self.used) / self.pairs if self.pairs else 0.0

    def to_dict(self):
        return dict(dataclasses.asdict(self), oov_ratio=self.oov_ratio)

    def format_table(self):
        def number(x):
            return "-" if x is None else f"{x:.4f}"
        return (f"Spearman rho: {number(self.spearman)}\n"
                f"Pearson r:    {number(self.pearson)}\n"
                f"Pairs used:   {self.used} of {self.pairs} "
                f"({100 * self.oov_ratio:.2f} % skipped for unknown words)\n")


def read_word_pairs(path, column=None):
    """[(word1, word2, score)] from a word-pair file.

    Fields are separated by tabs if the line has one, else by commas if it has one, else
    by spaces. Empty lines and lines starting with "#" are skipped; a first line whose
    score is not a number is a header. The score is the 3rd field unless `column` (from 1)
    says otherwise, or a header names a "SimLex999" column.
    """
    if column is not None:  # 0 was taken for the default, -1 for another field
        column = check_count("column", column, low=1)
    pairs = []
    first = True
    for number, raw in read_text_file(path, "word-pair file"):
        line = raw.decode("utf-8", "surrogateescape").strip()
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in _split_fields(line)]
        score_at = (column or 3) - 1
        if len(fields) <= max(score_at, 1):
            raise UserError(f"{path}: line {number}: expected two words and a score, "
                            f"found {len(fields)} fields")
        try:
            score = c_float(fields[score_at])  # ("1_0" is no score, nor "\u0665")
        except ValueError:
            if first:  # a header: maybe it tells where the score is
                first = False
                names = [f.lower() for f in fields]
                if column is None and "simlex999" in names:
                    column = names.index("simlex999") + 1
                continue
            raise UserError(f"{path}: line {number}: the score is not a number: "
                            f"{fields[score_at]!r}") from None
        first = False
        if not math.isfinite(score):  # nan, inf, 1e400: no rank, no correlation
            raise UserError(f"{path}: line {number}: the score is not a finite number: "
                            f"{fields[score_at]!r}")
        pairs.append((fields[0], fields[1], score))
        if len(pairs) > MAX_PAIRS:
            raise UserError(f"{path}: more than {MAX_PAIRS:,} word pairs (not a word-pair "
                            "file? an endless stream?)")
    if not pairs:
        raise UserError(f"{path}: no word pairs found")
    return pairs


def _split_fields(line):
    if "\t" in line:
        return line.split("\t")
    if "," in line:
        return line.split(",")
    return line.split()


def evaluate_similarity(vectors, pairs_path, restrict=300000, case_insensitive=True,
                        column=None):
    """Correlation of cosine similarity with the human scores of `pairs_path`."""
    restrict = 0 if restrict is None else check_count("restrict", restrict)  # 0: all words
    pairs = read_word_pairs(pairs_path, column)
    words = vectors.words[:restrict] if restrict else vectors.words
    row_of = {}
    for row, word in enumerate(words):
        row_of.setdefault(word.lower() if case_insensitive else word, row)
    unit = vectors.unit_vectors
    human, model, unknown = [], [], []
    for w1, w2, score in pairs:
        rows = [row_of.get(w.lower() if case_insensitive else w) for w in (w1, w2)]
        if None in rows:
            unknown.extend(w for w, r in zip((w1, w2), rows) if r is None)
            continue
        human.append(score)
        model.append(float(unit[rows[0]] @ unit[rows[1]]))
    unknown = sorted(set(unknown))
    if len(human) < 2:
        return SimilarityResult(len(pairs), len(human), None, None, unknown)
    return SimilarityResult(len(pairs), len(human), spearman(human, model),
                            pearson(human, model), unknown)


def pearson(x, y):
    x = np.asarray(x, dtype=np.float64) - np.mean(x)
    y = np.asarray(y, dtype=np.float64) - np.mean(y)
    denominator = np.sqrt((x * x).sum() * (y * y).sum())
    return float((x * y).sum() / denominator) if denominator else None


def spearman(x, y):
    return pearson(average_ranks(x), average_ranks(y))


def average_ranks(values):
    """Ranks from 1; tied values share the average of their ranks (as scipy's rankdata)."""
    values = np.asarray(values, dtype=np.float64)
    order = np.argsort(values, kind="stable")
    ranks = np.empty(len(values), dtype=np.float64)
    ranks[order] = np.arange(1, len(values) + 1)
    sorted_values = values[order]
    starts = np.flatnonzero(np.r_[True, sorted_values[1:] != sorted_values[:-1]])
    ends = np.r_[starts[1:], len(values)]
    for s, e in zip(starts, ends):
        if e - s > 1:
            ranks[order[s:e]] = (s + 1 + e) / 2
    return ranks
