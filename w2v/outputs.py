"""The one way w2v writes files: checked before any work, replaced atomically, never
over an input.

Every command that writes (vectors, vocabulary, classes, phrases, converted files,
models, checkpoints, pictures) first calls `check_outputs` with its inputs and outputs,
which refuses, before any work:

- an empty path, a directory, a missing or read-only directory, a socket or a block device;
- an output that is the same file as an input or as another output (resolved paths and
  device/inode, so symbolic and hard links count), except the pairs a command declares
  safe because it reads the input whole before writing (a checkpoint it resumes from);
- a regular file whose temporary sibling cannot be created (the real name is tried, so a
  name too long for the file system fails here, not after hours of training).

Then `atomic_output(path)` writes a regular file (or a new path) through a temporary
sibling, `.NAME.w2v-PID-XXXX.tmp`, that is flushed, synced and renamed over the target
only when complete; a symbolic link is kept and its target replaced. A character device
or a FIFO (`-o /dev/null`, `-o /dev/stdout`, a named pipe) is written in place instead: it
cannot be replaced, and renaming a file over it would destroy it. `atomic_outputs` does
the same for a pair of files that belong together (a .npy matrix and its word list): both
are written before either is renamed, and if the second rename fails the first target is
restored. Within `replaced_together()`, every output written is part of one such set
(a training run's vectors, vocabulary and model).

Each temporary file is locked (flock) by the process writing it. A run killed with
SIGKILL cannot remove its file, so every later write of the same output first removes
the temporary files of that output that no live process holds.
"""
import bz2
import contextlib
import errno
import fcntl
import gzip
import io
import lzma
import os
import re
import secrets
import stat
import sys
import threading
import time
import zipfile

from . import signals
from .errors import UsageError, UserError

TEMP_MARK = ".w2v-"
TEMP_SUFFIX = ".tmp"
STALE_AFTER_SECONDS = 60  # a temporary file younger than this may be being created
# What this process set out to write and what it finished, for the message after an
# interruption ("not written: vectors.bin; written before the stop: vocab.txt").
_planned = []
_written = []
# Per thread, the outputs of the set being written (see replaced_together): two
# threads of a program using the library each have their own.
_sets = threading.local()


def forget_outputs():
    """Start the records afresh (one command in a process that runs several)."""
    _planned.clear()
    _written.clear()


def planned_outputs():
    """The outputs checked by check_outputs in this process, in order."""
    return list(_planned)


def written_outputs():
    """The paths this process has finished writing, in order."""
    return list(_written)


# ------------------------------------------------------------------------- checking

class Target:
    """An output path resolved: where bytes will really go and how they will get there."""

    def __init__(self, path, what):
        self.path = os.fspath(path)
        self.what = what
        self.real = os.path.realpath(self.path)  # through symbolic links
        self.descriptor = False  # a file named through a file descriptor (/dev/stdout)
        try:
            self.status = os.stat(self.real)
        except FileNotFoundError:
            self.status = None
            # /dev/stdout (/dev/fd/N) on a pipe resolves to "pipe:[N]", no file; the
            # kernel's own link still leads to the pipe, written in place like a FIFO.
            # On a deleted file it resolves to "/tmp/#123 (deleted)": the same.
            try:
                status = os.stat(self.path)
            except OSError:
                status = None
            if status is not None and (stat.S_ISFIFO(status.st_mode)
                                       or stat.S_ISCHR(status.st_mode)
                                       or _through_descriptor(self.path)):
                self.real, self.status = self.path, status
        except OSError as exc:
            raise UserError(f"cannot write {what} {self.path}: {exc.strerror}") from None
        if self.status is not None and stat.S_ISREG(self.status.st_mode) \
                and _through_descriptor(self.path):
            # `-o /dev/stdout >> log.txt`: the file the shell opened, written through
            # that link with its redirection (appended to), never renamed over.
            self.real, self.descriptor = self.path, True

    @property
    def in_place(self):
        """True for a character device, a FIFO, or a file named through a file
        descriptor: written as it is, never replaced."""
        return self.status is not None and (stat.S_ISCHR(self.status.st_mode)
                                            or stat.S_ISFIFO(self.status.st_mode)
                                            or self.descriptor)

    def identity(self):
        if self.status is not None:
            return ("inode", self.status.st_dev, self.status.st_ino)
        return ("path", self.real)


