"""Share a pass over the pages between the builder process and forked workers.

(`run_all` does the same for `khub generate`'s module and fact-page renders.)

The builder converts and renders pages one after the other, on one core. khub's page
cache (khub.site.incremental) already knows how to take a page's results from elsewhere
and put them in place as if the page had been built here, and an incremental build that
does so equals a clean one. This module uses that for a cold build: when a pass has many
pages to do, the builder process forks workers (Linux `fork`: they start with the very
state the builder has, its configuration, plugins, navigation and pages) that each do a
share of the list (every other page, with two processes), while the builder does its own
share at once. As the builder then goes through the pages in its order, it hands out each
page's result and replays the records logged while it was made through its own handlers
(so strict mode counts a worker's warnings, and the output reads as a serial build's).

A worker that fails, dies or hands back nothing for a page leaves that page (and the rest
of its share) to the builder, which then builds it itself and meets any error there, as a
serial build would. Results travel over a pipe as pickles from the builder's own fork:
nothing else writes to it. `KHUB_BUILD_JOBS` sets the number of processes (1: no workers).
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import pickle
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

JOBS_ENV = "KHUB_BUILD_JOBS"
MIN_PAGES = 8  # fewer pages than this in a pass: forking costs more than it saves
_PR_SET_PDEATHSIG = 1

T = TypeVar("T")  # a page
R = TypeVar("R")  # what a worker hands back for it


def jobs() -> int:
    """Return how many processes share a pass: KHUB_BUILD_JOBS, else the usable cores."""
    wanted = os.environ.get(JOBS_ENV, "").strip()
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, cores)


@dataclass(frozen=True)
class Done(Generic[R]):
    """An item done ahead of its turn: its result, and whether this process did it."""

    value: R | None
    here: bool


@dataclass
class _Share:
    positions: range  # every processes-th item from the first
    pid: int = 0  # 0: the builder's own share
    reader: int = -1
    results: dict[int, tuple[list[logging.LogRecord], Any]] | None = None


@dataclass
class Pass(Generic[T, R]):
    """One pass over `items`, shared item by item among processes; `run` does one item.

    Item n goes to process n % processes, so every process gets its part of each kind of
    page (the list is in the builder's order: modules first, then the fact pages). The
    builder does its own share at once when the pass starts, keeping each item's log
    records, and hands each result out, records replayed, when the builder reaches it.
    """

    items: Sequence[T]
    run: Callable[[T], R | None]
    _shares: list[_Share] = field(default_factory=list)
    _index: dict[int, int] = field(default_factory=dict)  # id(item) -> position

    def start(self, processes: int) -> None:
        """Fork processes - 1 workers, then do the builder's share (nothing if it is small)."""
        if processes < 2 or len(self.items) < MIN_PAGES or not hasattr(os, "fork"):
            return
        count = min(processes, len(self.items))
        self._index = {id(item): n for n, item in enumerate(self.items)}
        for first in range(1, count):
            self._fork(range(first, len(self.items), count))
        own = _Share(range(0, len(self.items), count))
        own.results = _do([self.items[n] for n in own.positions], own.positions, self.run)
        self._shares.append(own)

    def _fork(self, positions: range) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        reader, writer = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(reader)
            os.close(writer)
            return
        if pid == 0:  # the worker: never returns into the builder
            os.close(reader)
            _work(writer, [self.items[n] for n in positions], positions, self.run)
        os.close(writer)
        self._shares.append(_Share(positions, pid, reader))

    def result(self, item: T) -> Done[R] | None:
        """Return item's result, its log records replayed; None: the builder does it now."""
        position = self._index.get(id(item))
        if position is None:
            return None
        for share in self._shares:
            if position in share.positions:
                found = self._collect(share).pop(position, None)
                if found is None:
                    return None
                records, value = found
                if value is None and share.pid:
                    return None  # a worker could not hand its result back: redo it here
                _replay(records)
                return Done(value, here=not share.pid)
        return None

    def _collect(self, share: _Share) -> dict[int, tuple[list[logging.LogRecord], Any]]:
        if share.results is None:
            share.results = _read(share.reader)
            _reap(share.pid)
        return share.results

    def close(self) -> None:
        """End the workers whose results were not read (a failed build); reap them all."""
        for share in self._shares:
            if share.results is None:
                with contextlib.suppress(OSError):
                    os.kill(share.pid, signal.SIGKILL)
                with contextlib.suppress(OSError):
                    os.close(share.reader)
                _reap(share.pid)
                share.results = {}
        self._shares = []


def _do(
    items: list[Any], positions: range, run: Callable[[Any], Any], worker: bool = False
) -> dict[int, tuple[list[logging.LogRecord], Any]]:
    """Do the items in order, each one's log records kept; stop at the first that fails.

    The failed item and those after it have no result: the builder does them in their
    turn, and meets the failure there as a serial build would.
    """
    done: dict[int, tuple[list[logging.LogRecord], Any]] = {}
    with _captured() as records:
        for position, item in zip(positions, items, strict=True):
            try:
                value = run(item)
            except Exception:
                break
            except BaseException:
                if worker:
                    break
                raise
            done[position] = (list(records), value)
            records.clear()
    return done


def _work(writer: int, items: list[Any], positions: range, run: Callable[[Any], Any]) -> None:
    """In a worker: do every item, then write {position: (records, result)} and exit."""
    code = 1
    try:
        _die_with_builder()
        done = _do(items, positions, run, worker=True)
        with os.fdopen(writer, "wb") as pipe:
            pickle.dump(done, pipe, protocol=pickle.HIGHEST_PROTOCOL)
        code = 0
    finally:
        os._exit(code)


def _die_with_builder() -> None:
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)


@contextlib.contextmanager
def _captured() -> Iterator[list[logging.LogRecord]]:
    """Keep, instead of handling, every log record made meanwhile (with its logger's name)."""
    records: list[logging.LogRecord] = []
    original = logging.Logger.callHandlers

    def keep(self: logging.Logger, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        record.khub_logger = self.name
        records.append(record)

    logging.Logger.callHandlers = keep  # type: ignore[method-assign]
    try:
        yield records
    finally:
        logging.Logger.callHandlers = original  # type: ignore[method-assign]


def _replay(records: list[logging.LogRecord]) -> None:
    """Hand kept records to the handlers the builder's loggers have."""
    for record in records:
        logger = logging.getLogger(getattr(record, "khub_logger", record.name))
        logger.callHandlers(record)


def _read(reader: int) -> dict[int, tuple[list[logging.LogRecord], Any]]:
    with os.fdopen(reader, "rb") as pipe:
        data = pipe.read()
    try:
        value = pickle.loads(data) if data else {}  # noqa: S301 - our own fork wrote it
    except Exception:  # a worker that died mid-write: the builder does it all
        return {}
    return value if isinstance(value, dict) else {}


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, 0)


def run_all(tasks: Sequence[Callable[[], R]]) -> list[R]:
    """Return [task() for task in tasks], shared among jobs() processes when there are many.

    For `khub generate`: each task must read only what the process held when it forked and
    return a picklable value (a worker's value travels back as a pickle). A task a worker
    could not do is done here in its turn, so an exception is raised as a serial run would.
    """
    shared: Pass[Callable[[], R], R] = Pass(list(tasks), lambda task: task())
    shared.start(jobs())
    try:
        values: list[R] = []
        for task in shared.items:
            done = shared.result(task)
            values.append(done.value if done is not None and done.value is not None else task())
        return values
    finally:
        shared.close()
