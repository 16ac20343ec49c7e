"""Writers of data/ take turns: two `khub check --apply` at once both keep their change."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from khub.check.apply import apply_run
from khub.check.http import FetchConfig
from khub.check.run import CheckOptions, run_check
from khub.data.load import load
from khub.disk.lock import LOCK_FILE, data_lock
from tests.kit.checkhub import FAST, SOURCES, TODAY, Hub, serve_hub
from tests.kit.wait import wait_for

KHUB = Path(sys.executable).parent / "khub"
PRICES = "data/facts/prices.yml"
STATE = "data/check-state.yml"  # each --apply records when it checked
# The served page moves Sonnet's input price from $3 to $3.3; Haiku's input price changes
# on the fixture page already. Both facts live in one file.
SONNET = ("api-price.sonnet-input", 3.0, 3.3)
HAIKU = ("api-price.haiku-input", 0.9, 1.0)  # $0.001 per thousand on the page


def _page() -> bytes:
    body = (SOURCES / "pricing.html").read_bytes()
    old = b'<span class="price-input" data-per-token="0.000003">$3&nbsp;/ MTok</span>'
    assert body.count(old) == 1
    return body.replace(old, old.replace(b"$3&", b"$3.3&"))


def _rendezvous(parties: int) -> Callable[[Request], Response]:
    """Serve the pricing page only once `parties` requests are waiting, so runs line up."""
    barrier = threading.Barrier(parties, timeout=30)
    body = _page()

    def handle(request: Request) -> Response:
        barrier.wait()
        return Response(body, content_type="text/html; charset=utf-8")

    return handle


def _hub(dest: Path, server: HTTPServer, parties: int) -> Hub:
    server.expect_request("/pricing.html").respond_with_handler(_rendezvous(parties))
    return serve_hub(dest, server)  # its own /pricing.html handler comes second: never used


# The rendezvous holds the first run's request until the second run asks too; a loaded
# machine can take seconds to start the second interpreter, so allow more than FAST's 0.5 s.
PATIENT = [*FAST, "--timeout", "20"]


def _start(root: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(KHUB), "check", "--apply", *PATIENT, *args],
        cwd=root,
        env={**os.environ, "KHUB_TODAY": TODAY, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    _, stderr = process.communicate(timeout=120)
    return process.returncode, stderr


def _changed(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    return sorted(name for name in after if after[name] != before.get(name))


def _leftovers(root: Path) -> list[str]:
    return sorted(
        p.relative_to(root).as_posix()
        for p in (root / "data").rglob("*")
        if p.name.endswith(".tmp") or p.name == Path(LOCK_FILE).name
    )


@pytest.mark.parametrize("trial", range(4))
def test_two_apply_runs_at_once_keep_both_changes(
    tmp_path: Path, server: HTTPServer, trial: int
) -> None:
    hub = _hub(tmp_path / "hub", server, parties=2)
    before = hub.snapshot()
    runs = [_start(hub.root, SONNET[0]), _start(hub.root, HAIKU[0])]
    results = [_finish(p) for p in runs]
    for code, stderr in results:
        assert code == 0, stderr
        assert "Traceback" not in stderr
        assert "1 changed" in stderr and "wrote 1 file(s)" in stderr, stderr
    factset, _ = load(hub.root, cache=False)
    for fid, old, new in (SONNET, HAIKU):
        fact = factset.facts[fid]
        assert (fact.value, [h.value for h in fact.history]) == (new, [old]), fid
    assert _changed(before, hub.snapshot()) == [STATE, PRICES]
    assert _leftovers(hub.root) == []


def test_a_writer_waits_for_the_lock_then_applies(tmp_path: Path, server: HTTPServer) -> None:
    hub = _hub(tmp_path / "hub", server, parties=1)
    before = hub.snapshot()
    waiting = f"waiting for another khub writing data/ (pid {os.getpid()})…\n"
    with data_lock(hub.root):
        process = _start(hub.root, HAIKU[0])
        lines, reader = _lines(process)
        assert wait_for(lambda: waiting in lines), lines
        time.sleep(0.5)
        assert process.poll() is None, "the run went on without the lock"
        assert hub.snapshot() == before
    assert process.wait(timeout=120) == 0, lines
    reader.join(timeout=10)
    for stream in (process.stdout, process.stderr):
        assert stream is not None
        stream.close()
    stderr = "".join(lines)
    assert "wrote 1 file(s)" in stderr and "Traceback" not in stderr
    assert _changed(before, hub.snapshot()) == [STATE, PRICES]
    assert _leftovers(hub.root) == []


def _lines(process: subprocess.Popen[str]) -> tuple[list[str], threading.Thread]:
    """Collect the process's stderr lines as they come, on a thread."""
    lines: list[str] = []
    assert process.stderr is not None
    stream = process.stderr

    def read() -> None:
        lines.extend(iter(stream.readline, ""))

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return lines, reader


