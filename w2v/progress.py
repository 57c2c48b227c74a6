"""What a training run tells its user while it works, on stderr.

A tqdm bar on a terminal (fastText's line is the model: progress, words/s per thread,
learning rate, average loss, ETA); plain lines every few percent when stderr is not a
terminal, so cron logs and Makefile output stay readable; nothing when quiet.
"""
import sys
import time

from tqdm import tqdm

PLAIN_LINE_STEP = 5.0  # percent between two plain progress lines


def format_duration(seconds):
    seconds = int(max(seconds, 0))
    return f"{seconds // 3600}h{seconds // 60 % 60:2d}m{seconds % 60:2d}s"


class Progress:
    """Reports training progress; `mode` is "bar", "lines" or "quiet" ("auto" picks)."""

    def __init__(self, mode="auto", stream=None):
        self.stream = stream or sys.stderr
        if mode == "auto":
            mode = "bar" if self.stream.isatty() else "lines"
        self.mode = mode
        self._bar = None
        self._next_line_at = 0.0

    def info(self, text):
        """A one-off line (vocabulary size, pass summaries...)."""
        if self.mode == "quiet":
            return
        if self._bar is not None:
            self._bar.write(text, file=self.stream)
        else:
            print(text, file=self.stream, flush=True)

    def update(self, fraction, words_per_sec_thread, alpha, loss, elapsed):
        if self.mode == "quiet":
            return
        percent = 100.0 * min(max(fraction, 0.0), 1.0)
        eta = elapsed * (1 - fraction) / fraction if fraction > 0 else 0
        stats = (f"words/sec/thread: {words_per_sec_thread:8.0f} lr: {alpha:.6f} "
                 f"avg.loss: {loss:.4f} ETA: {format_duration(eta)}")
        if self.mode == "bar":
            if self._bar is None:
                self._bar = tqdm(total=100, file=self.stream, unit="%", leave=True,
                                 bar_format="Progress: {percentage:5.1f}% |{bar:20}| {desc}")
            self._bar.n = percent
            self._bar.set_description_str(stats, refresh=True)
        elif percent >= self._next_line_at:
            print(f"Progress: {percent:5.1f}% {stats}", file=self.stream, flush=True)
            self._next_line_at = (percent // PLAIN_LINE_STEP + 1) * PLAIN_LINE_STEP

    def close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None


class Stopwatch:
    def __init__(self):
        self.start = time.perf_counter()

    def elapsed(self):
        return time.perf_counter() - self.start
