"""A slow, literal Python transcription of word2vec.c's TrainModelThread loop.

It exists only to check the C kernel: given the same starting matrices and generator
seed, both must end with the same vectors (up to float rounding of the dot products,
whose summation order differs). Negatives are drawn with the kernel's alias sampler,
re-implemented here from its definition. The exact softmax (--softmax, not in word2vec.c)
is transcribed from the kernel's softmax_step (csrc/train_loop.c): the textbook update
over every output row, in row order, after the hierarchical-softmax and negative-sampling
units as the kernel calls them.
"""
import numpy as np

from w2v import _train

MASK64 = 2**64 - 1
ALIAS_BITS = 48


class ReferenceTrainer:
    def __init__(self, input_vectors, hs_vectors, ns_vectors, codes, points, code_lengths,
                 noise_weights, keep, window, negative, hs, cbow, alpha, seed,
                 softmax_vectors=None, total_words=None):
        self.input_vectors, self.hs_vectors, self.ns_vectors = input_vectors, hs_vectors, ns_vectors
        self.softmax_vectors = softmax_vectors  # None: no exact softmax
        self.codes, self.points, self.code_lengths = codes, points, code_lengths
        self.thresholds, self.aliases = _train.alias_tables(noise_weights)
        self.keep, self.window, self.negative, self.hs, self.cbow = keep, window, negative, hs, cbow
        self.alpha = np.float32(alpha)
        # word2vec.c's schedule: every 10,000 words, alpha * (1 - words / total_words),
        # floored at alpha * 1e-4 (None: alpha stays)
        self.starting_alpha, self.total_words = alpha, total_words
        self.word_count = self.last_word_count = 0
        self.state = seed
        self.sigmoid_table = _train.sigmoid_tables()[0]

    def rand(self):
        self.state = (self.state * 25214903917 + 11) & MASK64
        return self.state

    def draw_negative(self, r):
        x = (r >> 16) * len(self.thresholds)
        column, fraction = x >> ALIAS_BITS, x & ((1 << ALIAS_BITS) - 1)
        return column if fraction < int(self.thresholds[column]) else int(self.aliases[column])

    def update_alpha_if_due(self):
        """word2vec.c's check, made before every position and before reading a sentence."""
        if self.total_words is not None and self.word_count - self.last_word_count > 10000:
            self.last_word_count = self.word_count
            alpha = self.starting_alpha * (1 - self.word_count / self.total_words)
            self.alpha = np.float32(max(alpha, self.starting_alpha * 1e-4))

    def sigmoid(self, f):
        return self.sigmoid_table[int((f + 6) * 83)]

    def predict(self, hidden, word, error):
        if self.hs:
            for d in range(self.code_lengths[word]):
                row = self.hs_vectors[self.points[word, d]]
                f = np.float32(np.dot(hidden, row))
                if f <= -6 or f >= 6:
                    continue
                g = np.float32((1 - self.codes[word, d] - self.sigmoid(f)) * self.alpha)
                error += g * row
                row += g * hidden
        for d in range(self.negative + 1 if self.negative > 0 else 0):
            if d == 0:
                target, label = word, 1
            else:
                r = self.rand()
                target = self.draw_negative(r)
                if target == 0:
                    target = r % (len(self.input_vectors) - 1) + 1
                if target == word:
                    continue
                label = 0
            row = self.ns_vectors[target]
            f = np.float32(np.dot(hidden, row))
            if f > 6:
                g = (label - 1) * self.alpha
            elif f < -6:
                g = (label - 0) * self.alpha
            else:
                g = (label - self.sigmoid(f)) * self.alpha
            g = np.float32(g)
            error += g * row
            row += g * hidden
        if self.softmax_vectors is not None:
            self.softmax(hidden, word, error)

    def softmax(self, hidden, word, error):
        """softmax_step: float scores, shifted by the largest; exp in double, stored as
        float; their sum in double, in row order; then each row's logistic update."""
        rows = self.softmax_vectors
        scores = [np.float32(np.dot(hidden, row)) for row in rows]
        top = max(scores)
        scores = [np.float32(np.exp(np.float64(s - top))) for s in scores]
        total = 0.0
        for s in scores:
            total += float(s)
        for j, row in enumerate(rows):
            g = np.float32((np.float32(j == word) - np.float32(scores[j] / total)) * self.alpha)
            error += g * row
            row += g * hidden

    def train(self, ids):
        i = 0
        while i < len(ids):
            self.update_alpha_if_due()
            sentence, ended = [], True
            while i < len(ids):
                word = ids[i]
                i += 1
                self.word_count += 1
                if word == 0:
                    break
                if self.keep is not None:
                    if self.keep[word] < np.float32((self.rand() & 0xFFFF) / 65536):
                        continue
                sentence.append(word)
                if len(sentence) >= 1000:
                    break
            else:
                ended = False  # the ids ran out inside a sentence: trained as it is
            if not sentence:
                # word2vec.c goes through position 0 of an empty sentence: it draws the
                # window, then finds no context
                if ended:
                    self.rand()
                continue
            self.train_sentence(sentence)

    def train_sentence(self, sentence):
        for pos, word in enumerate(sentence):
            if pos > 0:
                self.update_alpha_if_due()
            b = self.rand() % self.window
            context = [sentence[pos - self.window + a] for a in range(b, 2 * self.window + 1 - b)
                       if a != self.window and 0 <= pos - self.window + a < len(sentence)]
            if self.cbow:
                if not context:
                    continue
                hidden = np.sum([self.input_vectors[c] for c in context], axis=0,
                                dtype=np.float32) / np.float32(len(context))
                error = np.zeros_like(hidden)
                self.predict(hidden, word, error)
                for c in context:
                    self.input_vectors[c] += error
            else:
                for c in context:
                    hidden = self.input_vectors[c]
                    error = np.zeros_like(hidden)
                    self.predict(hidden, word, error)
                    hidden += error
