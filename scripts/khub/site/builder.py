"""Build the site with mkdocs from a staging copy of build/docs, then swap both in.

`khub build` generates into build/.khub-stage-*/docs (a copy of build/docs brought up to
date), runs `mkdocs build --strict` from there into build/.khub-stage-*/site, and only when
both succeed moves the two into build/docs and site/. A render error, a strict-mode
warning, Ctrl-C or a CI time limit leaves build/ and site/ as they were. MkDocs runs in a
child process of its own group that ends with khub (khub.site.children), and its warnings about
a module page are shown at the line of content/MODULE.md they come from.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Generic, TypeVar

from khub.disk.paths import contained_file, safe_output_path
from khub.errors import KhubError
from khub.render.sanitize import require_enabled
from khub.site import stamp
from khub.site.children import Interrupted, start, stop, stop_signals_deferred
from khub.site.generate import BUILD_DOCS
from khub.site.stamp import CONFIG
from khub.site.warm import Request, WarmBuilder

SITE_DIR = "site"
STAGE_PREFIX = ".khub-stage-"
TRASH_PREFIX = ".khub-old-"
UNCHANGED = "build/ and site/ are as they were"
CACHE_LINE = "khub page cache:"

T = TypeVar("T")
_LEVEL = re.compile(r"(WARNING|ERROR)\s*-\s+(.*)")
_DOC_FILE = re.compile(r"Doc file '([^']+)'")
_LINK = re.compile(r"(?:link|link to) '([^']+)'")


class BuildError(KhubError):
    """The site builder failed; carries its output."""


def build_env() -> dict[str, str]:
    """Return the environment for a deterministic build."""
    env = dict(os.environ)
    env.setdefault("SOURCE_DATE_EPOCH", "1780272000")
    env.setdefault("NO_MKDOCS_2_WARNING", "1")
    return env


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What build_site did: generate's result, and whether the site was built again."""

    result: T | None  # None: nothing was generated, the sources were those of the last build
    rebuilt: bool
    pages: str = ""  # what the page cache did, in words ("" when the builder did not run)


def build_site(
    root: Path,
    generate_into: Callable[[Path], T],
    today: str = "",
    warm: WarmBuilder | None = None,
    sources: str = "",
) -> Outcome[T]:
    """Generate into a staging folder, build the site from it, then swap both in.

    When the generated pages, the configuration, the theme overrides and the builder are
    those of the last successful build and site/ is as that build left it, the builder does
    not run and site/ stays as it is. On any failure build/ and site/ stay as they were.
    With warm (`khub serve`'s), its long-lived child builds instead of a new one; sources
    is stamp.source_digest(root, today) when the caller has just computed it.
    """
    root = Path(root)
    require_enabled(root)
    docs, site = root / BUILD_DOCS, root / SITE_DIR
    sources = sources or stamp.source_digest(root, today)
    if stamp.sources_current(root, sources, docs, site):
        return Outcome(None, rebuilt=False)
    with _stage(docs.parent) as stage:
        previous = site if site.is_dir() and not site.is_symlink() else None
        request = _request(stage / "site", stage / "docs", previous)
        try:
            _copy_files(docs, stage / "docs")
            if warm is not None:  # it makes the navigation while generate writes the pages
                warm.prepare(request)
            try:
                result = generate_into(stage / "docs")
            except BaseException as exc:
                if warm is not None:  # on a stop signal, do not wait for it: end it
                    stopped = isinstance(exc, Interrupted) or not isinstance(exc, Exception)
                    warm.close() if stopped else warm.cancel()
                raise
            if warm is not None:  # it builds while the inputs are hashed
                warm.go(request)
            inputs = stamp.input_digest(root, stage / "docs")
            if stamp.is_current(root, inputs, site):
                if warm is not None:
                    warm.cancel()
                stamp.record(root, inputs, site, sources, docs)  # next time, skip generate too
                return Outcome(result, rebuilt=False)
            output = run_mkdocs(
                root, stage / "site", docs_dir=stage / "docs", previous_site=previous, warm=warm
            )
        except Interrupted as exc:
            raise Interrupted(exc.signum, UNCHANGED) from None
        with stop_signals_deferred():  # both folders move, or neither
            stamp.forget(root)  # a stop between the swaps must not leave a stamp that lies
            _swap(stage / "docs", docs, stage / "old-docs")
            _swap(stage / "site", site, stage / "old-site")
        stamp.record(root, inputs, site, sources, docs)
    return Outcome(result, rebuilt=True, pages=_cache_summary(output))


