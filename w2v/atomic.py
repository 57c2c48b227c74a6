"""Write output files so that a reader never sees a half-written one.

Data goes to a temporary file in the destination's directory, which is renamed over
the destination only once everything was written and flushed. An exception (or
Ctrl-C, or SIGTERM: see cli.py) removes the temporary file and leaves any previous file
untouched.
"""
import contextlib
import os
import tempfile

from .errors import UserError


def check_writable(path):
    """Fail early (before hours of training) if `path` cannot be created."""
    directory = os.path.dirname(os.path.abspath(path)) or "."
    if os.path.isdir(path):
        raise UserError(f"output path is a directory: {path}")
    if not os.path.isdir(directory):
        raise UserError(f"output directory does not exist: {directory}")
    if not os.access(directory, os.W_OK | os.X_OK):
        raise UserError(f"output directory is not writable: {directory}")
    if os.path.exists(path) and not os.access(path, os.W_OK):
        raise UserError(f"output file is not writable: {path}")


@contextlib.contextmanager
def atomic_output(path, mode="wb"):
    """Open a temporary sibling of `path` for writing; rename it to `path` on success."""
    check_writable(path)
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp_path = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".",
                                        suffix=".tmp", dir=directory)
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        # mkstemp creates 0600 files; give the result the usual umask-based mode.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)
        os.replace(tmp_path, path)
    except OSError as exc:
        _remove_quietly(tmp_path)
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        _remove_quietly(tmp_path)
        raise


def _remove_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass
