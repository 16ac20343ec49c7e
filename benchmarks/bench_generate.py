"""Time `khub generate` against `mkdocs build` of the same output, on a hub of 1,000 modules.

    python benchmarks/bench_generate.py [--modules 1000] [--sizes 250,500,1000]
    python benchmarks/bench_generate.py --generate-only 5    # generate alone, wall and CPU

The hub comes from benchmarks/gen_hub.py: 20,000 facts, 2,000 derived, 500 sources and
--modules modules citing 20 facts each. Measured, each command in its own process:
cold generate (no build/, no .khub-cache/), mkdocs build --strict of that output, generate
after a one-fact change, generate with nothing changed; peak memory of each; and the built
site's size for each module count in --sizes (it should grow linearly).
Targets (issue 3): cold generate ≤ 0.7× the build; one-fact change ≤ 10% of the build;
peak memory ≤ 500 MB; site size linear in module count.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from khub.disk.cachedir import cache_root

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BIN = Path(sys.executable).parent
ENV = {
    **os.environ,
    "KHUB_TODAY": "2026-11-24",
    "NO_MKDOCS_2_WARNING": "1",
    "SOURCE_DATE_EPOCH": "1780272000",
}
PEAK = (
    "import resource, subprocess, sys\n"
    "p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
    "sys.stderr.write(p.stdout + p.stderr)\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(u.ru_maxrss, u.ru_utime + u.ru_stime)\n"
    "sys.exit(p.returncode)\n"
)


def measure_usage(argv: list[str], cwd: Path) -> tuple[float, float, float, str]:
    """Run a command in its own process; return (wall s, CPU s, peak RSS MB, its output)."""
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", PEAK, *argv], cwd=cwd, env=ENV, capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stderr}")
    rss, cpu = proc.stdout.split()
    return wall, float(cpu), int(rss) / 1024, proc.stderr


def measure(argv: list[str], cwd: Path) -> tuple[float, float, str]:
    """Run a command in its own process; return (wall seconds, peak RSS MB, its output)."""
    wall, _, peak, out = measure_usage(argv, cwd)
    return wall, peak, out


def make_hub(modules: int) -> Path:
    """Generate (once) a hub with the given number of modules; return its folder."""
    hub = HERE / "out" / f"hub-gen-{modules}"
    if not (hub / "content").is_dir():
        shutil.rmtree(hub, ignore_errors=True)
        gen = [sys.executable, str(HERE / "gen_hub.py"), str(hub), "--modules", str(modules)]
        subprocess.run(gen, check=True, capture_output=True)
    shutil.copy(REPO / "mkdocs.yml", hub / "mkdocs.yml")
    shutil.rmtree(hub / "templates", ignore_errors=True)
    shutil.copytree(REPO / "templates", hub / "templates")  # overrides (custom_dir) and assets
    return hub


def cold_generate(hub: Path) -> tuple[float, float, str]:
    """Generate from nothing: no build/docs, no cache."""
    shutil.rmtree(hub / "build", ignore_errors=True)
    shutil.rmtree(hub / ".khub-cache", ignore_errors=True)
    shutil.rmtree(cache_root(hub), ignore_errors=True)
    return measure([str(BIN / "khub"), "generate"], hub)


def mkdocs_build(hub: Path, out: Path) -> tuple[float, float, str]:
    """Build the generated output with mkdocs, strict."""
    argv = [str(BIN / "mkdocs"), "build", "--strict", "-q", "-d", str(out)]
    return measure(argv, hub)


def change_one_fact(hub: Path) -> str:
    """Change the value of the first fact module-0000 uses; return its id."""
    module = (hub / "content" / "module-0000.md").read_text(encoding="utf-8")
    found = re.search(r'fact\("([^".]+)\.([^"]+)"\)', module)
    assert found is not None
    series, subject = found.groups()
    for path in sorted((hub / "data" / "facts").glob("*.yml")):
        lines = path.read_text(encoding="utf-8").split("\n")
        if f"{series}:" not in lines:
            continue
        at = lines.index(f"    {subject}:", lines.index(f"{series}:"))
        at = next(i for i in range(at, len(lines)) if lines[i].startswith("      value: "))
        value = float(lines[at].split(": ", 1)[1]) + 0.5
        lines[at] = f"      value: {value:.2f}"
        path.write_text("\n".join(lines), encoding="utf-8")
        return f"{series}.{subject}"
    raise SystemExit(f"no data file holds {series}.{subject}")


def size_mb(folder: Path) -> float:
    """Return the total size of the files under folder, in MB."""
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1e6


def rendered_count(output: str) -> str:
    """Return the 'N module(s) rendered' part of khub generate's summary."""
    found = re.search(r"(\d+) module\(s\) rendered", output)
    return found.group(1) if found else "?"