def scratch_generate(root: Path, generate_into: Callable[[Path], T]) -> T:
    """Generate into a scratch folder beside build/docs, then remove it; return the result."""
    root = Path(root)
    with _stage((root / BUILD_DOCS).parent) as stage:
        return generate_into(stage / "docs")


def _cache_summary(output: str) -> str:
    """Return the page cache's summary line from the builder's output ("" if none)."""
    for line in output.splitlines():
        if CACHE_LINE in line:
            return line.split(CACHE_LINE, 1)[1].strip()
    return ""


def mkdocs_build(root: Path, site_dir: Path | None = None) -> Path:
    """Run `mkdocs build --strict` over the configured docs_dir and swap the result into site/."""
    root = Path(root)
    require_enabled(root)
    contained_file(root, CONFIG)  # mkdocs reads it: a plain file of the hub, not a symlink out
    target = site_dir or safe_output_path(root, SITE_DIR, ".")
    with _stage(target.parent) as stage:
        run_mkdocs(root, stage / "site", unchanged="site/ is unchanged")
        with stop_signals_deferred():
            stamp.forget(root)  # this build's inputs are not recorded: the next one runs
            _swap(stage / "site", target, stage / "old-site")
    return target


def run_mkdocs(
    root: Path,
    site_dir: Path,
    *,
    docs_dir: Path | None = None,
    unchanged: str = UNCHANGED,
    previous_site: Path | None = None,
    warm: WarmBuilder | None = None,
) -> str:
    """Build strictly from docs_dir (default: mkdocs.yml's) into site_dir; raise BuildError.

    With docs_dir (a `khub build`), the builder uses khub's page cache and takes the output
    of unchanged pages from previous_site (khub.site.incremental). With warm, its child
    builds (a new one does when it cannot answer). Returns the builder's output.
    """
    request = _request(site_dir, docs_dir, previous_site)
    answer = warm.build(request) if warm is not None else None
    code, text = answer if answer is not None else _build_in_new_child(root, request)
    if code != 0:
        if docs_dir is not None:
            text = text.replace(str(docs_dir.resolve()), BUILD_DOCS)
        lines = locate(problem_lines(text), root)
        raise BuildError(f"mkdocs build --strict failed; {unchanged}:\n" + "\n".join(lines))
    return text


def _request(site_dir: Path, docs_dir: Path | None, previous_site: Path | None) -> Request:
    """Return the builder's request for these folders (resolved: the child has its own cwd)."""
    return Request(
        CONFIG,
        site_dir.resolve(),
        None if docs_dir is None else docs_dir.resolve(),
        None if previous_site is None else previous_site.resolve(),
    )


def _build_in_new_child(root: Path, request: Request) -> tuple[int, str]:
    """Run one build in a child of its own; return its exit code and output."""
    argv = [sys.executable, "-m", "khub.site.runner", "build", "--config", request.config]
    argv += ["--site-dir", str(request.site_dir)]
    if request.docs_dir is not None:
        argv += ["--docs-dir", str(request.docs_dir), "--page-cache"]
    if request.previous_site is not None:
        argv += ["--previous-site", str(request.previous_site)]
    with tempfile.TemporaryFile() as output:
        child = start(argv, cwd=root, env=build_env(), output=output)
        try:
            code = child.wait()
        finally:
            stop(child)
        output.seek(0)
        return code, output.read().decode("utf-8", errors="replace")


def problem_lines(output: str) -> list[str]:
    """Return the warning and error lines of mkdocs output (all of it when there are none)."""
    lines = [ln for ln in output.splitlines() if ln.startswith(("WARNING", "ERROR", "Aborted"))]
    return lines if lines else [output.strip()]


def locate(lines: list[str], root: Path) -> list[str]:
    """Put each mkdocs warning about a page at its source: content/MODULE.md:LINE if found."""
    return [_locate(line, root) for line in lines]