_DESCRIPTORS = re.compile(r"/proc/(?:self|thread-self|\d+)(?:/task/\d+)?/fd")


def _through_descriptor(path):
    """True when `path` leads through a process's file descriptor link: /dev/stdout,
    /dev/fd/N, /proc/self/fd/N (the file a shell opened for `> file` or `>> file`)."""
    current = os.path.abspath(path)
    for _ in range(40):  # the kernel's own limit on links followed
        if _DESCRIPTORS.fullmatch(os.path.realpath(os.path.dirname(current))):
            return True
        try:
            link = os.readlink(current)
        except OSError:
            return False
        current = os.path.normpath(os.path.join(os.path.dirname(current), link))
    return False


def file_name(path, what):
    """os.fspath(path); a UsageError (one line, from the library too) for what is no file
    name at all, such as a number or a list, instead of a TypeError from deep inside."""
    try:
        name = os.fspath(path)
    except TypeError:
        shown = repr(path) if len(repr(path)) <= 60 else f"a {type(path).__name__}"
        raise UsageError(f"the {what} path must be a file name (str, bytes or "
                         f"os.PathLike), not {shown}") from None
    if ("\0" if isinstance(name, str) else b"\0") in name:
        # no file has one; the system calls raise ValueError ("embedded null byte")
        raise UsageError(f"the {what} path {name!r} holds a NUL byte: no file is named so")
    return name


def check_output(path, what="output"):
    """UserError unless `path` can be written as `what`; returns its Target."""
    if path is None or file_name(path, what) == "":
        raise UsageError(f"the {what} path is empty")
    target = Target(path, what)
    mode = target.status.st_mode if target.status else None
    if mode is not None and stat.S_ISDIR(mode):
        raise UserError(f"cannot write {what} {target.path}: it is a directory")
    if mode is not None and not (stat.S_ISREG(mode) or target.in_place):
        kind = "a block device" if stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) \
            else "not a regular file"
        raise UserError(f"cannot write {what} {target.path}: it is {kind}")
    if target.in_place:
        if not os.access(target.real, os.W_OK):
            raise UserError(f"cannot write {what} {target.path}: permission denied")
        return target
    named = os.path.dirname(target.path) or "."
    if not os.path.isdir(named):
        # `-o keep.txt/` or `keep.txt/.`: the system refuses such a name (not a
        # directory), but its real path is keep.txt, which was replaced; `-o new/` made
        # a file called new
        problem = (f"{named} is not a directory" if os.path.exists(named)
                   else f"directory {named} does not exist")
        raise UserError(f"cannot write {what} {target.path}: {problem}")
    directory = os.path.dirname(target.real)
    if not os.path.isdir(directory):
        raise UserError(f"cannot write {what} {target.path}: directory {directory} "
                        "does not exist")
    if mode is not None and not os.access(target.real, os.W_OK):
        raise UserError(f"cannot write {what} {target.path}: the file is read-only")
    # Try the very name the write will use: catches a read-only or full directory and a
    # name that is too long once the temporary prefix and suffix are added.
    with _temporary_sibling(target.real, what, target.path) as (fd, temp_path):
        pass
    return target


