"""Time `khub build` and `khub serve` on a large hub, every step of issue 15 side by side.

Old page format vs new, cold, no-op, one fact changed (the page cache), that build against
a clean one, the preview, and a scale curve.

The hub comes from benchmarks/gen_hub.py (20,000 facts, 2,000 derived, 500 sources, N
modules). In one run, on the same machine and the same builder (ProperDocs + Material):

- cold `khub build` with the page format of before issue 15 (Markdown tables with
  attribute lists; benchmarks/legacy_pages.py, swapped in by this script), then with
  today's format (HTML tables, paged derived facts);
- `khub build` again with nothing changed (the build stamp skips the builder);
- one fact changed, `khub build` (generate re-renders only what used the fact; the builder
  takes every other page from its page cache);
- that site compared byte for byte with a cold build of the same input (empty caches);
- `khub serve` idle (processor time over 5 s), the time from each of five one-fact edits
  until the served page changes, and the peak memory of the preview's processes;
- a scale curve: cold build time and site size at several hub sizes, per module.

Each step runs in a process of its own; peak RSS is the largest of its descendants, and
"CPU s" is the processor time of the step's processes (user + system), which a machine
shared with other jobs inflates far less than the wall time.

    python benchmarks/bench_build.py [--modules 1000] [--scale 250,500,1000,2000]
    python benchmarks/bench_build.py --serve-only     # the preview's row alone
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_generate import (  # noqa: E402
    BIN,
    ENV,
    REPO,
    change_one_fact,
    make_hub,
    size_mb,
)
from bench_generate import measure_usage as measure  # noqa: E402
from khub.disk.cachedir import cache_root  # noqa: E402
from khub.site.parallel import JOBS_ENV  # noqa: E402

LEGACY_FLAG = "--legacy-khub"
COLD: dict[int, tuple[tuple[float, float, float, str], float]] = {}  # modules -> cold build


def run_legacy_khub(argv: list[str]) -> None:
    """Run the khub command line with the generated pages of before issue 15."""
    import khub.render.elements
    import khub.site.generate
    import legacy_pages
    from khub.cli.main import main

    khub.render.elements.DERIVED_PER_PAGE = 10**9  # one derived page, as before
    khub.site.generate.site_pages = legacy_pages.site_pages  # type: ignore[assignment]
    sys.argv = ["khub", *argv]
    main()


def prepare(modules: int) -> Path:
    """Return the benchmark hub with the repository's theme overrides beside its assets.

    At 1,000 modules it is bench_generate's hub (20,000 facts, 2,000 derived, 500
    sources); at other sizes the data scale with the modules (20 facts, 2 derived facts and
    half a source per module), so the curve shows how the build grows with the whole hub.
    """
    hub = make_hub(modules) if modules == 1000 else scaled_hub(modules)
    shutil.rmtree(hub / "templates" / "overrides", ignore_errors=True)
    shutil.copytree(REPO / "templates" / "overrides", hub / "templates" / "overrides")
    return hub


def scaled_hub(modules: int) -> Path:
    """Generate (once) a hub whose data grow with its modules; return its folder."""
    hub = HERE / "out" / f"hub-scale-{modules}"
    if not (hub / "content").is_dir():
        shutil.rmtree(hub, ignore_errors=True)
        sizes = {
            "--modules": modules,
            "--facts": max(20 * modules, 1000),
            "--derived": max(2 * modules, 50),  # gen_hub writes 50 claims about them
            "--sources": max(modules // 2, 10),
            "--files": max(modules // 5, 2),
        }
        argv = [sys.executable, str(HERE / "gen_hub.py"), str(hub)]
        argv += [str(part) for pair in sizes.items() for part in pair]
        subprocess.run(argv, check=True, capture_output=True)
    shutil.copy(REPO / "mkdocs.yml", hub / "mkdocs.yml")
    shutil.rmtree(hub / "templates", ignore_errors=True)
    shutil.copytree(REPO / "templates" / "assets", hub / "templates" / "assets")
    return hub


def clean(hub: Path) -> None:
    """Remove everything a build left: build/, site/ and the hub's caches."""
    for folder in (hub / "build", hub / "site", hub / ".khub-cache", cache_root(hub)):
        shutil.rmtree(folder, ignore_errors=True)


