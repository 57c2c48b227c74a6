"""A plain NumPy version of the batched skip-gram update (--batch), to check the C kernel.

For each position: the k context rows I and the position's output rows O (the target's
Huffman path, or the target and negatives drawn once), then S = I O^T, the gradients G,
O += G^T I and I += E, every product from the values before the position's updates
(hierarchical softmax first, then negative sampling on the updated inputs, as the
kernel does), except hierarchical softmax's errors: context u's is taken against the
path as contexts 1..u-1 left it, E = G O + L I, where L is G G^T below its diagonal, the
contexts in the kernel's order (the window's, a repeated word once, where it first
occurs, its gradients summed; beyond 64 contexts, a huge window, one row per
occurrence, as the kernel keeps them). Negative sampling: E = G O. Generator draws in
the kernel's order: the window, then the negatives.

With `positions` above 1 (--batch-positions), that many consecutive positions draw their
windows, take their hierarchical-softmax updates one by one, then share one draw of
negatives: one S over their distinct context rows and distinct output rows, each pair's
gradient counted as often as it occurs as a positive and as a negative.
"""
import numpy as np

from reference_word2vec import ReferenceTrainer


class BatchReferenceTrainer(ReferenceTrainer):
    positions = 1  # consecutive positions sharing one draw of negatives (--batch-positions)
    MERGED_CONTEXTS = 64  # the kernel's BATCH_MERGED_CONTEXTS

    def sigmoids(self, scores):
        index = np.clip(((scores + 6) * 83).astype(np.int64), 0, len(self.sigmoid_table) - 1)
        return self.sigmoid_table[index]

    def update(self, matrix, rows, context, gradients, sequential=False):
        """rows: distinct. sequential: each context's error sees the earlier contexts'
        updates of the rows (context in the kernel's order)."""
        inputs = self.input_vectors[context].copy()
        outputs = matrix[rows].copy()
        np.add.at(matrix, rows, (gradients.T @ inputs).astype(np.float32))
        errors = gradients @ outputs
        if sequential:
            errors += np.tril(gradients @ gradients.T, -1) @ inputs
        np.add.at(self.input_vectors, context, errors.astype(np.float32))

    def train_sentence(self, sentence):
        assert not self.cbow, "the batched mode is for skip-gram"
        for first in range(0, len(sentence), self.positions):
            if first > 0:
                self.update_alpha_if_due()
            block = range(first, min(first + self.positions, len(sentence)))
            windows = {}
            for pos in block:
                b = self.rand() % self.window
                windows[pos] = [c for c in range(pos - self.window + b, pos + self.window + 1 - b)
                                if c != pos and 0 <= c < len(sentence)]
            if self.hs:
                for pos in block:
                    if windows[pos]:
                        self.hs_position(sentence[pos], [sentence[c] for c in windows[pos]])
            if self.negative > 0 and any(windows.values()):
                self.ns_positions([(sentence[pos], [sentence[c] for c in windows[pos]])
                                   for pos in block])

    def hs_position(self, word, context):
        length = self.code_lengths[word]
        nodes = self.points[word, :length]
        labels = 1 - self.codes[word, :length].astype(np.float32)
        if len(context) <= self.MERGED_CONTEXTS:  # repeats merged, in first-seen order
            counts = {c: context.count(c) for c in context}
            context, weights = list(counts), np.array(list(counts.values()), np.float32)
        else:
            weights = np.ones(len(context), np.float32)
        scores = self.input_vectors[context] @ self.hs_vectors[nodes].T
        inside = (scores > -6) & (scores < 6)
        gradients = np.where(inside, (labels - self.sigmoids(scores)) * self.alpha, 0)
        gradients = gradients.astype(np.float32) * weights[:, None]
        self.update(self.hs_vectors, nodes, context, gradients, sequential=True)

    def ns_positions(self, positions):
        """positions: (target, contexts) pairs sharing one draw of negatives."""
        noise = []
        for _ in range(self.negative):
            r = self.rand()
            target = self.draw_negative(r)
            noise.append(target if target != 0 else r % (len(self.input_vectors) - 1) + 1)
        inputs = sorted({c for _, context in positions for c in context})
        outputs = sorted({word for word, _ in positions} | set(noise))
        positive = np.zeros((len(inputs), len(outputs)), np.float32)
        negative = np.zeros_like(positive)
        for word, context in positions:
            for c in context:
                u = inputs.index(c)
                positive[u, outputs.index(word)] += 1
                for target in noise:
                    if target != word:  # word2vec.c skips a draw equal to the target
                        negative[u, outputs.index(target)] += 1
        scores = self.input_vectors[inputs] @ self.ns_vectors[outputs].T
        sig = self.sigmoids(scores)
        as_positive = np.where(scores > 6, 0, np.where(scores < -6, 1, 1 - sig))
        as_negative = np.where(scores > 6, -1, np.where(scores < -6, 0, -sig))
        gradients = (positive * as_positive + negative * as_negative) * self.alpha
        self.update(self.ns_vectors, outputs, inputs, gradients.astype(np.float32))
