"""`khub edition publish` refuses a month with a trailing newline and waits for the write lock."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from khub.cli.main import main
from khub.disk.lock import LOCK_FILE, data_lock


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("month", "shown"),
    [
        ("2026-08\n", r'"2026-08\n"'),
        ("2026-08\r\n", r'"2026-08\r\n"'),
        ("\n2026-08", r'"\n2026-08"'),
        ("２０２６-08", '"２０２６-08"'),
        ("٢٠٢٦-08", '"٢٠٢٦-08"'),
        ("2026-8", '"2026-8"'),
    ],
)
def test_a_month_that_only_looks_like_one_is_refused(hub: Path, month: str, shown: str) -> None:
    before = _tree(hub)
    done = CliRunner().invoke(main, ["edition", "publish", month, "--date", "2026-08-31"])
    assert (done.exit_code, done.output) == (
        2,
        f"error: edition {shown} is not a month (write YYYY-MM, e.g. 2026-06)\n",
    )
    assert isinstance(done.exception, SystemExit)
    assert _tree(hub) == before


def test_publish_waits_for_another_writer_then_gives_up(
    hub: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KHUB_LOCK_TIMEOUT", "0.3")
    before = _tree(hub)
    with data_lock(hub):
        done = CliRunner().invoke(main, ["edition", "publish", "2026-06"])
        assert _tree(hub) == {**before, LOCK_FILE: f"{os.getpid()}\n".encode()}
    assert done.exit_code == 3
    pid = os.getpid()
    assert done.output == (
        f"waiting for another khub writing data/ (pid {pid})…\n"
        f"error: {LOCK_FILE}: another khub (pid {pid}) is still writing data/ after 0.3 s; "
        "nothing written (let it finish and run again, or raise KHUB_LOCK_TIMEOUT)\n"
    )
    assert _tree(hub) == before


def test_publish_takes_the_lock_and_leaves_no_lock_file(hub: Path) -> None:
    done = CliRunner().invoke(main, ["edition", "publish", "2026-06"])
    assert done.exit_code == 0, done.output
    assert done.output.startswith("published edition 2026-06: data/editions/2026-06.yml (")
    assert not (hub / LOCK_FILE).exists()
