"""Options: word2vec.c's flags and defaults, the click form, and validation."""
import pytest

import w2v

from w2v.config import TrainConfig
from w2v.errors import UserError
from w2v.word2vec_c_flags import is_word2vec_c_form, parse_word2vec_c_flags


def test_word2vec_c_defaults():
    c = parse_word2vec_c_flags(["-train", "data.txt"])
    assert (c.size, c.window, c.sample, c.hs, c.negative, c.threads, c.iter, c.min_count) == \
        (100, 5, 1e-3, False, 5, 12, 5, 5)
    assert c.cbow and not c.binary and c.debug == 2 and c.classes == 0 and c.output is None
    assert c.starting_alpha == 0.05  # CBOW
    assert parse_word2vec_c_flags(["-train", "d", "-cbow", "0"]).starting_alpha == 0.025


def test_every_word2vec_c_flag_is_understood():
    c = parse_word2vec_c_flags(
        "-train in.txt -output out.bin -size 200 -window 8 -sample 1e-4 -hs 1 -negative 25 "
        "-threads 20 -iter 15 -min-count 3 -alpha 0.1 -classes 7 -debug 0 -binary 1 "
        "-save-vocab v.txt -read-vocab r.txt -cbow 0".split())
    assert c == TrainConfig(corpus=["in.txt"], output="out.bin", size=200, window=8, sample=1e-4,
                            hs=True, negative=25, threads=20, iter=15, min_count=3, alpha=0.1,
                            classes=7, debug=0, binary=True, save_vocab="v.txt",
                            read_vocab="r.txt", cbow=False)


@pytest.mark.parametrize("argv, message", [
    (["-train", "d", "-hs"], "argument missing for -hs"),
    (["-train", "d", "-sizes", "3"], "unknown option -sizes"),
    (["-train", "d", "-size", "big"], "-size needs an integer, got 'big'"),
    (["-train", "d", "-size", "3", "-size", "4"], "option -size given twice"),
    (["-output", "o"], "-train <file> is required"),
])
def test_word2vec_c_form_mistakes(argv, message):
    with pytest.raises(UserError, match=message):
        parse_word2vec_c_flags(argv)


def test_which_form():
    assert is_word2vec_c_form(["-train", "x"])
    assert is_word2vec_c_form(["-min-count", "3"])
    assert not is_word2vec_c_form(["train", "x"])
    assert not is_word2vec_c_form(["--help"])
    assert not is_word2vec_c_form(["-h"])
    assert not is_word2vec_c_form([])


@pytest.mark.parametrize("change, message", [
    (dict(size=0), r"--size must be between 1 and 100,000 \(got 0\)"),
    (dict(window=0), "--window must be between 1"),
    (dict(negative=-1), "--negative must be between 0"),
    (dict(sample=-0.1), "--sample must be between 0 and 1"),
    (dict(threads=0), "--threads must be between 1"),
    (dict(iter=0), "--iter must be between 1"),
    (dict(alpha=0.0), "--alpha must be above 0"),
    (dict(min_alpha=1.0), "--min-alpha must be between 0 and --alpha"),
    (dict(pass_decay=0.0), r"--pass-decay must be above 0 and at most 1 \(got 0.0\)"),
    (dict(pass_decay=1.5), "--pass-decay must be above 0 and at most 1"),
    (dict(pass_decay=float("nan")), "--pass-decay must be a finite number"),
    (dict(batch_positions=2), "--batch-positions shares negatives between positions: it "
                              "needs --batch and negative sampling"),
    (dict(cbow=False, batch=True, negative=0, hs=True, batch_positions=2),
     "needs --batch and negative"),
    (dict(cbow=False, batch=True, batch_positions=0), "--batch-positions must be between 1 and 64"),
    (dict(cbow=False, batch=True, batch_positions=65), "--batch-positions must be between 1"),
    (dict(hs=False, negative=0), "nothing to train"),
    (dict(softmax=True), "softmax is an alternative"),
    (dict(hs=True, negative=0, output_vectors="output"), "need negative sampling or softmax"),
    (dict(corpus=[]), "no training corpus"),
    # what the Python API, a model's or a checkpoint's options can hold besides
    (dict(sample=1e-300), r"--sample must be 0 \(off\) or at least 1e-30"),  # float32: 0
    (dict(sample=1e-40), r"--sample must be 0 \(off\) or at least 1e-30"),   # keeps nothing
    (dict(sample=None), "--sample must be a finite number"),
    (dict(hs="no"), "--hs must be true or false"),
    (dict(cbow=1), "--cbow must be true or false"),
    (dict(output=123), "--output must be a path"),
    (dict(save_model=["m"]), "--save-model must be a path"),
    (dict(corpus="x.txt"), "the corpus must be a list of paths"),
    (dict(threads=None), r"--threads must be a whole number \(got None\)"),
    (dict(window=None), r"--window must be a whole number \(got None\)"),
])
def test_validation(change, message):
    config = TrainConfig(corpus=["x"])
    for key, value in change.items():
        setattr(config, key, value)
    with pytest.raises(UserError, match=message):
        config.validate()


