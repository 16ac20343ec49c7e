"""Child processes that end with khub: their own process group, stopped whenever khub stops.

`khub build` and `khub serve` run MkDocs in a child process. When khub is asked to stop
(Ctrl-C, a CI time limit's SIGTERM, a closed terminal's SIGHUP) the child must stop too,
and a build must leave build/ and site/ as they were. So:

- the child starts in a session and process group of its own, so a terminal's Ctrl-C
  reaches khub only, and khub decides what happens (`start`);
- SIGINT, SIGTERM and SIGHUP become an `Interrupted` error in khub for the duration of
  the work (`stop_signals_raise`), whose clean-up ends the child's whole group (`stop`);
- on Linux the child asks the kernel to SIGKILL it when khub dies (`die_with_parent`,
  prctl PR_SET_PDEATHSIG), so even a SIGKILLed khub takes it down. The kernel sends that
  signal when the thread that started the child ends: start children from a thread that
  outlives them (khub starts them from the main thread).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import IO

from khub.errors import KhubError

PARENT_ENV = "KHUB_PARENT_PID"
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
_PR_SET_PDEATHSIG = 1


class Interrupted(KhubError):
    """khub was asked to stop by a signal; its children were stopped."""

    def __init__(self, signum: int, detail: str = "") -> None:
        self.signum = signum
        self.exit_code = 128 + signum
        name = signal.Signals(signum).name
        super().__init__(f"stopped by {name}" + (f"; {detail}" if detail else ""))


@contextlib.contextmanager
def stop_signals_raise() -> Iterator[None]:
    """Raise Interrupted on SIGINT, SIGTERM or SIGHUP inside the block (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, _frame: object) -> None:
        raise Interrupted(signum)

    previous = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


@contextlib.contextmanager
def stop_signals_deferred() -> Iterator[None]:
    """Hold SIGINT, SIGTERM and SIGHUP back during the block; they arrive right after it."""
    old = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def start(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    output: IO[bytes] | None = None,
    piped: bool = False,
) -> subprocess.Popen[bytes]:
    """Start a child in its own process group; it learns our pid to die with us.

    Its output (stdout and stderr) goes to output; piped gives it a pipe from us as stdin
    and one to us as stdout instead (its stderr is ours), both unbuffered: a write to a
    child that died then fails at once and leaves nothing to flush.
    """
    if piped:
        stdin: int | IO[bytes] = subprocess.PIPE
        stdout: int | IO[bytes] | None = subprocess.PIPE
        stderr: int | None = None
    else:
        stdin, stdout = subprocess.DEVNULL, output
        stderr = subprocess.STDOUT if output is not None else None
    return subprocess.Popen(
        list(argv),
        cwd=cwd,
        env={**env, PARENT_ENV: str(os.getpid())},
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        start_new_session=True,
        bufsize=0 if piped else -1,
    )


def stop(child: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """End a child and its whole process group: SIGTERM, then SIGKILL after grace seconds."""
    if child.poll() is not None:
        return  # reaped: its group id may already belong to someone else
    _signal_group(child, signal.SIGTERM)
    try:
        child.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        _signal_group(child, signal.SIGKILL)
        child.wait()


def _signal_group(child: subprocess.Popen[bytes], signum: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(child.pid, signum)


def die_with_parent() -> None:
    """In a child: be SIGKILLed when the parent dies (Linux); exit now if it already has."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    parent = os.environ.get(PARENT_ENV, "")
    if parent.isdigit() and os.getppid() != int(parent):
        os._exit(1)  # the parent died before the request above took effect