def check_outputs(outputs, inputs=(), same_file_allowed=()):
    """Check every output (see check_output) and refuse collisions, before any work.

    `outputs` and `inputs` are (what, path) pairs (paths may be None: skipped);
    `same_file_allowed` lists (input what, output what) pairs that may name one file.
    Returns the Targets of the outputs, in order.
    """
    targets = [check_output(path, what) for what, path in outputs if path is not None]
    seen = {}
    for target in targets:
        key = target.identity()
        # Two outputs may share a character device (/dev/null) since nothing is replaced.
        if key in seen and not (target.in_place and stat.S_ISCHR(target.status.st_mode)):
            other = seen[key]
            raise UsageError(f"the {target.what} {target.path} is the same file as the "
                             f"{other.what} {other.path}: one would overwrite the other")
        seen[key] = target
    for what, path in inputs:
        if path is None or os.fspath(path) == "":
            continue
        key = _input_identity(path)
        if key is None:
            continue
        for target in targets:
            # A declared pair is safe because the input is read whole and then replaced
            # by a rename; a target written in place (appended to through /dev/stdout,
            # `convert - /dev/stdin < v.txt`) would get the output after the input.
            allowed = (what, target.what) in same_file_allowed and not target.in_place
            # (a character device read and written, /dev/null or a terminal, loses nothing)
            device = target.status is not None and stat.S_ISCHR(target.status.st_mode)
            if target.identity() == key and not allowed and not device:
                raise UsageError(f"the {target.what} {target.path} is the same file as the "
                                 f"{what} {os.fspath(path)}: writing it would destroy the "
                                 f"{what}")
    # (a checkpoint is announced on its own when it is saved)
    _planned.extend(t.path for t in targets if t.path not in _planned and t.what != "checkpoint")
    return targets


def _input_identity(path):
    try:
        if os.fspath(path) in ("-", b"-"):
            # standard input: the file or pipe it is (`w2v train - -o /dev/stdin <
            # corpus.txt` appended the vectors to the corpus)
            status = os.fstat(sys.stdin.fileno() if sys.stdin is not None else 0)
        else:
            status = os.stat(os.path.realpath(os.fspath(path)))
    except (OSError, ValueError, AttributeError):  # (a stdin with no descriptor)
        return None  # a missing input is reported by whoever reads it
    return ("inode", status.st_dev, status.st_ino)


# -------------------------------------------------------------------------- writing

@contextlib.contextmanager
def atomic_output(path, mode="wb", what="output", compress=True):
    """A file object for writing `path`; see the module's docstring."""
    with atomic_outputs([path], mode, what, compress) as (out,):
        yield out


@contextlib.contextmanager
def atomic_outputs(paths, mode="wb", what="output", compress=True):
    """File objects for writing several files that must be replaced together. With
    `compress`, a name ending in .gz, .bz2, .xz or .zip gets its content compressed so (the
    readers decompress by the same rule)."""
    targets = [check_output(p, what) for p in paths]
    with contextlib.ExitStack() as stack:
        raws, files, temps = [], [], []
        for target in targets:
            if target.in_place:
                raw = _open_in_place(target)
                temps.append(None)
            else:
                fd, temp = stack.enter_context(_temporary_sibling(target.real, what,
                                                                  target.path))
                raw = os.fdopen(os.dup(fd), mode)
                temps.append(temp)
            # Closed without a word: on success everything was flushed (and errors
            # reported) below; after a failure, closing retries the write that failed
            # (a full disk, /dev/full), whose error must not replace the first one.
            stack.callback(_close_quietly, raw)
            raws.append(raw)
            stem, extension = os.path.splitext(os.path.basename(target.path))
            compressor = _COMPRESSORS.get(extension.lower())
            files.append(compressor(raw, stem) if compress and compressor else raw)
        try:
            yield files
            for f, raw, temp in zip(files, raws, temps):
                if f is not raw:
                    f.close()  # writes the compressed stream's end
                raw.flush()
                if temp is not None:
                    _sync(raw.fileno())
        except OSError as exc:
            raise UserError(f"cannot write {targets[0].path}: {exc.strerror or exc}") from None
        pending = getattr(_sets, "pending", None)
        if pending is not None and what != "checkpoint":
            # part of a set (see replaced_together): renamed with the others, at its end
            pending.append((targets, temps, stack.pop_all()))
            return
        _commit(targets, temps, record=what != "checkpoint")


