"""Output folders written beside their destination and put in place in one step.

A build (or a release) writes into a staging folder `.NAME.tmp-*` next to its output, holding an
flock on it while it works, so that a later run can tell a killed process's leftovers (unlocked)
from a running one's and remove them. The finished folder replaces the output in one atomic
step (Linux renameat2 RENAME_EXCHANGE): there is no moment without an output folder. Where the
system has no such call, it takes two renames, the old folder being kept as `.NAME.old-PID`
between them; if a kill falls there, the next run puts that folder back.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import functools
import os
import shutil
import sys
import tempfile
from pathlib import Path

AT_FDCWD = -100
RENAME_NOREPLACE = 1
RENAME_EXCHANGE = 2


@functools.lru_cache(maxsize=1)
def _renameat2_call():
    if not sys.platform.startswith("linux"):
        return None
    try:
        call = ctypes.CDLL(None, use_errno=True).renameat2  # glibc 2.28 and later
    except (OSError, AttributeError):
        return None
    call.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    call.restype = ctypes.c_int
    return call


def renameat2(src: Path, dst: Path, flags: int) -> bool:
    """rename(2) with flags; False if this system or file system does not offer them."""
    call = _renameat2_call()
    if call is None:
        return False
    if call(AT_FDCWD, os.fsencode(src), AT_FDCWD, os.fsencode(dst), flags) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(src), None, str(dst))


def _tmp_prefix(out: Path) -> str:
    return f".{out.name}.tmp-"


def _old_prefix(out: Path) -> str:
    return f".{out.name}.old-"


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return True


def recover(out: Path) -> None:
    """Undo what killed runs left beside `out`: put back an old output folder that the
    two-rename swap had moved aside (it is whole: it is only ever renamed), and remove staging
    folders that no live process holds locked."""
    parent = out.parent
    if not parent.is_dir():
        return
    names = sorted(os.listdir(parent))
    for name in names:
        if name.startswith(_old_prefix(out)) and not _alive(name[len(_old_prefix(out)):]):
            if not os.path.lexists(out):
                os.rename(parent / name, out)
            else:
                _remove_unless_locked(parent / name)
    for name in names:
        if name.startswith(_tmp_prefix(out)):
            _remove_unless_locked(parent / name)


def _remove_unless_locked(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return  # a running build's
    try:
        _remove(path)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    """Remove a folder, or what an output swapped out was if not one (a file, a symbolic link)."""
    if path.is_symlink() or not path.is_dir():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


class Staging:
    """A locked staging folder beside `out`; `path` is where to write. Use as a context manager:
    the folder is removed on the way out unless it was put in place."""

    def __init__(self, out: Path):
        self.out = Path(out)
        self.out.parent.mkdir(parents=True, exist_ok=True)
        recover(self.out)
        while True:
            path = Path(tempfile.mkdtemp(prefix=_tmp_prefix(self.out), dir=self.out.parent))
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:  # another run's recover() may have removed it before the lock was taken
                if os.stat(path).st_ino == os.fstat(fd).st_ino:
                    break
            except FileNotFoundError:
                pass
            os.close(fd)
        self.path, self._fd = path, fd

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, *exc) -> None:
        self.discard()

    def discard(self) -> None:
        """Remove the staging folder (after a swap: the previous output) and release the lock."""
        if self._fd is None:
            return
        _remove(self.path)
        os.close(self._fd)
        self._fd = None

    def swap_in(self, mode: int = 0o755) -> None:
        """Replace the output folder by the staged one in one step (or create it)."""
        os.chmod(self.path, mode)
        if not os.path.lexists(self.out):
            os.rename(self.path, self.out)
        elif not renameat2(self.path, self.out, RENAME_EXCHANGE):
            old = self.out.with_name(f"{_old_prefix(self.out)}{os.getpid()}")
            os.rename(self.out, old)
            os.rename(self.path, self.out)
            os.rename(old, self.path)  # a staging name again: what a kill leaves now is removed
        self.discard()

    def place(self, folder: Path, mode: int = 0o755) -> None:
        """Move `folder` (inside the staging folder) to the output, which must not exist: a
        finished thing is never written over, nor merged with one that appeared meanwhile."""
        os.chmod(folder, mode)
        if not renameat2(folder, self.out, RENAME_NOREPLACE):
            if os.path.lexists(self.out):
                raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(self.out))
            os.rename(folder, self.out)
        self.discard()
