"""khub generate over two processes: the same files as one process, the same problems.

A cold generate renders its modules and fact pages through khub.site.parallel.run_all,
which forks a worker for every other task when there are enough of them. These tests run
the real fork: tasks that report their process, and whole generates compared byte for byte.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from khub.cli.site import run_generate
from khub.errors import DataError
from khub.site.parallel import JOBS_ENV, MIN_PAGES, run_all
from tests.kit.hubs import TODAY, copy_hub, write_module
from tests.kit.tree import file_bytes
from tests.site.kit import without_widgets

MODULES = 12  # more than MIN_PAGES, so the modules' renders are shared


def _pid_and(number: int) -> tuple[int, int]:
    return os.getpid(), number


def _fails_at(number: int, bad: int) -> int:
    if number == bad:
        raise ValueError(f"task {number} fails")
    return number


def test_tasks_are_shared_and_come_back_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(JOBS_ENV, "2")
    tasks = [lambda n=n: _pid_and(n) for n in range(MIN_PAGES * 3)]
    results = run_all(tasks)
    assert [n for _, n in results] == list(range(len(tasks)))
    pids = {pid for pid, _ in results}
    assert len(pids) == 2 and os.getpid() in pids  # a worker did every other task


def test_one_process_does_every_task_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(JOBS_ENV, "1")
    results = run_all([lambda n=n: _pid_and(n) for n in range(MIN_PAGES * 2)])
    assert {pid for pid, _ in results} == {os.getpid()}


@pytest.mark.parametrize("bad", [4, 5])  # in the builder's share, in the worker's
def test_a_failing_task_raises_here_as_in_a_serial_run(
    monkeypatch: pytest.MonkeyPatch, bad: int
) -> None:
    monkeypatch.setenv(JOBS_ENV, "2")
    with pytest.raises(ValueError, match=f"task {bad} fails"):
        run_all([lambda n=n: _fails_at(n, bad) for n in range(MIN_PAGES * 2)])


@pytest.fixture
def hub(tmp_path: Path) -> Path:
    hub = without_widgets(copy_hub(tmp_path / "hub"))
    for number in range(MODULES):
        body = (
            f"Module {number}: model A solves {{{{ fact('bench-score.model-a') }}}} of tasks, "
            f"a lead of {{{{ fact('lead') }}}}.\n"
        )
        write_module(hub, f"extra-{number:02d}", body, title=f"Extra module {number}")
    return hub


def _generate(hub: Path, jobs: int, out: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    monkeypatch.setenv(JOBS_ENV, str(jobs))
    run_generate(hub, TODAY, cache=False, out_dir=out)
    return file_bytes(out)


def test_a_generate_over_two_processes_equals_one_over_one(
    hub: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = _generate(hub, 1, tmp_path / "serial", monkeypatch)
    shared = _generate(hub, 2, tmp_path / "shared", monkeypatch)
    assert len([p for p in serial if p.startswith("extra-")]) == MODULES
    assert sorted(shared) == sorted(serial)
    assert [p for p in serial if shared[p] != serial[p]] == []


@pytest.mark.parametrize("broken", ["extra-04", "extra-05"])
def test_a_module_that_fails_in_either_share_is_reported_as_in_one_process(
    hub: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, broken: str
) -> None:
    write_module(hub, broken, "A figure: {{ fact('no-such.fact') }}.\n")
    reports = []
    for jobs in (1, 2):
        monkeypatch.setenv(JOBS_ENV, str(jobs))
        with pytest.raises(DataError) as caught:
            run_generate(hub, TODAY, cache=False, out_dir=tmp_path / f"out-{jobs}")
        reports.append([str(p) for p in caught.value.problems])
    assert reports[0] == reports[1]
    assert any(f"{broken}.md" in line and "no-such.fact" in line for line in reports[0])
