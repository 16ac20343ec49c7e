"""`khub serve`'s warm builder: one long-lived builder child, and sites equal to clean builds.

The builds run in this process through khub.site.builder.build_site, as `khub serve`
runs them, with a real builder child (`python -m khub.site.runner serve`) that prepares
each build while the pages are generated; every site is compared, byte for byte, with a
cold `khub build` of the same sources in a fresh copy of the hub.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from khub.cli.site import Kept, run_generate
from khub.disk.cachedir import cache_root
from khub.errors import DataError
from khub.site.builder import build_env, build_site
from khub.site.generate import GenerateResult
from khub.site.parallel import JOBS_ENV
from khub.site.runner import Gate, _gated
from khub.site.warm import WarmBuilder
from tests.kit.cli import run_khub
from tests.kit.hubs import TODAY, copy_hub, replace_once
from tests.kit.tree import tree_digest
from tests.site.kit import without_widgets

pytestmark = pytest.mark.slow


@pytest.fixture(autouse=True)
def _one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(JOBS_ENV, "1")


@pytest.fixture
def hub(tmp_path: Path) -> Path:
    return without_widgets(copy_hub(tmp_path / "hub"))


@pytest.fixture
def warm(hub: Path) -> Any:
    builder = WarmBuilder(hub, build_env())
    yield builder
    builder.close()


def _build(hub: Path, kept: Kept) -> None:
    generate: Callable[[Path], GenerateResult] = lambda out: run_generate(  # noqa: E731
        hub, TODAY, out_dir=out, kept=kept
    )
    try:
        outcome = build_site(hub, generate, TODAY.isoformat(), kept.builder)
    finally:
        kept.files.flush()  # as khub serve does after each build
    assert outcome.rebuilt


def _clean_build(hub: Path, where: Path) -> dict[str, str]:
    """Build a copy of hub's sources with `khub build` from nothing; return its site."""
    fresh = where / "fresh"
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.rmtree(cache_root(fresh), ignore_errors=True)
    shutil.copytree(hub, fresh, ignore=shutil.ignore_patterns("build", "site"))
    assert not cache_root(fresh).exists()
    proc = run_khub(fresh, "build", today=TODAY.isoformat())
    assert proc.returncode == 0, proc.stderr
    return tree_digest(fresh / "site")


def test_one_child_builds_every_time_and_each_site_equals_a_clean_build(
    hub: Path, warm: WarmBuilder, tmp_path: Path
) -> None:
    kept = Kept(warm)
    _build(hub, kept)
    assert tree_digest(hub / "site") == _clean_build(hub, tmp_path)
    replace_once(hub / "data" / "facts" / "costs.yml", "value: 5\n", "value: 6\n")
    _build(hub, kept)
    assert tree_digest(hub / "site") == _clean_build(hub, tmp_path)
    replace_once(hub / "content" / "beta.md", "title: Beta module", "title: Beta, renamed")
    _build(hub, kept)
    assert tree_digest(hub / "site") == _clean_build(hub, tmp_path)
    assert (warm.started, warm.builds) == (1, 3)
    assert kept.memo.facts, "the load memo kept nothing between builds"
    proc = run_khub(hub, "generate", today=TODAY.isoformat())  # reads the cache files kept wrote
    assert proc.returncode == 0, proc.stderr
    assert "0 written" in proc.stderr and "0 module(s) rendered" in proc.stderr, proc.stderr


def test_a_page_generate_adds_makes_the_prepared_build_start_again(
    hub: Path, warm: WarmBuilder, tmp_path: Path
) -> None:
    kept = Kept(warm)
    _build(hub, kept)
    beta = (hub / "content" / "beta.md").read_text(encoding="utf-8")
    gamma = beta.replace("title: Beta module", "title: Gamma module")
    gamma = gamma.replace("module: beta", "module: gamma").replace("order: 2", "order: 3")
    (hub / "content" / "gamma.md").write_text(gamma, encoding="utf-8")
    _build(hub, kept)  # the child listed the files before gamma.md was generated
    site = tree_digest(hub / "site")
    assert "gamma/index.html" in site
    assert site == _clean_build(hub, tmp_path)


def test_a_failed_generate_calls_the_prepared_build_off(
    hub: Path, warm: WarmBuilder, tmp_path: Path
) -> None:
    kept = Kept(warm)
    _build(hub, kept)
    before = tree_digest(hub / "site")
    costs = hub / "data" / "facts" / "costs.yml"
    good = costs.read_text(encoding="utf-8")
    costs.write_text(good.replace("value: 5\n", "value: five\n"), encoding="utf-8")
    for _ in range(2):  # reported every time: a record with errors is not kept
        with pytest.raises(DataError) as failed:
            _build(hub, kept)
        assert any("costs.yml" in str(p) for p in failed.value.problems)
    assert tree_digest(hub / "site") == before
    costs.write_text(good.replace("value: 5\n", "value: 7\n"), encoding="utf-8")
    _build(hub, kept)
    assert tree_digest(hub / "site") == _clean_build(hub, tmp_path)
    assert warm.started == 1, "the child did not survive a called-off build"


