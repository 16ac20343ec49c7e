"""Build the site with mkdocs into a temporary folder and swap it in; serve a live preview."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from khub.errors import KhubError
from khub.mdsafe import require_enabled

SITE_DIR = "site"
CONFIG = "mkdocs.yml"
WATCHED = ("content", "data", "templates")


class BuildError(KhubError):
    """The site builder failed; carries its output."""


def build_env() -> dict[str, str]:
    """Return the environment for a deterministic build."""
    env = dict(os.environ)
    env.setdefault("SOURCE_DATE_EPOCH", "1780272000")
    env.setdefault("NO_MKDOCS_2_WARNING", "1")
    return env


def mkdocs_build(root: Path, site_dir: Path | None = None) -> Path:
    """Run `mkdocs build --strict` into a temporary folder, then swap it into site/.

    Refuses (SanitiserMissingError) when mkdocs.yml does not enable the HTML sanitiser.
    """
    root = Path(root)
    require_enabled(root)
    target = site_dir or root / SITE_DIR
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".site-", dir=target.parent))
    argv = [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", CONFIG]
    try:
        proc = subprocess.run(
            [*argv, "-d", str(tmp.resolve())],
            cwd=root,
            env=build_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            output = _problems(proc.stdout + proc.stderr)
            raise BuildError(f"mkdocs build --strict failed; site/ is unchanged:\n{output}")
        _swap(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _problems(output: str) -> str:
    """Return the warning and error lines of mkdocs output (all of it when there are none)."""
    lines = [ln for ln in output.splitlines() if ln.startswith(("WARNING", "ERROR", "Aborted"))]
    return "\n".join(lines) if lines else output.strip()


def _swap(new: Path, target: Path) -> None:
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)


class Debouncer:
    """Run an action once a burst of events has been quiet for a while."""

    def __init__(self, action: Callable[[], None], delay: float = 0.3) -> None:
        self.action = action
        self.delay = delay
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def trigger(self) -> None:
        """Restart the quiet-period timer."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self.delay, self.action)
            self._timer.daemon = True
            self._timer.start()


def watch(root: Path, on_change: Callable[[], None]) -> Callable[[], None]:
    """Call on_change after edits under content/, data/ and templates/; return a stopper."""
    from watchdog.events import FileSystemEvent, FileSystemEventHandler
    from watchdog.observers import Observer

    debouncer = Debouncer(on_change)

    class Handler(FileSystemEventHandler):
        def on_any_event(self, event: FileSystemEvent) -> None:
            if not str(event.src_path).endswith((".khub-tmp", "~", ".swp")):
                debouncer.trigger()

    observer = Observer()
    for name in WATCHED:
        folder = root / name
        if folder.is_dir():
            observer.schedule(Handler(), str(folder), recursive=True)
    observer.start()

    def stop() -> None:
        observer.stop()
        observer.join()

    return stop


def mkdocs_serve(root: Path, dev_addr: str) -> subprocess.Popen[bytes]:
    """Start `mkdocs serve`, which rebuilds and reloads when build/docs changes."""
    require_enabled(root)
    argv = [sys.executable, "-m", "mkdocs", "serve", "-f", CONFIG, "--dev-addr", dev_addr]
    return subprocess.Popen([*argv, "--livereload"], cwd=root, env=build_env())
