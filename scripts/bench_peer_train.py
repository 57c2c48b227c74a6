"""Train gensim or fastText with word2vec.c's hyperparameters and save word2vec binary vectors.

Run by bench.py as its own process, so that the benchmark's wall time, CPU time and peak
RSS cover everything a user of that library pays for: interpreter start, imports,
vocabulary scan, training and writing the vectors -- the same span as `./word2vec`.
Prints one JSON line on stdout with the phases' own timings.

    python scripts/bench_peer_train.py gensim CORPUS OUT.bin --cbow 0 --hs 0 --negative 5 ...

Modes:
  gensim       Word2Vec(corpus_file=...): gensim's fastest documented mode (one reader per
               worker thread, no Python per sentence). It reads *lines*; on a one-line corpus
               like text8 it trains on far fewer words than it should, so bench.py gives it
               the corpus cut into lines of 1000 tokens (word2vec.c's own sentence cap).
               The trained word count gensim returns is checked here.
  gensim-iter  Word2Vec(sentences=LineSentence(...)): the iterable mode (one Python producer
               thread feeding the workers), on the same 1000-token lines.
  fasttext     fasttext.train_unsupervised with subwords off (minn=0, maxn=0; then
               fastText also drops its hash buckets), loss ns or hs.
"""
import argparse
import json
import sys
import time


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("mode", choices=["gensim", "gensim-iter", "fasttext"])
    p.add_argument("corpus")
    p.add_argument("output")
    p.add_argument("--cbow", type=int, required=True)
    p.add_argument("--hs", type=int, required=True)
    p.add_argument("--negative", type=int, required=True)
    p.add_argument("--size", type=int, required=True)
    p.add_argument("--window", type=int, required=True)
    p.add_argument("--sample", type=float, required=True)
    p.add_argument("--min-count", type=int, required=True)
    p.add_argument("--iter", type=int, required=True)
    p.add_argument("--alpha", type=float, required=True)
    p.add_argument("--threads", type=int, required=True)
    p.add_argument("--expected-words", type=int, default=0,
                   help="corpus tokens: fail if gensim reads fewer than 99%% of them per pass")
    return p.parse_args(argv)


def write_word2vec_binary(path, words, matrix):
    """word2vec.c's binary format: 'V D\\n', then per word: bytes, space, D float32, '\\n'."""
    from w2v.formats import write_vectors  # w2v's own writer, loaded only once trained

    write_vectors(path, words, matrix, binary=True)


def gensim_in_word2vec_order(wv):
    """gensim's words and vectors with tied counts in word2vec.c's order.

    Both list words by falling count, but word2vec.c breaks ties by first occurrence in
    the corpus and gensim (KeyedVectors.sort_by_descending_frequency) by last first
    occurrence. Scored by compute-accuracy's rules (the first 30,000 words of the file),
    gensim's file then answers a different set of questions: on the shared corpus 11,863
    instead of 11,911, and the same vectors score about 0.13 point higher that way. In
    word2vec.c's order every implementation answers the same questions."""
    import numpy as np

    counts = np.asarray([wv.get_vecattr(word, "count") for word in wv.index_to_key])
    # gensim's index i within a run of equal counts is the reverse of first occurrence
    order = np.lexsort((-np.arange(len(counts)), -counts))
    return [wv.index_to_key[i] for i in order], wv.vectors[order]


def train_gensim(args, phases, info):
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence

    # word2vec.c decays alpha linearly to a floor of alpha * 1e-4; gensim decays linearly
    # to min_alpha, so this is the same schedule. cbow_mean=1 is word2vec.c's average.
    model = Word2Vec(vector_size=args.size, window=args.window, min_count=args.min_count,
                     sample=args.sample, sg=0 if args.cbow else 1, hs=args.hs,
                     negative=args.negative, cbow_mean=1, alpha=args.alpha,
                     min_alpha=args.alpha * 1e-4, workers=args.threads, epochs=args.iter,
                     seed=1)
    t = time.perf_counter()
    if args.mode == "gensim":
        model.build_vocab(corpus_file=args.corpus)
        phases["vocab"] = time.perf_counter() - t
        t = time.perf_counter()
        trained, raw = model.train(corpus_file=args.corpus, total_words=model.corpus_total_words,
                                   epochs=args.iter)
    else:
        sentences = LineSentence(args.corpus, max_sentence_length=10000)
        model.build_vocab(sentences)
        phases["vocab"] = time.perf_counter() - t
        t = time.perf_counter()
        trained, raw = model.train(sentences, total_examples=model.corpus_count, epochs=args.iter)
    phases["train"] = time.perf_counter() - t
    info.update(vocab=len(model.wv), corpus_words=model.corpus_total_words,
                raw_words_trained=raw, effective_words_trained=trained)
    if args.expected_words and raw < 0.99 * args.expected_words * args.iter:
        raise SystemExit(f"gensim read {raw} words in {args.iter} passes, expected "
                         f"{args.expected_words * args.iter}: this mode does not train the corpus")
    t = time.perf_counter()
    words, matrix = gensim_in_word2vec_order(model.wv)
    write_word2vec_binary(args.output, [w.encode("utf-8") for w in words], matrix)
    phases["save"] = time.perf_counter() - t


def train_fasttext(args, phases, info):
    import fasttext

    t = time.perf_counter()
    # No vocabulary phase of its own: train_unsupervised counts, then trains.
    model = fasttext.train_unsupervised(
        input=args.corpus, model="cbow" if args.cbow else "skipgram", dim=args.size,
        ws=args.window, epoch=args.iter, minCount=args.min_count, t=args.sample,
        loss="hs" if args.hs else "ns", neg=max(args.negative, 1), lr=args.alpha,
        minn=0, maxn=0, wordNgrams=1, thread=args.threads, verbose=0)
    phases["vocab+train"] = time.perf_counter() - t
    t = time.perf_counter()
    words = [w.encode("utf-8") for w in model.get_words(on_unicode_error="replace")]
    matrix = model.get_input_matrix()[: len(words)]
    write_word2vec_binary(args.output, words, matrix)
    phases["save"] = time.perf_counter() - t
    info.update(vocab=len(words))


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.hs and args.negative and args.mode == "fasttext":
        raise SystemExit("fastText has one loss at a time: hs or ns, not both")
    phases, info = {}, {"mode": args.mode}
    start = time.perf_counter()
    if args.mode == "fasttext":
        train_fasttext(args, phases, info)
    else:
        train_gensim(args, phases, info)
    phases["in_process_total"] = time.perf_counter() - start
    info["phases"] = {k: round(v, 3) for k, v in phases.items()}
    print(json.dumps(info))


if __name__ == "__main__":
    main()
