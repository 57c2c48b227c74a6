"""The exceptions for mistakes a user can make, and the exit statuses they end in.

Anything raised as `UserError` is reported by the command line as a single line on
stderr with a non-zero exit and no traceback; everything else is a bug and keeps
its traceback.

Exit statuses (documented in the README, "Running unattended"):

    0    success
    1    an input or output problem: a missing, unreadable or corrupt file, a full disk,
         an empty corpus, training that diverged
    2    a usage error: an unknown option, a bad or out-of-range value, a missing argument
         (the same in the click form, the word2vec.c form and every subcommand)
    3    a quality gate failed: `w2v eval ... --fail-under X` scored below X
    4    `--resume`: the checkpoint can never be resumed (damaged, not a checkpoint, or
         its corpus changed or gone): drop it and train afresh
    128+N  stopped by signal N: 130 Ctrl-C (SIGINT), 143 SIGTERM, 129 SIGHUP, ...
"""

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_BELOW_THRESHOLD = 3
EXIT_CHECKPOINT_UNUSABLE = 4
EXIT_SIGNAL_BASE = 128


class UserError(Exception):
    """A problem with the user's input, files or environment (bad path, empty corpus...)."""
    exit_code = EXIT_ERROR


class UsageError(UserError):
    """An option or argument that cannot be used as given (unknown, out of range...)."""
    exit_code = EXIT_USAGE


class BelowThreshold(UserError):
    """A quality gate (`--fail-under`) was not met: the vectors should not be published."""
    exit_code = EXIT_BELOW_THRESHOLD


class CheckpointUnusable(UserError):
    """A checkpoint that no later attempt can resume: damaged, a model file, options this
    w2v refuses, or a corpus that changed or is gone. A status of its own, so that a
    script drops the checkpoint on this one only: after any other failure (a full disk
    while writing the outputs, with the trained state kept in the checkpoint) the same
    `--resume` succeeds once the problem is fixed, and dropping it loses the training."""
    exit_code = EXIT_CHECKPOINT_UNUSABLE


class Stopped(BaseException):
    """A terminating signal (SIGTERM, SIGHUP, Ctrl-C's SIGINT ...) as an exception, so that
    it unwinds like Ctrl-C: workers stopped, temporary files removed, maybe a checkpoint
    saved. A BaseException, like KeyboardInterrupt, so that `except Exception` in library
    code does not swallow it."""

    def __init__(self, signum, name):
        super().__init__(name)
        self.signum = signum
        self.name = name

    @property
    def exit_code(self):
        return EXIT_SIGNAL_BASE + self.signum
