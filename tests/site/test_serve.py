"""khub serve: a live preview on loopback that follows edits to content/ and data/."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests

from tests.kit.hubs import TODAY, copy_hub
from tests.site.kit import without_widgets

pytestmark = pytest.mark.slow

KHUB = Path(sys.executable).parent / "khub"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], bool], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.3)
    return False


def page_has(url: str, text: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            response = requests.get(url, timeout=5)
        except requests.ConnectionError:
            return False
        return response.status_code == 200 and text in response.text

    return check


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    hub = without_widgets(copy_hub(tmp_path / "hub"))
    port = free_port()
    env = dict(os.environ, KHUB_TODAY=TODAY.isoformat(), NO_MKDOCS_2_WARNING="1")
    proc = subprocess.Popen(
        [str(KHUB), "serve", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=hub,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        yield hub, f"http://127.0.0.1:{port}/"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def test_serve_rebuilds_after_content_and_data_edits(served: tuple[Path, str]) -> None:
    hub, base = served
    assert wait_for(page_has(base + "alpha/", "Model A solves"))
    content = hub / "content" / "alpha.md"
    content.write_text(content.read_text("utf-8").replace("Model A solves", "Model A now solves"))
    assert wait_for(page_has(base + "alpha/", "Model A now solves"))
    data = hub / "data" / "facts" / "bench.yml"
    data.write_text(data.read_text("utf-8").replace("value: 88.6", "value: 91.5"))
    assert wait_for(page_has(base + "alpha/", "91.5%"))
