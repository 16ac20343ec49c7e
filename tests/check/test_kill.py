"""SIGKILL during `khub check --apply`: every data file stays whole, wholly old or new."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import yaml
from pytest_httpserver import HTTPServer

from khub.check.writeback import PAUSE_ENV
from khub.data.load import load
from tests.kit.checkhub import FAST, TODAY, serve_hub

KHUB = Path(sys.executable).parent / "khub"
SELECTION = ["swe-verified.*", "api-price.*", "licence.*"]
WRITTEN = ["data/facts/prices.yml", "data/facts/values.yml"]


def _files(root: Path) -> dict[str, bytes]:
    """Return the facts files (data/check-state.yml, written after them, is not one)."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes() for p in (root / "data/facts").glob("*.yml")
    }


def test_sigkill_mid_apply_leaves_every_file_whole(tmp_path: Path, server: HTTPServer) -> None:
    reference = serve_hub(tmp_path / "reference", server)
    before = _files(reference.root)
    assert reference.run("--apply", *SELECTION).exit_code == 0
    written = _files(reference.root)
    assert sorted(name for name in written if written[name] != before[name]) == WRITTEN

    victim = serve_hub(tmp_path / "victim", server)
    old = _files(victim.root)
    assert all(old[name] == before[name] for name in WRITTEN)
    new = {**old, **{name: written[name] for name in WRITTEN}}
    env = {**os.environ, "KHUB_TODAY": TODAY, PAUSE_ENV: "1"}
    process = subprocess.Popen(
        [str(KHUB), "check", "--apply", *FAST, *SELECTION],
        cwd=victim.root,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while _files(victim.root) == old and time.monotonic() < deadline:
            assert process.poll() is None, "khub ended before it could be killed"
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
    finally:
        process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL

    after = _files(victim.root)
    for name, data in after.items():
        assert data in (old[name], new[name]), f"{name} is neither the old nor the new file"
        assert yaml.safe_load(data), name
    states = ["new" if after[name] == new[name] else "old" for name in WRITTEN]
    assert states == ["new", "old"], "killed after the first file was replaced"
    load(victim.root, cache=False)
    assert not list((victim.root / "data").rglob("*.tmp"))