@contextlib.contextmanager
def replaced_together():
    """Within the block, the outputs written (atomic_output, atomic_outputs; checkpoints
    excepted) are one set: each is written whole to its temporary file, and they are
    renamed over their targets together when the block ends without an error (a failed
    rename undoes the earlier ones). After an error or a signal none is replaced, so a
    training run never leaves new vectors beside an old model or vocabulary. Devices
    and FIFOs are written in place as they come, since they cannot wait."""
    if getattr(_sets, "pending", None) is not None:  # within an outer set: part of it
        yield
        return
    _sets.pending = pending = []
    try:
        yield
        _sets.pending = None
        _commit([t for entry in pending for t in entry[0]],
                [temp for entry in pending for temp in entry[1]], record=True)
    finally:
        _sets.pending = None
        for _, _, stack in reversed(pending):
            stack.close()  # closes and removes the temporary files not renamed


def _commit(targets, temps, record):
    """Rename the temporary files over their targets, all of them even if a signal comes
    meanwhile (it is raised after), and note them as written."""
    with signals.deferred():
        _replace_together(targets, temps)
        if record:
            _written.extend(t.path for t in targets)


class _ZipMember:
    """A .zip output: one deflated member, named after the file without .zip, as the
    readers read a .zip (its members one after the other). A fixed date: the same
    content gives the same bytes."""

    def __init__(self, raw, name):
        self._archive = zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        info = zipfile.ZipInfo(name or "data", date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        self._member = self._archive.open(info, "w", force_zip64=True)

    def write(self, data):
        return self._member.write(data)

    def close(self):
        self._member.close()
        self._archive.close()


_COMPRESSORS = {  # mtime 0: the same content gives the same bytes
    ".gz": lambda raw, name: gzip.GzipFile(fileobj=raw, mode="wb", mtime=0),
    ".bz2": lambda raw, name: bz2.BZ2File(raw, mode="wb"),
    ".xz": lambda raw, name: lzma.LZMAFile(raw, mode="wb"),
    ".zip": _ZipMember,
}


def _open_in_place(target):
    # A regular file reached through a descriptor is appended to: reopened with "wb" it
    # would lose what the shell's `>>` (or earlier writers to the same stdout) put there.
    mode = "ab" if target.descriptor else "wb"
    try:
        return _StreamWriter(open(target.real, mode))
    except OSError as exc:
        raise UserError(f"cannot write {target.what} {target.path}: {exc.strerror}") from None


class _StreamWriter:
    """A device or FIFO opened for writing, shown to writers as what it is: a stream that
    cannot seek (/dev/null pretends it can, and always tells 0: a zip writer would then
    write nonsense offsets)."""

    def __init__(self, raw):
        self._raw = raw
        self._written = 0

    def write(self, data):
        count = self._raw.write(data)
        self._written += count
        return count

    def tell(self):
        return self._written

    def seekable(self):
        return False

    def seek(self, *args):
        raise io.UnsupportedOperation("seek")

    def flush(self):
        self._raw.flush()

    def fileno(self):
        return self._raw.fileno()

    def close(self):
        self._raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


def _replace_together(targets, temps):
    """Rename each temporary file over its target; undo the earlier ones on a failure."""
    replaced, backups = [], []  # targets replaced so far; hard links to previous files
    try:
        for target, temp in zip(targets, temps):
            if temp is None:
                continue
            backup = None
            existed = os.path.exists(target.real)
            if len(targets) > 1 and existed:
                backup = _free_name(target.real, "old")
                try:
                    os.link(target.real, backup)
                    backups.append(backup)
                except OSError:
                    backup = None
            _give_usual_mode(temp)
            os.replace(temp, target.real)
            replaced.append((target, backup, existed))
    except OSError as exc:
        for done, backup, existed in replaced:
            _undo_replace(done, backup, existed)
        raise UserError(f"cannot write {target.path}: {exc.strerror or exc}") from None
    finally:
        for backup in backups:
            _remove_quietly(backup)


def _undo_replace(target, backup, existed):
    """Put back what `target` was before a set's rename: its previous file, from the hard
    link kept, or no file if there was none. With no link (a file system without hard
    links, such as vfat), the new file stays: removing it, as was done, left neither the
    previous file nor the new one. A failure here leaves the new file too."""
    try:
        if backup is not None:
            os.replace(backup, target.real)
        elif not existed:
            os.unlink(target.real)
    except OSError:
        pass


def _give_usual_mode(path):
    # mkstemp-style files are 0600; give the result the mode a plain open() would.
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(path, 0o666 & ~umask)
    except OSError:
        # a file system without modes (vfat refuses chmod with EPERM, some SMB mounts
        # too): the content is whole, which is what matters; this failure ended the
        # run's every output after its training
        pass


@contextlib.contextmanager
def _temporary_sibling(real_path, what, shown_path):
    """(fd, path) of a new, locked temporary file beside `real_path`, removed on exit
    unless it was renamed. Stale ones of the same target are removed first."""
    directory, base = os.path.split(real_path)
    remove_stale_temporaries(real_path)
    temp = _free_name(real_path, str(os.getpid()))
    try:
        fd = os.open(temp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise UserError(f"cannot write {what} {shown_path}: {exc.strerror} "
                        f"(while creating {temp})") from None
    try:
        _lock(fd)
        yield fd, temp
    finally:
        os.close(fd)
        _remove_quietly(temp)  # a no-op once renamed


# What flock (or fsync) says on a file system that has no locks (or no sync): NFS
# mounted without its lock daemon, some FUSE and SMB mounts.
_NO_LOCKS = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS, errno.EINVAL}


def _sync(fd):
    """fsync, where the file system has one: some (FUSE, SMB mounts) answer EINVAL or
    ENOSYS, and every output failed there, after the training, and its checkpoint too.
    A failure to write (EIO, ENOSPC) is still an error."""
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in _NO_LOCKS:
            raise


def _lock(fd):
    """Lock a new temporary file, so that no other run's sweep removes it. Where the file
    system has no locks, it goes unlocked (the sweep cannot lock it either, and so
    leaves it): writing there raised OSError, a traceback for every output."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno not in _NO_LOCKS:
            raise


def temporary_file(beside, purpose="scratch"):
    """A locked scratch file named after the output `beside` (so that the stale-file sweep
    of that output finds it if this process is killed): a context manager giving (fd, path)."""
    target = Target(beside, purpose)
    return _temporary_sibling(target.real, purpose, target.path)


def _temp_prefix(real_path):
    directory, base = os.path.split(real_path)
    try:
        name_max = os.pathconf(directory, "PC_NAME_MAX")
    except (OSError, ValueError):
        name_max = 255
    # leave room for the mark, a pid, a random part and the suffix
    room = max(1, name_max - 1 - len(TEMP_MARK) - 40 - len(TEMP_SUFFIX))
    short = os.fsdecode(os.fsencode(base)[:room])
    return os.path.join(directory, "." + short + TEMP_MARK)


def _free_name(real_path, tag):
    return f"{_temp_prefix(real_path)}{tag}-{secrets.token_hex(6)}{TEMP_SUFFIX}"


def remove_stale_temporaries(real_path):
    """Remove the temporary files of `real_path` left by dead runs (no lock held on them).
    Returns the paths removed."""
    prefix = _temp_prefix(real_path)
    directory, start = os.path.split(prefix)
    removed = []
    try:
        names = os.listdir(directory or ".")
    except OSError:
        return removed
    now = time.time()
    for name in names:
        if not (name.startswith(start) and name.endswith(TEMP_SUFFIX)):
            continue
        path = os.path.join(directory, name)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            status = os.fstat(fd)
            if not stat.S_ISREG(status.st_mode) or now - status.st_mtime < STALE_AFTER_SECONDS:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                continue  # a live process is writing it
            os.unlink(path)
            removed.append(path)
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


def _close_quietly(stream):
    try:
        stream.close()
    except (OSError, ValueError):
        pass


def _remove_quietly(path):
    try:
        os.unlink(path)
    except OSError:
        pass