def test_a_killed_child_is_replaced_and_the_build_still_lands(
    hub: Path, warm: WarmBuilder, tmp_path: Path
) -> None:
    kept = Kept(warm)
    _build(hub, kept)
    child = warm._child
    assert child is not None
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    replace_once(hub / "data" / "facts" / "costs.yml", "value: 5\n", "value: 6\n")
    _build(hub, kept)
    assert tree_digest(hub / "site") == _clean_build(hub, tmp_path)
    _build_again = warm.started
    replace_once(hub / "data" / "facts" / "costs.yml", "value: 6\n", "value: 8\n")
    _build(hub, kept)
    assert warm.started == _build_again and warm.builds >= 1


# A builder child run by hand: its build waits at the gate, and while it waits (as generate
# would) a page is replaced by a new file; then it is told to go.
_WAITING_BUILD = """
import json, os, sys
from pathlib import Path
from khub.disk.atomic import write_atomic
from khub.site.runner import Gate, _one_build
docs, site, previous = (Path(arg) for arg in sys.argv[1:4])
page = docs / "beta.md"

class Generate:
    def readline(self):
        write_atomic(page, page.read_bytes() + b"\\nWritten while the build waited.\\n")
        return "go\\n"

reply = _one_build("mkdocs.yml", str(docs), str(site), previous, {}, Gate(Generate(), docs))
print(json.dumps(reply))
"""


def test_a_page_replaced_while_the_build_waits_is_built_from_its_new_bytes(
    hub: Path, tmp_path: Path
) -> None:
    assert run_khub(hub, "build", today=TODAY.isoformat()).returncode == 0  # the cache filled
    docs, site = tmp_path / "stage" / "docs", tmp_path / "stage" / "site"
    shutil.copytree(hub / "build" / "docs", docs)
    argv = [sys.executable, "-c", _WAITING_BUILD, str(docs), str(site), str(hub / "site")]
    proc = subprocess.run(argv, cwd=hub, env=build_env(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    reply = json.loads(proc.stdout.splitlines()[-1])
    assert reply["code"] == 0, reply["output"]
    assert "1 page(s) converted" in reply["output"], reply["output"]  # beta, and only beta
    assert "Written while the build waited." in (site / "beta" / "index.html").read_text("utf-8")
    clean = tmp_path / "clean"
    argv = [sys.executable, "-m", "khub.site.runner", "build", "--config", "mkdocs.yml"]
    argv += ["--docs-dir", str(docs), "--site-dir", str(clean)]  # no page cache: from nothing
    built = subprocess.run(argv, cwd=hub, env=build_env(), capture_output=True, text=True)
    assert built.returncode == 0, built.stdout + built.stderr
    assert tree_digest(site) == tree_digest(clean)


def _gate(tmp_path: Path, answer: str) -> Gate:
    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    (docs / "a.md").write_text("a\n", encoding="utf-8")
    return Gate(io.StringIO(answer), docs)


def _fake_build(runs: list[Gate | None], at_page: Callable[[], None] = lambda: None) -> Any:
    def build(gate: Gate | None) -> dict[str, Any]:
        runs.append(gate)
        if gate is not None:
            at_page()
            gate()
        return {"code": 0, "output": f"build {len(runs)}"}

    return build


def test_the_gate_lets_a_build_on_when_generate_changed_no_file_names(tmp_path: Path) -> None:
    runs: list[Gate | None] = []
    gate = _gate(tmp_path, "go\n")
    (tmp_path / "docs" / "a.md").write_text("new text, same name\n", encoding="utf-8")
    assert _gated(_fake_build(runs), gate) == {"code": 0, "output": "build 1"}
    assert runs == [gate]


def test_the_gate_restarts_a_build_whose_files_changed(tmp_path: Path) -> None:
    runs: list[Gate | None] = []
    gate = _gate(tmp_path, "go\n")
    added = lambda: (tmp_path / "docs" / "b.md").write_text("b\n")  # noqa: E731
    assert _gated(_fake_build(runs, added), gate) == {"code": 0, "output": "build 2"}
    assert runs == [gate, None]


def test_the_gate_calls_a_build_off_on_stop(tmp_path: Path) -> None:
    runs: list[Gate | None] = []
    reply = _gated(_fake_build(runs), _gate(tmp_path, "stop\n"))
    assert reply == {"code": 0, "output": "", "cancelled": True}


def test_a_build_that_ends_before_its_first_page_is_made_again_after_go(tmp_path: Path) -> None:
    runs: list[Gate | None] = []

    def no_pages(gate: Gate | None) -> dict[str, Any]:
        runs.append(gate)
        return {"code": 1, "output": f"build {len(runs)}"}

    assert _gated(no_pages, _gate(tmp_path, "go\n")) == {"code": 1, "output": "build 2"}
    assert _gated(no_pages, _gate(tmp_path, "stop\n"))["cancelled"] is True
