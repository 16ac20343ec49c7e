"""khub serve: a live preview on loopback that rebuilds once per edit and idles otherwise."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.kit.hubs import TODAY, copy_hub
from tests.kit.wait import wait_for
from tests.site.kit import without_widgets

pytestmark = pytest.mark.slow

KHUB = Path(sys.executable).parent / "khub"
ENV = dict(os.environ, KHUB_TODAY=TODAY.isoformat(), NO_MKDOCS_2_WARNING="1")
REBUILT = "khub serve: rebuilt"
SERVING = "khub serve: serving site/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def page_has(url: str, text: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            response = requests.get(url, timeout=5)
        except requests.ConnectionError:
            return False
        return response.status_code == 200 and text in response.text

    return check


@dataclass
class Served:
    """A running `khub serve`: its hub, base URL, process and log file."""

    hub: Path
    base: str
    process: subprocess.Popen[bytes]
    log: Path

    def lines(self) -> list[str]:
        """Return what serve printed so far."""
        return self.log.read_text("utf-8", errors="replace").splitlines()

    def rebuilds(self) -> int:
        """Return how many rebuilds serve reported."""
        return sum(1 for line in self.lines() if line.startswith(REBUILT))

    def cpu_seconds(self) -> float:
        """Return the processor time serve and its finished children used so far."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
        return ticks / os.sysconf("SC_CLK_TCK")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    hub = without_widgets(copy_hub(tmp_path / "hub"))
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(KHUB), "serve", "--dev-addr", f"127.0.0.1:{port}"],
            cwd=hub,
            env=ENV,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = Served(hub, f"http://127.0.0.1:{port}/", proc, log)
    try:
        assert wait_for(lambda: any(SERVING in ln for ln in running.lines())), running.lines()
        yield running
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def test_serve_rebuilds_after_content_and_data_edits(served: Served) -> None:
    base = served.base
    assert wait_for(page_has(base + "alpha/", "Model A solves"))
    content = served.hub / "content" / "alpha.md"
    content.write_text(content.read_text("utf-8").replace("Model A solves", "Model A now solves"))
    assert wait_for(page_has(base + "alpha/", "Model A now solves"))
    data = served.hub / "data" / "facts" / "bench.yml"
    data.write_text(data.read_text("utf-8").replace("value: 88.6", "value: 91.5"))
    assert wait_for(page_has(base + "alpha/", "91.5%"))


def test_an_idle_serve_builds_nothing(served: Served) -> None:
    time.sleep(0.5)  # let the first build's own events pass
    before = served.rebuilds()
    # khub's own reads of the sources (a generate) and a touch that changes no byte
    subprocess.run([str(KHUB), "validate"], cwd=served.hub, env=ENV, capture_output=True)
    (served.hub / "content" / "alpha.md").touch()
    time.sleep(3.0)
    assert served.rebuilds() == before == 0, served.lines()


def test_one_edit_is_one_rebuild(served: Served) -> None:
    assert served.rebuilds() == 0
    data = served.hub / "data" / "facts" / "costs.yml"
    text = data.read_text("utf-8")
    assert text.count("value: 5\n") == 1
    new = text.replace("value: 5\n", "value: 7\n").encode()
    with data.open("wb") as out:  # one save in several writes, as some editors do
        for start in range(0, len(new), 64):
            out.write(new[start : start + 64])
            out.flush()
            time.sleep(0.01)
    assert wait_for(page_has(served.base + "alpha/", ">$7</a>"))
    time.sleep(1.0)
    assert served.rebuilds() == 1, served.lines()


def test_a_taken_port_is_one_line_and_a_failure(tmp_path: Path) -> None:
    hub = without_widgets(copy_hub(tmp_path / "hub"))
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run(
            [str(KHUB), "serve", "--dev-addr", f"127.0.0.1:{port}"],
            cwd=hub,
            env=ENV,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr == (
        f"error: khub serve: 127.0.0.1:{port} is in use (pick another with --dev-addr HOST:PORT)\n"
    )
    assert not (hub / "site").exists() and not (hub / "build").exists()
