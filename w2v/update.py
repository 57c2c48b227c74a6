"""Continuing a saved model on new text: `w2v train --from-model OLD NEW... [--update-vocab]`.

The new text is counted first (the learning-rate schedule and the progress need its
length). Then:

- without `--update-vocab`, the model's vocabulary is kept: words of the new text it does
  not know are skipped, as word2vec.c skips words outside a -read-vocab vocabulary, and
  the counts (hence subsampling and the noise distribution) stay the model's;
- with `--update-vocab` (gensim's `build_vocab(update=True)`): the new counts are added
  to the model's, words new to the model that reach --min-count in the new text are
  added (input rows initialised as fresh ones are, output rows at zero), the vocabulary
  is sorted again by count (rows move with their words, so that the first rows stay the
  most frequent words, as --limit and the evaluations expect), and subsampling and the
  noise distribution follow the merged counts.

Hierarchical softmax is where gensim goes wrong: it rebuilds the Huffman tree from the
merged counts but keeps the output matrix (syn1) row for row. Those rows belong to inner
nodes, numbered by the tree's construction; a rebuilt tree hands the old rows to other
nodes, so every old word's path now runs through rows learnt for other paths, and the
learnt output layer is scrambled. Here the old tree is kept and grown instead: the new
words get a Huffman subtree of their own (from their counts), hung with a new inner node
in place of a leaf whose code is never used in training (`</s>`'s: it ends sentences and
is never predicted) or, if that leaf is too deep, of the rarest leaf with room (whose
code grows by one bit). Every other old word keeps its code and its path of learnt
rows; the new inner nodes start at zero, as fresh ones do.
"""
import dataclasses
from typing import Optional

import numpy as np

from . import _text, _train
from .errors import UsageError, UserError
from .model import Huffman, Model
from .vocab import MAX_CODE_LENGTH, Vocab, count_words


@dataclasses.dataclass
class Continued:
    vocab: Vocab
    matrices: dict
    huffman: Optional[Huffman]
    schedule_words: int   # words of the new text in the vocabulary, `</s>` included
    added: int = 0        # words new to the model


def continue_model(model: Model, corpus, config, progress=None) -> Continued:
    """The vocabulary, matrices and tree to train `model` further on `corpus`."""
    if model.is_checkpoint:
        raise UserError(f"{config.from_model} is a checkpoint: continue it with --resume")
    if config.size != model.dim:
        raise UsageError(f"--size {config.size} differs from the model's {model.dim} "
                         "dimensions")
    words, counts, _ = count_words(corpus, config.max_vocab, progress, config.threads)
    matrices = {name: getattr(model, name) for name in
                ("input_vectors", "ns_vectors", "hs_vectors", "softmax_vectors")
                if getattr(model, name) is not None}
    matrices = {name: np.array(m, dtype=np.float32) for name, m in matrices.items()}
    known = {w: i for i, w in enumerate(model.vocab.words)}
    new_counts = np.zeros(len(model.vocab), np.int64)
    added_words, added_counts = [], []
    for word, count in zip(words, counts.tolist()):
        row = known.get(word)
        if row is not None:
            new_counts[row] += count
        elif config.update_vocab and count >= config.min_count:
            added_words.append(word)
            added_counts.append(count)
    if not config.update_vocab:
        schedule = int(new_counts.sum())
        if schedule <= new_counts[0]:
            raise UserError(f"no word of corpus {corpus} is in the model's vocabulary "
                            "(add them with --update-vocab)")
        return Continued(model.vocab, matrices, model.huffman, schedule)

    if not added_words and new_counts.sum() <= new_counts[0]:
        raise UserError(f"no word of corpus {corpus} is in the model's vocabulary, and no "
                        f"new word appears at least --min-count {config.min_count} times")
    old_size = len(model.vocab)
    merged = np.concatenate([model.vocab.counts + new_counts,
                             np.asarray(added_counts, np.int64)])
    all_words = list(model.vocab.words) + added_words
    huffman = model.huffman
    if added_words:
        fresh = _train.init_input_vectors(len(all_words), model.dim, config.seed)[old_size:]
        for name in list(matrices):
            extra = fresh if name == "input_vectors" else np.zeros_like(fresh)
            matrices[name] = np.concatenate([matrices[name], extra])
        if huffman is not None:
            huffman = grow_tree(huffman, model.vocab.counts, np.asarray(added_counts))
    # Sort again by count, `</s>` first, ties in the old order then first-seen order.
    order = np.concatenate([[0], 1 + np.argsort(-merged[1:], kind="stable")])
    vocab = Vocab([all_words[i] for i in order], merged[order])
    matrices = {name: _rows_in_order(m, order) for name, m in matrices.items()
                if name != "hs_vectors"} | \
        ({"hs_vectors": matrices["hs_vectors"]} if "hs_vectors" in matrices else {})
    if huffman is not None:
        huffman = Huffman(huffman.codes[order], huffman.points[order], huffman.lengths[order])
    schedule = int(new_counts.sum()) + sum(added_counts)
    return Continued(vocab, matrices, huffman, schedule, len(added_words))


