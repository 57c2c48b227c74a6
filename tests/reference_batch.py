"""A plain NumPy version of the batched skip-gram update (--batch), to check the C kernel.

For each position: the k context rows I and the position's output rows O (the target's
Huffman path, or the target and negatives drawn once), then S = I O^T, the gradients G,
E = G O, O += G^T I and I += E, every product from the values before the position's
updates (hierarchical softmax first, then negative sampling on the updated inputs, as
the kernel does). Generator draws in the kernel's order: the window, then the negatives.
"""
import numpy as np

from reference_word2vec import ReferenceTrainer


class BatchReferenceTrainer(ReferenceTrainer):
    def sigmoids(self, scores):
        index = np.clip(((scores + 6) * 83).astype(np.int64), 0, len(self.sigmoid_table) - 1)
        return self.sigmoid_table[index]

    def update(self, matrix, rows, context, gradients):
        inputs = self.input_vectors[context].copy()
        outputs = matrix[rows].copy()
        np.add.at(matrix, rows, (gradients.T @ inputs).astype(np.float32))
        np.add.at(self.input_vectors, context, (gradients @ outputs).astype(np.float32))

    def train_sentence(self, sentence):
        assert not self.cbow, "the batched mode is for skip-gram"
        for pos, word in enumerate(sentence):
            b = self.rand() % self.window
            context = [sentence[pos - self.window + a] for a in range(b, 2 * self.window + 1 - b)
                       if a != self.window and 0 <= pos - self.window + a < len(sentence)]
            if not context:
                continue
            if self.hs:
                length = self.code_lengths[word]
                nodes = self.points[word, :length]
                labels = 1 - self.codes[word, :length].astype(np.float32)
                scores = self.input_vectors[context] @ self.hs_vectors[nodes].T
                inside = (scores > -6) & (scores < 6)
                gradients = np.where(inside, (labels - self.sigmoids(scores)) * self.alpha, 0)
                self.update(self.hs_vectors, nodes, context, gradients.astype(np.float32))
            if self.negative > 0:
                targets, labels = [word], [1.0]
                for _ in range(self.negative):
                    r = self.rand()
                    target = self.draw_negative(r)
                    if target == 0:
                        target = r % (len(self.input_vectors) - 1) + 1
                    if target != word:
                        targets.append(target)
                        labels.append(0.0)
                labels = np.array(labels, np.float32)
                scores = self.input_vectors[context] @ self.ns_vectors[targets].T
                gradients = np.where(scores > 6, labels - 1,
                                     np.where(scores < -6, labels, labels - self.sigmoids(scores)))
                self.update(self.ns_vectors, targets, context,
                            (gradients * self.alpha).astype(np.float32))
