"""What a run prints while it works: plain lines, the bar's fallback, the loss shown."""
import io
import os
import re

from w2v import console, progress as progress_module
from w2v.config import TrainConfig
from w2v.progress import Progress
from w2v.trainer import train

from conftest import planted_corpus


def test_plain_lines_come_once_per_step():
    stream = io.StringIO()
    p = Progress("lines", stream)
    for percent in [0.1, 3, 4.9, 5.2, 16.6, 17, 31.8, 46.1, 99, 100]:
        p.update(percent / 100, 1000, 0.025, 2.5, 1.0)
    shown = [float(m) for m in re.findall(r"Progress:\s+([\d.]+)%", stream.getvalue())]
    assert shown == [0.1, 5.2, 16.6, 31.8, 46.1, 99, 100]


def test_no_loss_yet_is_not_a_zero():
    stream = io.StringIO()
    Progress("lines", stream).update(0.01, 1000, 0.025, None, 1.0)
    assert "avg.loss: -" in stream.getvalue()


def test_a_terminal_without_a_size_gets_plain_lines(monkeypatch):
    monkeypatch.setattr(console, "stderr_is_terminal", lambda: True)
    monkeypatch.setattr(progress_module.shutil, "get_terminal_size", lambda fallback: os.terminal_size((0, 0)))
    assert Progress("auto").mode == "lines"
    monkeypatch.setattr(progress_module.shutil, "get_terminal_size", lambda fallback: os.terminal_size((80, 24)))
    assert Progress("auto").mode == "bar"


def test_run_report_orders_passes_and_never_shows_a_placeholder_loss(tmp_path, monkeypatch):
    corpus = tmp_path / "c.txt"
    planted_corpus(corpus, lines=6000)
    from w2v import run
    monkeypatch.setattr(run, "BATCH_BYTES", 8192)
    monkeypatch.setattr(run, "REPORT_INTERVAL", 0.01)
    stream = io.StringIO()
    train(TrainConfig(corpus=[str(corpus)], size=10, min_count=1, iter=4, threads=2,
                      debug=2), progress=Progress("lines", stream))
    text = stream.getvalue()
    assert "avg.loss: 0.0000" not in text
    passes = [int(m) for m in re.findall(r"^Pass (\d+)/4", text, re.M)]
    assert passes == [1, 2, 3, 4]