def grow_tree(huffman: Huffman, old_counts, added_counts) -> Huffman:
    """The old tree with a subtree for the added words (rows old_size.. in the result);
    see the module's docstring."""
    old_size, added = len(old_counts), len(added_counts)
    # The added words' own tree, built over them sorted by count as word2vec.c expects.
    by_count = np.argsort(-added_counts, kind="stable")
    if added >= 2:
        sub_codes, sub_points, sub_lengths = _text.huffman(added_counts[by_count],
                                                           MAX_CODE_LENGTH)
    else:
        sub_codes = np.zeros((1, MAX_CODE_LENGTH), np.uint8)
        sub_points = np.zeros((1, MAX_CODE_LENGTH), np.int32)
        sub_lengths = np.zeros(1, np.int32)
    depth = int(sub_lengths.max())
    leaf = _leaf_to_split(huffman.lengths, old_counts, MAX_CODE_LENGTH - 1 - depth)
    joint = old_size - 1          # the new inner node: the old matrix's one unused row
    offset = old_size             # the subtree's inner nodes come after it

    codes = np.zeros((old_size + added, MAX_CODE_LENGTH), np.uint8)
    points = np.zeros((old_size + added, MAX_CODE_LENGTH), np.int32)
    lengths = np.zeros(old_size + added, np.int32)
    codes[:old_size], points[:old_size], lengths[:old_size] = \
        huffman.codes, huffman.points, huffman.lengths
    base = int(lengths[leaf])
    points[leaf, base], codes[leaf, base] = joint, 0
    lengths[leaf] = base + 1
    for sub_row, word in enumerate(by_count):
        row = old_size + word
        n = int(sub_lengths[sub_row])
        codes[row, :base] = huffman.codes[leaf, :base]
        points[row, :base] = huffman.points[leaf, :base]
        codes[row, base], points[row, base] = 1, joint
        codes[row, base + 1:base + 1 + n] = sub_codes[sub_row, :n]
        points[row, base + 1:base + 1 + n] = sub_points[sub_row, :n] + offset
        lengths[row] = base + 1 + n
    return Huffman(codes, points, lengths)


def _leaf_to_split(lengths, counts, max_length):
    """`</s>` (row 0) when it has room, else the rarest leaf that has."""
    if lengths[0] <= max_length:
        return 0
    room = np.flatnonzero(lengths <= max_length)
    if not len(room):
        raise UserError("the vocabulary's Huffman tree has no room for the new words: "
                        "continue with negative sampling instead of --hs")
    return int(room[np.argmin(counts[room])])


def _rows_in_order(matrix, order):
    """matrix[order] in a training matrix (rows on cache lines: _train.training_matrix)."""
    rows = _train.training_matrix(len(order), matrix.shape[1])
    np.take(matrix, order, axis=0, out=rows)
    return rows
