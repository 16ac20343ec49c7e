"""One writer of data/ at a time: an advisory lock on data/.khub.disk.lock.

Every command that writes data/ (`khub check --apply`, `khub edition publish`, `khub schema`)
holds this lock from the moment it re-reads the data it changes until its files are
written, so a second writer applies its change on top of the first one's instead of over
it. The lock is `fcntl.flock` on `data/.khub.disk.lock` (git-ignored), held by an open file: it
is released when the process ends, however it ends, so a killed writer never leaves a
stale lock behind. The holder writes its pid into the file so that a waiting writer can
say whom it waits for. The lock file lives beside the data it guards rather than in the
cache folder, so two runs with different cache settings still exclude each other.
"""

from __future__ import annotations

import errno
import fcntl
import math
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from khub.errors import KhubError

LOCK_FILE = "data/.khub.disk.lock"
TIMEOUT_ENV = "KHUB_LOCK_TIMEOUT"
DEFAULT_TIMEOUT = 300.0
_POLL = 0.05

OnWait = Callable[[int | None], None]


class LockError(KhubError):
    """data/ could not be locked for writing; nothing was written."""

    exit_code = 3


def waiting_message(pid: int | None) -> str:
    """Return what a writer tells the user while it waits for the lock."""
    who = f" (pid {pid})" if pid else ""
    return f"waiting for another khub writing data/{who}…"


def lock_timeout() -> float:
    """Return how many seconds a writer waits for the lock: $KHUB_LOCK_TIMEOUT or 300."""
    raw = os.environ.get(TIMEOUT_ENV, "")
    try:
        value = float(raw) if raw.strip() else DEFAULT_TIMEOUT
    except ValueError:
        raise LockError(f"{TIMEOUT_ENV}={raw!r} is not a number of seconds") from None
    if not math.isfinite(value) or value < 0:
        raise LockError(f"{TIMEOUT_ENV}={raw!r} is not a number of seconds")
    return value


@contextmanager
def data_lock(
    root: Path | str, *, timeout: float | None = None, on_wait: OnWait | None = None
) -> Iterator[None]:
    """Hold the write lock of root's data/ for the block; wait up to timeout seconds for it."""
    path = Path(root) / LOCK_FILE
    wait = lock_timeout() if timeout is None else timeout
    fd = _acquire(path, time.monotonic() + wait, wait, on_wait)
    try:
        _record_pid(fd)
        yield
    finally:
        _release(path, fd)


def _acquire(path: Path, deadline: float, timeout: float, on_wait: OnWait | None) -> int:
    """Return a descriptor of the locked lock file; tell on_wait once whom we wait for."""
    told = False
    holder: int | None = None
    while True:
        fd = _open(path)
        if _try_lock(fd) and _still_there(path, fd):
            return fd
        holder = _holder(fd) or holder
        os.close(fd)
        if on_wait is not None and not told:
            on_wait(holder)
            told = True
        if time.monotonic() >= deadline:
            raise _timed_out(holder, timeout)
        time.sleep(_POLL)


def _timed_out(holder: int | None, timeout: float) -> LockError:
    who = f" (pid {holder})" if holder else ""
    return LockError(
        f"{LOCK_FILE}: another khub{who} is still writing data/ after {timeout:g} s; "
        f"nothing written (let it finish and run again, or raise {TIMEOUT_ENV})"
    )


def _open(path: Path) -> int:
    """Open the lock file without following a symlink a pull request may have planted."""
    if not path.parent.is_dir():
        raise LockError("data: no data/ folder here (run khub from the hub's top folder)")
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        return os.open(path, flags, 0o644)
    except OSError as exc:
        reason = "it is a symlink" if exc.errno == errno.ELOOP else exc.strerror
        raise LockError(
            f"{LOCK_FILE}: cannot open the write lock ({reason}; remove it, khub recreates it)"
        ) from None


def _still_there(path: Path, fd: int) -> bool:
    """Return True when path is still the file fd locked (the last holder may have removed it)."""
    try:
        now = path.lstat()
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (now.st_dev, now.st_ino) == (mine.st_dev, mine.st_ino)


def _release(path: Path, fd: int) -> None:
    """Remove the lock file while still holding it, then let go: data/ is left as it was."""
    try:
        if _still_there(path, fd):
            path.unlink()
    finally:
        os.close(fd)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _record_pid(fd: int) -> None:
    """Write our pid into the lock file, for the message of whoever waits next."""
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)


def _holder(fd: int) -> int | None:
    """Return the pid the current holder wrote, or None when it has not written one yet."""
    try:
        text = os.pread(fd, 32, 0).decode("ascii", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None
