"""What a training run tells its user while it works, on stderr.

A tqdm bar on a terminal (fastText's line is the model: progress, words/s per thread,
learning rate, average loss, ETA); plain lines otherwise, so cron logs and Makefile
output stay readable: one line at the first update after progress passes each multiple
of 5 % (a fast run may pass several multiples between two updates: one line then);
nothing when quiet. A terminal that reports a width of 0 (`script`, some CI consoles)
gets the plain lines too. Writing goes through w2v.console: if stderr is closed or its
reader has gone, the messages are dropped and training goes on.
"""
import shutil
import time

from tqdm import tqdm

from . import console

PLAIN_LINE_STEP = 5.0  # percent between two plain progress lines


def format_duration(seconds):
    seconds = int(max(seconds, 0))
    return f"{seconds // 3600}h{seconds // 60 % 60:2d}m{seconds % 60:2d}s"


def _usable_terminal():
    """stderr is a terminal with a known, non-zero width."""
    if not console.stderr_is_terminal():
        return False
    try:
        return shutil.get_terminal_size((0, 0)).columns > 0
    except (OSError, ValueError):
        return False


class Progress:
    """Reports training progress; `mode` is "bar", "lines" or "quiet" ("auto" picks)."""

    def __init__(self, mode="auto", stream=None):
        self.stream = stream or console.SafeStderr()
        if mode == "auto":
            mode = "bar" if _usable_terminal() else "lines"
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
            self.stream.write(text + "\n")
            self.stream.flush()

    def update(self, fraction, words_per_sec_thread, alpha, loss, elapsed):
        if self.mode == "quiet":
            return
        percent = 100.0 * min(max(fraction, 0.0), 1.0)
        eta = elapsed * (1 - fraction) / fraction if fraction > 0 else 0
        shown_loss = "-" if loss is None else f"{loss:.4f}"
        stats = (f"words/sec/thread: {words_per_sec_thread:8.0f} lr: {alpha:.6f} "
                 f"avg.loss: {shown_loss} ETA: {format_duration(eta)}")
        if self.mode == "bar":
            if self._bar is None:
                self._bar = tqdm(total=100, file=self.stream, unit="%", leave=True,
                                 bar_format="Progress: {percentage:5.1f}% |{bar:20}| {desc}")
            self._bar.n = percent
            self._bar.set_description_str(stats, refresh=True)
        elif percent >= self._next_line_at:
            self.stream.write(f"Progress: {percent:5.1f}% {stats}\n")
            self.stream.flush()
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
