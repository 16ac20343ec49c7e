"""`khub build` fails or stops without touching build/ and site/, and takes mkdocs down with it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from khub.site.builder import TRASH_PREFIX, locate
from tests.kit.hubs import TODAY, copy_hub
from tests.kit.wait import wait_for
from tests.site.kit import without_widgets

pytestmark = pytest.mark.slow

KHUB = Path(sys.executable).parent / "khub"
ENV = {**os.environ, "KHUB_TODAY": TODAY.isoformat(), "NO_MKDOCS_2_WARNING": "1"}
UNCHANGED = "build/ and site/ are as they were"


def _tree(root: Path) -> dict[str, bytes]:
    """Return every file under root (the hub's own .khub-cache aside) with its bytes."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.relative_to(root).as_posix().startswith(".khub-cache/")
    }


def _khub(root: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [str(KHUB), *args],
        cwd=root,
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run(root: Path, *args: str) -> tuple[int, str]:
    process = _khub(root, *args)
    _, stderr = process.communicate(timeout=300)
    return process.returncode, stderr


@pytest.fixture(scope="module")
def built_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a small hub built by `khub build` (calculators and charts dropped)."""
    root = without_widgets(copy_hub(tmp_path_factory.mktemp("guard") / "hub"))
    code, stderr = _run(root, "build")
    assert code == 0, stderr
    return root


@pytest.fixture
def hub(built_once: Path, tmp_path: Path) -> Path:
    """Return a copy of the built hub whose alpha module has a new paragraph to build."""
    root = tmp_path / "hub"
    shutil.copytree(built_once, root, symlinks=True)
    alpha = root / "content" / "alpha.md"
    alpha.write_text(alpha.read_text("utf-8") + "\nA paragraph the next build adds.\n", "utf-8")
    return root


def _children(pid: int, marker: str) -> list[int]:
    """Return the pids of pid's children whose command line holds marker."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid and marker in cmdline:
            found.append(int(entry.name))
    return found


def _gone(pid: int) -> bool:
    """Return True when pid no longer runs (absent, or a zombie waiting to be reaped)."""
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return True
    return state == "Z"


def _mkdocs_child(process: subprocess.Popen[str], command: str) -> int:
    children: list[int] = []

    def started() -> bool:
        children[:] = _children(process.pid, f"khub.site.runner {command}")
        return bool(children)

    assert wait_for(started), "khub never started its mkdocs child"
    assert len(children) == 1
    return children[0]


def test_a_broken_link_is_named_at_its_content_line(hub: Path) -> None:
    before = _tree(hub)
    alpha = hub / "content" / "alpha.md"
    text = alpha.read_text("utf-8") + "See [the missing page](missing.md) for more.\n"
    alpha.write_text(text, "utf-8")
    line = text.splitlines().index("See [the missing page](missing.md) for more.") + 1
    code, stderr = _run(hub, "build")
    assert (code, stderr) == (
        1,
        f"error: mkdocs build --strict failed; {UNCHANGED}:\n"
        f"content/alpha.md:{line}: Doc file 'alpha.md' contains a link 'missing.md', but the "
        "target is not found among documentation files.\n"
        "Aborted with 1 warnings in strict mode!\n",
    )
    after = _tree(hub)
    assert {k: v for k, v in after.items() if k != "content/alpha.md"} == {
        k: v for k, v in before.items() if k != "content/alpha.md"
    }


def test_a_render_error_leaves_build_and_site(hub: Path) -> None:
    alpha = hub / "content" / "alpha.md"
    text = alpha.read_text("utf-8") + '{{ fact("no-such.fact") }}\n'
    alpha.write_text(text, "utf-8")
    before = _tree(hub)
    code, stderr = _run(hub, "build")
    line = len(text.splitlines())
    assert (code, stderr) == (
        1,
        f"content/alpha.md:{line}: unknown fact 'no-such.fact' (see `khub facts`)\n",
    )
    assert _tree(hub) == before
    assert sorted(p.name for p in (hub / "build").iterdir()) == ["docs"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_a_stopped_build_ends_mkdocs_and_changes_nothing(hub: Path, signum: int) -> None:
    before = _tree(hub)
    process = _khub(hub, "build")
    child = _mkdocs_child(process, "build")
    process.send_signal(signum)
    _, stderr = process.communicate(timeout=60)
    name = signal.Signals(signum).name
    expected = f"error: stopped by {name}; {UNCHANGED}\n"
    assert (process.returncode, stderr) == (128 + signum, expected)
    assert _gone(child), "the mkdocs child outlived khub"
    assert _tree(hub) == before
    assert sorted(p.name for p in (hub / "build").iterdir()) == ["docs"]


def test_a_sigkilled_build_still_takes_mkdocs_down(hub: Path) -> None:
    process = _khub(hub, "build")
    child = _mkdocs_child(process, "build")
    process.kill()
    process.communicate(timeout=60)
    assert wait_for(lambda: _gone(child), timeout=10), "the mkdocs child outlived khub"
    leftover = [p.name for p in (hub / "build").iterdir() if p.name != "docs"]
    assert len(leftover) == 1 and leftover[0].startswith(".khub-stage-")
    code, stderr = _run(hub, "build")  # the next build sweeps the dead one's staging folder
    assert code == 0, stderr
    kept = [p.name for p in (hub / "build").iterdir() if not p.name.startswith(TRASH_PREFIX)]
    assert kept == ["docs"]  # the replaced site and docs go in the background
    assert "A paragraph the next build adds." in (hub / "site/alpha/index.html").read_text()


def test_a_serve_stopped_while_it_builds_ends_the_build(hub: Path) -> None:
    before = _tree(hub)
    process = _khub(hub, "serve", "--dev-addr", f"127.0.0.1:{_free_port()}")
    child = _mkdocs_child(process, "serve")  # the preview's builder, up for all its builds
    building = lambda: any((hub / "build").glob(".khub-stage-*"))  # noqa: E731
    assert wait_for(building), "khub serve never started its first build"
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert f"stopped by SIGTERM; {UNCHANGED}: preview ended\n" == stderr, stderr
    assert _gone(child), "the mkdocs child outlived khub"
    assert _tree(hub) == before


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_warnings_are_placed_at_the_source_they_come_from(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "alpha.md").write_text("---\ntitle: A\n---\nSee [it](#sec).\n")
    tail = "but the target is not found among documentation files."
    lines = [
        f"WARNING -  Doc file 'facts/s.md' contains a link 'x.md', {tail}",
        "WARNING -  Doc file 'alpha.md' contains a link '#sec', but there is no such anchor.",
        f"WARNING -  Doc file 'alpha.md' contains a link 'made-by-a-template.md', {tail}",
        f"WARNING -  Doc file 'beta.md' contains a link 'x.md', {tail}",
        "Aborted with 4 warnings in strict mode!",
    ]
    assert locate(lines, tmp_path) == [
        f"build/docs/facts/s.md: Doc file 'facts/s.md' contains a link 'x.md', {tail}",
        "content/alpha.md:4: Doc file 'alpha.md' contains a link '#sec', but there is no such "
        "anchor.",
        f"content/alpha.md: Doc file 'alpha.md' contains a link 'made-by-a-template.md', {tail}",
        f"build/docs/beta.md: Doc file 'beta.md' contains a link 'x.md', {tail}",
        "Aborted with 4 warnings in strict mode!",
    ]


def test_a_module_name_with_a_trailing_newline_is_refused(tmp_path: Path) -> None:
    root = without_widgets(copy_hub(tmp_path / "hub"))
    shutil.copy(root / "content" / "alpha.md", root / "content" / "gamma\n.md")
    code, stderr = _run(root, "generate")
    assert (code, stderr) == (
        1,
        "content/gamma\n.md:3: module 'gamma\\n' is not a valid id (ids use lower-case "
        "letters, digits and hyphens, such as 'gamma')\n",
    )
    assert not (root / "build").exists()


_COMPILE = """
from khub.site.runner import _remember_templates
templates = _remember_templates()
templates.compile_theme("mkdocs.yml")
print(len(templates.cache.code))
"""


def test_the_serve_child_compiles_the_theme_before_its_first_request(tmp_path: Path) -> None:
    hub = without_widgets(copy_hub(tmp_path / "hub"))
    argv = [sys.executable, "-c", _COMPILE]
    compiled = subprocess.run(argv, cwd=hub, env=ENV, capture_output=True, text=True, check=True)
    assert int(compiled.stdout) > 20, "the theme's templates were not compiled"  # Material's
    (hub / "mkdocs.yml").write_text("theme: [not, a, theme]\n", encoding="utf-8")
    broken = subprocess.run(argv, cwd=hub, env=ENV, capture_output=True, text=True, check=True)
    assert int(broken.stdout) == 0  # nothing kept, nothing raised: the build reports it