def _locate(line: str, root: Path) -> str:
    level = _LEVEL.fullmatch(line)
    page = _DOC_FILE.search(level.group(2)) if level else None
    if level is None or page is None:
        return line
    message = level.group(2)
    source = root / "content" / page.group(1)
    if "/" in page.group(1) or not source.is_file():
        return f"{BUILD_DOCS}/{page.group(1)}: {message}"
    link = _LINK.search(message)
    number = _line_of(source, link.group(1)) if link else 0
    where = f"content/{page.group(1)}" + (f":{number}" if number else "")
    return f"{where}: {message}"


def _line_of(source: Path, link: str) -> int:
    """Return the first line of source that holds the link, written as a link if possible."""
    try:
        lines = source.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return 0
    for needle in (f"]({link}", f"]: {link}", f"<{link}>", link):
        for number, text in enumerate(lines, 1):
            if needle in text:
                return number
    return 0


@contextlib.contextmanager
def _stage(parent: Path) -> Iterator[Path]:
    """Yield a fresh staging folder in parent; remove it, and parent if it was made for it.

    A staging folder that holds a replaced build/docs and site/ (thousands of files) is
    renamed out of the way and removed by a detached process, so `khub build` does not wait
    for it; should that process not finish, the next build's sweep removes the folder.
    """
    made = not parent.exists()
    parent.mkdir(parents=True, exist_ok=True)
    _sweep(parent)
    stage = Path(tempfile.mkdtemp(prefix=f"{STAGE_PREFIX}{os.getpid()}-", dir=parent))
    try:
        yield stage
    finally:
        if (stage / "old-site").is_dir() or (stage / "old-docs").is_dir():
            _discard(stage)
        else:
            shutil.rmtree(stage, ignore_errors=True)
        if made:
            with contextlib.suppress(OSError):
                parent.rmdir()  # only if nothing else landed there


def _discard(stage: Path) -> None:
    """Remove a staging folder in the background (in the foreground if that cannot start).

    The remover is started through a shell that exits at once, so it leaves no child to
    reap and outlives khub; the next build's sweep removes whatever it did not.
    """
    trash = stage.with_name(f"{TRASH_PREFIX}{stage.name.removeprefix(STAGE_PREFIX)}")
    code = "import shutil, sys; shutil.rmtree(sys.argv[1], ignore_errors=True)"
    script = '"$0" -c "$1" "$2" </dev/null >/dev/null 2>&1 &'
    try:
        stage.rename(trash)
        subprocess.run(
            ["/bin/sh", "-c", script, sys.executable, code, str(trash)], check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        shutil.rmtree(trash if trash.exists() else stage, ignore_errors=True)


def _sweep(parent: Path) -> None:
    """Remove staging folders of a khub that died (SIGKILL; its pid is in the name)."""
    for stage in [*parent.glob(f"{STAGE_PREFIX}*-*"), *parent.glob(f"{TRASH_PREFIX}*-*")]:
        prefix = TRASH_PREFIX if stage.name.startswith(TRASH_PREFIX) else STAGE_PREFIX
        pid = stage.name.removeprefix(prefix).split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)) and not stage.is_symlink():
            shutil.rmtree(stage, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _copy_files(source: Path, dest: Path) -> None:
    """Link (or copy) the regular files of source to dest; symlinks are not followed or kept.

    A hard link is safe here: generate replaces a file by renaming a new one over it and
    never writes into one, so the files under source keep their bytes whatever the build does.
    A folder is made in dest only when something is linked into it.
    """
    dest.mkdir(parents=True, exist_ok=True)
    if not source.is_dir() or source.is_symlink():
        return
    stack = [(source, dest)]
    while stack:
        here, there = stack.pop()
        made = there == dest
        with os.scandir(here) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append((here / entry.name, there / entry.name))
                    continue
                if not entry.is_file(follow_symlinks=False):
                    continue  # a symlink or something else: not part of the pages
                if not made:
                    there.mkdir(parents=True, exist_ok=True)
                    made = True
                target = there / entry.name
                try:
                    os.link(entry.path, target)
                except OSError:
                    shutil.copy2(entry.path, target)


def _swap(new: Path, target: Path, old: Path) -> None:
    """Put new in target's place, moving what was there to old (removed with the stage)."""
    if target.exists() or target.is_symlink():
        target.rename(old)
    try:
        new.rename(target)
    except OSError:
        if old.exists():
            old.rename(target)  # put the previous one back
        raise
