"""Share a pass over the pages between the builder process and forked workers.

The builder converts and renders pages one after the other, on one core. khub's page
cache (khub.site.incremental) already knows how to take a page's results from elsewhere
and put them in place as if the page had been built here, and an incremental build that
does so equals a clean one. This module uses that for a cold build: when a pass has many
pages to do, the builder process forks workers (Linux `fork`: they start with the very
state the builder has, its configuration, plugins, navigation and pages) that each do a
contiguous *tail share* of the list, while the builder does the head itself. When the
builder reaches the first page of a worker's share, it reads that worker's results and the
records it logged, in page order, and replays the records through its own handlers (so
strict mode counts a worker's warnings, and the output reads as a serial build's).

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


def shares(weights: Sequence[int], count: int) -> list[range]:
    """Cut indices 0..len(weights) into count contiguous ranges of about equal weight."""
    total = sum(weights)
    cuts, running, start = [], 0, 0
    for number in range(1, count):
        goal = total * number / count
        end = start
        while end < len(weights) and running + weights[end] <= goal:
            running += weights[end]
            end += 1
        cuts.append(range(start, end))
        start = end
    cuts.append(range(start, len(weights)))
    return cuts


@dataclass
class _Worker:
    share: range
    pid: int
    reader: int
    results: dict[int, tuple[list[logging.LogRecord], Any]] | None = None


@dataclass
class Pass(Generic[T, R]):
    """One pass over `items` shared with forked workers; `run` does one item in a worker."""

    items: Sequence[T]
    run: Callable[[T], R | None]
    weights: Sequence[int] | None = None
    _workers: list[_Worker] = field(default_factory=list)
    _index: dict[int, int] = field(default_factory=dict)  # id(item) -> position

    def start(self, processes: int) -> None:
        """Fork processes - 1 workers for the tail shares (none if the pass is small)."""
        if processes < 2 or len(self.items) < MIN_PAGES or not hasattr(os, "fork"):
            return
        weights = list(self.weights) if self.weights is not None else [1] * len(self.items)
        self._index = {id(item): n for n, item in enumerate(self.items)}
        for share in shares(weights, processes)[1:]:
            if share:
                self._fork(share)

    def _fork(self, share: range) -> None:
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
            _work(writer, [self.items[n] for n in share], share.start, self.run)
        os.close(writer)
        self._workers.append(_Worker(share, pid, reader))

    def result(self, item: T) -> R | None:
        """Return a worker's result for item, its log records replayed; None: do it here."""
        position = self._index.get(id(item))
        if position is None:
            return None
        for worker in self._workers:
            if position in worker.share:
                records, value = self._collect(worker).get(position, ([], None))
                if value is not None:
                    _replay(records)
                return value  # type: ignore[no-any-return]
        return None

    def _collect(self, worker: _Worker) -> dict[int, tuple[list[logging.LogRecord], Any]]:
        if worker.results is None:
            worker.results = _read(worker.reader)
            _reap(worker.pid)
        return worker.results

    def close(self) -> None:
        """End the workers whose results were not read (a failed build); reap them all."""
        for worker in self._workers:
            if worker.results is None:
                with contextlib.suppress(OSError):
                    os.kill(worker.pid, signal.SIGKILL)
                with contextlib.suppress(OSError):
                    os.close(worker.reader)
                _reap(worker.pid)
                worker.results = {}
        self._workers = []


def _work(writer: int, items: list[Any], first: int, run: Callable[[Any], Any]) -> None:
    """In a worker: do every item, then write {position: (records, result)} and exit."""
    code = 1
    try:
        _die_with_builder()
        done: dict[int, tuple[list[logging.LogRecord], Any]] = {}
        with _captured() as records:
            for offset, item in enumerate(items):
                try:
                    value = run(item)
                except BaseException:  # the builder does this page and meets it
                    break
                done[first + offset] = (list(records), value)
                records.clear()
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
    """Keep, instead of handling, every log record the worker makes (with its logger's name)."""
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
    """Hand a worker's records to the handlers the builder's loggers have."""
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