def khub_build(hub: Path, legacy: bool = False) -> tuple[float, float, float, str]:
    """Run `khub build` in the hub; return (wall s, CPU s, peak RSS MB, output).

    The old page format is built as the builder built it then: in one process.
    """
    if legacy:
        ENV[JOBS_ENV] = "1"
        try:
            return measure([sys.executable, str(Path(__file__)), LEGACY_FLAG, "build"], hub)
        finally:
            del ENV[JOBS_ENV]
    return measure([str(BIN / "khub"), "build"], hub)


def pages_line(output: str) -> str:
    """Return what the page cache did, from `khub build`'s output."""
    found = [ln for ln in output.splitlines() if ln.startswith("pages: ")]
    return found[0].removeprefix("pages: ") if found else "builder did not run"


def largest_page_kb(folder: Path, suffix: str) -> tuple[float, str]:
    """Return the size in KB and the path of the largest file with the suffix under folder."""
    sizes = [(p.stat().st_size, p) for p in folder.rglob(f"*{suffix}")]
    size, path = max(sizes)
    return size / 1e3, path.relative_to(folder).as_posix()


def same_tree(a: Path, b: Path) -> list[str]:
    """Return the files that differ between two trees (missing on either side included)."""
    rel_a = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    rel_b = {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    differ = sorted(str(p) for p in rel_a ^ rel_b)
    differ += sorted(str(p) for p in rel_a & rel_b if not filecmp.cmp(a / p, b / p, shallow=False))
    return differ


def row(name: str, step: tuple[float, float, float, str], note: str = "") -> str:
    """Return one line of the figures table."""
    wall, cpu, rss, _ = step
    return f"| {name} | {wall:.1f} | {cpu:.1f} | {rss:.0f} | {note} |"


def full_run(modules: int) -> list[str]:
    """Measure every step at one hub size; return the table rows."""
    hub = prepare(modules)
    rows: list[str] = []
    clean(hub)
    old = khub_build(hub, legacy=True)
    docs_kb, docs_page = largest_page_kb(hub / "build" / "docs", ".md")
    note = f"site {size_mb(hub / 'site'):.0f} MB; largest page {docs_page} {docs_kb:.0f} KB"
    rows.append(row("cold, old page format", old, note))
    clean(hub)
    new = khub_build(hub)
    COLD[modules] = (new, size_mb(hub / "site"))
    docs_kb, docs_page = largest_page_kb(hub / "build" / "docs", ".md")
    html_kb, html_page = largest_page_kb(hub / "site", ".html")
    note = (
        f"{new[0] / old[0]:.0%} of old (CPU {new[1] / old[1]:.0%}); site "
        f"{size_mb(hub / 'site'):.0f} MB; largest page {docs_page} {docs_kb:.0f} KB "
        f"(HTML {html_page} {html_kb:.0f} KB)"
    )
    rows.append(row("cold, new page format", new, note))
    step = khub_build(hub)
    rows.append(row("nothing changed", step, step[3].strip().splitlines()[-1]))
    fact = change_one_fact(hub)
    step = khub_build(hub)
    rows.append(row(f"one fact changed ({fact})", step, pages_line(step[3])))
    rebuilt = hub.parent / f"site-after-change-{modules}"
    shutil.rmtree(rebuilt, ignore_errors=True)
    shutil.move(hub / "site", rebuilt)
    clean(hub)
    step = khub_build(hub)
    differ = same_tree(rebuilt, hub / "site")
    verdict = "identical" if not differ else f"{len(differ)} files differ, e.g. {differ[0]}"
    rows.append(row("cold build of the same input", step, f"vs. the one-fact build: {verdict}"))
    shutil.rmtree(rebuilt, ignore_errors=True)
    rows.append(serve_row(hub, modules))
    return rows


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    """Return the processor time of pid and its finished children (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _get(url: str) -> bytes:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return bytes(answer.read())
    except OSError:
        return b""


def _family(pid: int) -> list[int]:
    """Return pid and every process descended from it (from /proc)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    family = [pid]
    for parent in family:
        family.extend(child for child, up in parents.items() if up == parent)
    return family


def _peak_rss_mb(pid: int) -> float:
    """Return the peak resident memory of one process (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def serve_row(hub: Path, modules: int, edits: int = 5) -> str:
    """Start `khub serve` on the built hub; measure idle CPU and the latency of each edit.

    Each edit changes one fact's value; its latency is from the write until module-0000
    serves the new page. Memory is the peak of each of the preview's processes (the
    khub process and its builder child) after the edits.
    """
    port = _free_port()
    log = hub.parent / f"serve-{modules}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(BIN / "khub"), "serve", "--dev-addr", f"127.0.0.1:{port}"],
            cwd=hub,
            env=ENV,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/module-0000/"
    latencies: list[float] = []
    try:
        while "khub serve: serving" not in log.read_text():
            if proc.poll() is not None:
                raise SystemExit(f"khub serve ended:\n{log.read_text()}")
            time.sleep(0.2)
        before = _get(url)
        time.sleep(1.0)
        cpu0, t0 = _cpu_seconds(proc.pid), time.monotonic()
        time.sleep(5.0)
        idle = (_cpu_seconds(proc.pid) - cpu0) / (time.monotonic() - t0)
        for _ in range(edits):
            fact = change_one_fact(hub)
            edited = time.monotonic()
            while _get(url) in (before, b"") and time.monotonic() - edited < 600:
                time.sleep(0.05)
            latencies.append(time.monotonic() - edited)
            before = _get(url)
            time.sleep(3.0)
        rebuilds = log.read_text().count("khub serve: rebuilt")
        memory = [_peak_rss_mb(pid) for pid in _family(proc.pid)]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
    each = ", ".join(f"{t:.2f}" for t in latencies)
    median = sorted(latencies)[len(latencies) // 2]
    rss = " + ".join(f"{mb:.0f}" for mb in memory)
    return (
        f"| `khub serve`: {edits} edits of {fact}, each until module-0000 shows it (median) "
        f"| {median:.2f} | - | {sum(memory):.0f} | each {each} s; idle before the edits: "
        f"{idle:.1%} of a core; {rebuilds} rebuild(s); peak RSS per process {rss} MB |"
    )


def scale_row(modules: int) -> str:
    """Return one row of the scale curve: cold build time, peak RSS and site size."""
    if modules in COLD:  # measured by the full run a moment ago: same hub, same build
        (wall, cpu, rss, _), site = COLD[modules]
    else:
        hub = prepare(modules)
        clean(hub)
        wall, cpu, rss, _ = khub_build(hub)
        site = size_mb(hub / "site")
    return (
        f"| {modules} | {wall:.1f} | {cpu:.1f} | {1000 * cpu / modules:.0f} | {rss:.0f} "
        f"| {site:.0f} | {1000 * site / modules:.0f} |"
    )


def main() -> None:
    """Print the figures as Markdown tables."""
    if len(sys.argv) > 1 and sys.argv[1] == LEGACY_FLAG:
        run_legacy_khub(sys.argv[2:])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--modules", type=int, default=1000)
    parser.add_argument("--scale", default="", help="comma-separated module counts")
    parser.add_argument("--no-full", action="store_true", help="only the scale curve")
    parser.add_argument("--serve-only", action="store_true", help="only the preview's row")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"{args.modules} modules, {os.cpu_count()} cores, load average {load:.1f} at start")
    if args.serve_only:  # on the hub as the last build left it (built first if need be)
        hub = prepare(args.modules)
        khub_build(hub)
        print(serve_row(hub, args.modules), flush=True)
        print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
        return
    if args.no_full:
        args.modules = 0
    print("\n| step | wall s | CPU s | peak RSS MB | notes |\n|---|---|---|---|---|")
    for line in full_run(args.modules) if args.modules else []:
        print(line, flush=True)
    if args.scale:
        print(
            "\n| modules | cold wall s | cold CPU s | CPU ms per module | peak RSS MB | site MB "
            "| site KB per module |\n|---|---|---|---|---|---|---|"
        )
        for count in (int(c) for c in args.scale.split(",")):
            print(scale_row(count), flush=True)
        print(f"load average {os.getloadavg()[0]:.1f} after the scale curve")
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
