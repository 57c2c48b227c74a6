"""Signals that end a job, turned into an exception so that the job stops cleanly.

A job under cron, nohup, a batch system or an ssh session can be told to stop by many
signals: SIGTERM (kill, timeout, a scheduler's time limit), SIGINT (Ctrl-C), SIGHUP (the
terminal or ssh session closed), SIGQUIT, SIGUSR1/2, SIGALRM, SIGXCPU (a CPU-time limit)
and others whose default action is to end the process on the spot, skipping every
cleanup. Each of them here raises `Stopped` in the main thread instead: the workers stop,
temporary files are removed (a checkpoint is saved if asked for) and the exit status is
128 + the signal's number, as a shell reports a process killed by it.

A signal that was ignored when w2v started stays ignored: `nohup w2v train ...` must
survive its terminal closing. SIGKILL cannot be caught; see w2v.outputs for what
happens to the temporary files of a killed run.
"""
import contextlib
import signal
import threading

from .errors import Stopped

_NAMES = ("SIGHUP", "SIGINT", "SIGQUIT", "SIGTERM", "SIGUSR1", "SIGUSR2", "SIGALRM",
          "SIGVTALRM", "SIGPROF", "SIGXCPU", "SIGPWR", "SIGIO", "SIGSTKFLT")


def terminating_signals():
    """The catchable signals whose default action ends the process."""
    found = [getattr(signal, name) for name in _NAMES if hasattr(signal, name)]
    if hasattr(signal, "SIGRTMIN"):
        found += range(signal.SIGRTMIN, signal.SIGRTMAX + 1)
    return sorted(set(int(s) for s in found))


def describe(signum):
    if signum == signal.SIGINT:
        return "interrupted (Ctrl-C)"
    try:
        name = signal.Signals(signum).name
    except ValueError:
        name = f"signal {signum}"
    return f"stopped by {name}"


def _raise_stopped(signum, frame):
    raise Stopped(signum, describe(signum))


@contextlib.contextmanager
def _handled_by(signums, handler):
    """Within the block, `handler` handles each of `signums` (those it can be set for);
    their previous handlers come back after it."""
    previous = {}
    for signum in signums:
        try:
            previous[signum] = signal.signal(signum, handler)
        except (OSError, ValueError, RuntimeError):
            pass
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _handlers_now(signums):
    """(signum, current handler) for each of `signums` whose handler can be read."""
    for signum in signums:
        try:
            yield signum, signal.getsignal(signum)
        except (OSError, ValueError):
            continue


@contextlib.contextmanager
def stop_on_signals():
    """Within the block, every terminating signal not ignored at start raises Stopped."""
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may set handlers (main() called from a thread)
        return
    # a signal ignored (nohup, a background job) or handled by our host program is left
    default = [signum for signum, current in _handlers_now(terminating_signals())
               if current in (signal.SIG_DFL, signal.default_int_handler)]
    with _handled_by(default, _raise_stopped):
        yield


@contextlib.contextmanager
def deferred(stopping=False):
    """Within the block, terminating signals handled by stop_on_signals are noted, not
    raised: a checkpoint being written is finished whole (a second Ctrl-C, or SIGTERM
    after SIGINT, must not leave a job with no checkpoint, or with a stale one). After
    the block the first signal noted raises Stopped, unless `stopping` (the job is
    stopping already: it ends with the first signal's status)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted = []
    ours = [signum for signum, current in _handlers_now(terminating_signals())
            if current is _raise_stopped]
    with _handled_by(ours, lambda signum, frame: noted.append(signum)):
        yield
    if noted and not stopping:
        _raise_stopped(noted[0], None)
