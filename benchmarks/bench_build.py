"""Time `khub build` on a large hub: old page format vs new, cold, no-op, one fact changed.

The hub comes from benchmarks/gen_hub.py (20,000 facts, 2,000 derived, 500 sources, N
modules). In one run, on the same machine and the same builder (ProperDocs + Material):

- cold `khub build` with the page format of before issue 15 (Markdown tables with
  attribute lists; benchmarks/legacy_pages.py, swapped in by this script), then with
  today's format (HTML tables, paged derived facts);
- `khub build` again with nothing changed (the build stamp skips the builder);
- one fact changed, `khub build` (generate re-renders only what used the fact);
- that site compared byte for byte with a cold build of the same input.

Each step runs in a process of its own; peak RSS is the largest of its descendants.

    python benchmarks/bench_build.py [--modules 1000] [--scale 250,500,1000,2000]
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_generate import BIN, REPO, change_one_fact, make_hub, measure, size_mb  # noqa: E402
from khub.disk.cachedir import cache_root  # noqa: E402

LEGACY_FLAG = "--legacy-khub"


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
    """Return the benchmark hub with the repository's theme overrides beside its assets."""
    hub = make_hub(modules)
    shutil.rmtree(hub / "templates" / "overrides", ignore_errors=True)
    shutil.copytree(REPO / "templates" / "overrides", hub / "templates" / "overrides")
    return hub


def clean(hub: Path) -> None:
    """Remove everything a build left: build/, site/ and the hub's caches."""
    for folder in (hub / "build", hub / "site", hub / ".khub-cache", cache_root(hub)):
        shutil.rmtree(folder, ignore_errors=True)


def khub_build(hub: Path, legacy: bool = False) -> tuple[float, float, str]:
    """Run `khub build` in the hub; return (seconds, peak RSS MB, output)."""
    if legacy:
        return measure([sys.executable, str(Path(__file__)), LEGACY_FLAG, "build"], hub)
    return measure([str(BIN / "khub"), "build"], hub)


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


def row(name: str, seconds: float, rss: float, note: str = "") -> str:
    """Return one line of the figures table."""
    return f"| {name} | {seconds:.1f} | {rss:.0f} | {note} |"


def full_run(modules: int) -> list[str]:
    """Measure every step at one hub size; return the table rows."""
    hub = prepare(modules)
    rows: list[str] = []
    clean(hub)
    seconds, rss, _ = khub_build(hub, legacy=True)
    docs_kb, docs_page = largest_page_kb(hub / "build" / "docs", ".md")
    rows.append(
        row(
            "cold, old page format",
            seconds,
            rss,
            f"site {size_mb(hub / 'site'):.0f} MB; largest page {docs_page} {docs_kb:.0f} KB",
        )
    )
    old = seconds
    clean(hub)
    seconds, rss, _ = khub_build(hub)
    docs_kb, docs_page = largest_page_kb(hub / "build" / "docs", ".md")
    html_kb, html_page = largest_page_kb(hub / "site", ".html")
    rows.append(
        row(
            "cold, new page format",
            seconds,
            rss,
            f"{seconds / old:.0%} of old; site "
            f"{size_mb(hub / 'site'):.0f} MB; largest page {docs_page} {docs_kb:.0f} KB "
            f"(HTML {html_page} {html_kb:.0f} KB)",
        )
    )
    seconds, rss, output = khub_build(hub)
    rows.append(row("nothing changed", seconds, rss, output.strip().splitlines()[-1]))
    fact = change_one_fact(hub)
    seconds, rss, _ = khub_build(hub)
    rows.append(row(f"one fact changed ({fact})", seconds, rss, "generate + full rebuild"))
    rebuilt = hub.parent / f"site-after-change-{modules}"
    shutil.rmtree(rebuilt, ignore_errors=True)
    shutil.move(hub / "site", rebuilt)
    clean(hub)
    seconds, rss, _ = khub_build(hub)
    differ = same_tree(rebuilt, hub / "site")
    verdict = "identical" if not differ else f"{len(differ)} files differ, e.g. {differ[0]}"
    rows.append(row("cold build of the same input", seconds, rss, f"vs. rebuilt: {verdict}"))
    shutil.rmtree(rebuilt, ignore_errors=True)
    return rows


def scale_row(modules: int) -> str:
    """Return one row of the scale curve: cold build time, peak RSS and site size."""
    hub = prepare(modules)
    clean(hub)
    seconds, rss, _ = khub_build(hub)
    return f"| {modules} | {seconds:.1f} | {rss:.0f} | {size_mb(hub / 'site'):.0f} |"


def main() -> None:
    """Print the figures as Markdown tables."""
    if len(sys.argv) > 1 and sys.argv[1] == LEGACY_FLAG:
        run_legacy_khub(sys.argv[2:])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--modules", type=int, default=1000)
    parser.add_argument("--scale", default="", help="comma-separated module counts")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    print(f"{args.modules} modules, {os.cpu_count()} cores, load average {load:.1f} at start")
    print("\n| step | seconds | peak RSS MB | notes |\n|---|---|---|---|")
    for line in full_run(args.modules):
        print(line, flush=True)
    if args.scale:
        print("\n| modules | cold build s | peak RSS MB | site MB |\n|---|---|---|---|")
        for count in (int(c) for c in args.scale.split(",")):
            print(scale_row(count), flush=True)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