def test_preset_best_turns_on_the_measured_improvements_and_given_options_win():
    from w2v.trainer import make_config
    plain = make_config(["x"])
    assert (plain.ns_saturation, plain.init_scale, plain.sample_bits, plain.pass_decay) == \
        ("update", 1.0, "low", 1.0)  # word2vec.c's updates
    best = make_config(["x"], preset="best")
    assert (best.ns_saturation, best.init_scale, best.sample_bits, best.pass_decay) == \
        ("skip", 2.0, "high", 0.5)
    assert make_config(["x"], preset="best", pass_decay=1.0).pass_decay == 1.0


@pytest.mark.parametrize("corpus, options, message", [
    (123, {}, r"the corpus must be a path or a list of paths \(got 123\)"),
    (None, {}, r"the corpus must be a path or a list of paths \(got None\)"),
    ("x.txt", {"preset": []}, r"--preset must be one of word2vec, best \(got \[\]\)"),
    ("x.txt", {"preset": ""}, r"--preset must be one of word2vec, best \(got ''\)"),
    ("x.txt", {"threads": None}, r"--threads must be a whole number \(got None\)"),
])
def test_api_misuse_is_a_usage_error(corpus, options, message):
    # before: a TypeError from deep inside, or (an empty preset) silently the default
    with pytest.raises(UserError, match=message):
        w2v.train(corpus, **options)


def test_paths_may_be_bytes_or_path_objects_in_the_library(tmp_path):
    import pathlib
    from w2v.trainer import make_config
    config = make_config([b"a.txt", pathlib.Path("b.txt")], output=b"v.txt",
                         save_vocab=pathlib.Path("voc.txt"))
    assert (config.corpus, config.output, config.save_vocab) == (["a.txt", "b.txt"], "v.txt",
                                                                 "voc.txt")
    config.validate()


@pytest.mark.parametrize("argv, where", [
    (["train", "--resume"], "w2v train"),
    (["train", "c.txt", "--size"], "w2v train"),
    (["similar", "v.txt", "--top"], "w2v similar"),
    (["eval", "similarity", "v.txt", "p.tsv", "--limit"], "w2v eval similarity"),
    (["train", "c.txt", "--bogus"], "w2v train"),
    (["nosuchcommand"], "w2v"),
])
def test_a_usage_error_points_to_the_help_of_its_command(capsys, argv, where):
    """An option missing its value is raised by click's parser without its command."""
    from w2v.cli import main
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.endswith(f"(see '{where} --help')\n") and err.count("\n") == 1, err


@pytest.mark.parametrize("argv, expected", [
    # word2vec.c's habits inside a command line of ours
    (["train", "c.txt", "--hs", "1"], "no corpus file named 1: --hs, --cbow, --binary and "
                                      "the other on/off options take no value here"),
    (["train", "c.txt", "--cbow", "0", "-o", "v.txt"], "no corpus file named 0"),
    (["train", "c.txt", "-hs", "1"], "No such option '-s'; word2vec.c's -hs is read only "
                                     "when the whole command line is in its form"),
    (["train", "c.txt", "-o", "v.txt", "-min-count", "3"], "here write --min-count"),
])
def test_word2vec_c_habits_get_a_hint(tmp_path, monkeypatch, capsys, argv, expected):
    from w2v.cli import main
    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.txt").write_text("a b c\n")
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert expected in err and err.count("\n") == 1, err
    assert not (tmp_path / "v.txt").exists()