def generate_only(hub: Path, modules: int, rounds: int) -> None:
    """Print wall and CPU seconds of khub generate alone, caches filled.

    After a cold run, each of `rounds` one-fact changes (each on top of the last), then a
    run with nothing changed.
    """
    khub = [str(BIN / "khub"), "generate"]
    cold_generate(hub)  # the cold run's figures are in the full benchmark's table
    wall, cpu, peak, _ = measure_usage(khub, hub)  # the cold run wrote every cache
    print(f"| khub generate ({modules} modules) | wall s | CPU s | peak MB | what it did |")
    print("|---|---:|---:|---:|---|")
    print(f"| second run, cold caches filled | {wall:.2f} | {cpu:.2f} | {peak:.0f} | |")
    walls, cpus = [], []
    for _ in range(rounds):
        fid = change_one_fact(hub)
        wall, cpu, peak, out = measure_usage(khub, hub)
        walls.append(wall)
        cpus.append(cpu)
        did = out.strip().splitlines()[-1].split("; ", 1)[-1]
        print(f"| one fact changed ({fid}) | {wall:.2f} | {cpu:.2f} | {peak:.0f} | {did} |")
    wall, cpu, peak, _ = measure_usage(khub, hub)
    print(f"| nothing changed | {wall:.2f} | {cpu:.2f} | {peak:.0f} | |")
    print(
        f"\none fact changed, median of {rounds}: {statistics.median(walls):.2f} s wall, "
        f"{statistics.median(cpus):.2f} s CPU; load average {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    """Run the benchmark and print a Markdown table of the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=1000)
    parser.add_argument("--sizes", default="250,500,1000")
    parser.add_argument(
        "--generate-only",
        type=int,
        default=0,
        metavar="N",
        help="time khub generate alone (wall and CPU): cold, N one-fact changes, no-op",
    )
    args = parser.parse_args()
    hub = make_hub(args.modules)
    if args.generate_only:
        generate_only(hub, args.modules, args.generate_only)
        return
    with tempfile.TemporaryDirectory(prefix="khub-bench-") as tmp:
        cold, cold_mb, _ = cold_generate(hub)
        build, build_mb, _ = mkdocs_build(hub, Path(tmp) / "site")
        site = size_mb(Path(tmp) / "site")
        fid = change_one_fact(hub)
        one, one_mb, out = measure([str(BIN / "khub"), "generate"], hub)
        noop, noop_mb, _ = measure([str(BIN / "khub"), "generate"], hub)
    print(
        f"| measure ({args.modules} modules, 20,000 facts) | seconds | ratio to build | peak MB |"
    )
    print("|---|---|---|---|")
    print(f"| mkdocs build --strict | {build:.1f} | 1.00 | {build_mb:.0f} |")
    print(f"| khub generate, cold | {cold:.1f} | {cold / build:.2f} | {cold_mb:.0f} |")
    print(
        f"| khub generate, one fact changed ({fid}; {rendered_count(out)} module(s) "
        f"rendered) | {one:.1f} | {one / build:.3f} | {one_mb:.0f} |"
    )
    print(f"| khub generate, nothing changed | {noop:.1f} | {noop / build:.3f} | {noop_mb:.0f} |")
    print(f"\nsite: {site:.1f} MB for {args.modules} modules")
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if sizes:
        print("\n| modules | site MB | MB per extra module |\n|---|---|---|")
        previous: tuple[int, float] | None = None
        for count in sizes:
            hub_n = make_hub(count)
            with tempfile.TemporaryDirectory(prefix="khub-bench-") as tmp:
                cold_generate(hub_n)
                mkdocs_build(hub_n, Path(tmp) / "site")
                total = size_mb(Path(tmp) / "site")
            step = (
                "" if previous is None else f"{(total - previous[1]) / (count - previous[0]):.3f}"
            )
            print(f"| {count} | {total:.1f} | {step} |")
            previous = (count, total)


if __name__ == "__main__":
    main()