def test_a_writer_gives_up_after_the_timeout(tmp_path: Path, server: HTTPServer) -> None:
    hub = _hub(tmp_path / "hub", server, parties=1)
    before = hub.snapshot()
    with data_lock(hub.root):
        code, stderr = _finish(_start(hub.root, HAIKU[0], env={"KHUB_LOCK_TIMEOUT": "0.5"}))
        assert hub.snapshot() == before
    assert code == 3
    pid = os.getpid()
    lines = stderr.splitlines()
    assert lines[:2] == [
        f"[1/1] ok {hub.base}/pricing.html",
        f"waiting for another khub writing data/ (pid {pid})…",
    ]
    assert re.fullmatch(r"checked 1 facts from 1 URLs in [0-9.]+ s: 1 changed", lines[2])
    assert lines[3:] == [
        f"error: {LOCK_FILE}: another khub (pid {pid}) is still writing data/ after 0.5 s; "
        "nothing written (let it finish and run again, or raise KHUB_LOCK_TIMEOUT)"
    ]
    assert "Traceback" not in stderr
    assert hub.snapshot() == before
    assert _leftovers(hub.root) == []


def test_a_fact_edited_during_the_run_is_not_overwritten(
    tmp_path: Path, server: HTTPServer
) -> None:
    hub = _hub(tmp_path / "hub", server, parties=1)
    factset, _ = load(hub.root, cache=False)
    fetch = FetchConfig(allow_networks=(ipaddress.ip_network("127.0.0.0/8"),), retries=0)
    options = CheckOptions(root=hub.root, today=dt.date(2026, 7, 15), fetch=fetch)
    run = run_check(factset, [SONNET[0], HAIKU[0]], options)
    assert [o.outcome for o in run.outcomes] == ["changed", "changed"]
    prices = hub.root / PRICES
    text = prices.read_text(encoding="utf-8")
    # meanwhile an editor sets Haiku's price by hand and Sonnet's to what the source says
    edited = text.replace("      value: 0.9\n", "      value: 0.95\n").replace(
        "      value: 3\n", "      value: 3.3\n"
    )
    assert edited.count("0.95") == 1 and edited.count("3.3") == 1
    prices.write_text(edited, encoding="utf-8")

    applied = apply_run(hub.root, run)

    assert [str(c) for c in applied.conflicts] == [
        f"{HAIKU[0]}: changed in data/ to 0.95 while this run checked it (the source said 1); "
        "not applied (run `khub check` again)"
    ]
    assert applied.files == [PRICES]
    after, _ = load(hub.root, cache=False)
    haiku, sonnet = after.facts[HAIKU[0]], after.facts[SONNET[0]]
    assert (haiku.value, haiku.history, haiku.verified) == (0.95, (), dt.date(2026, 6, 30))
    assert (sonnet.value, sonnet.history) == (3.3, ())  # confirmed, not changed twice
    assert sonnet.verified == dt.date(2026, 7, 15)
    assert _leftovers(hub.root) == []
