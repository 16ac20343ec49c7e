"""Time `khub validate` on a 20,000-fact hub beside a bare CSafeLoader parse of its files.

    python benchmarks/bench_validate.py [--hub DIR] [--repeat 3]

Caches go to a folder beside the hub (KHUB_CACHE_DIR), emptied before each cold run.

Targets (issue 2): cold validate ≤ 1.5× the bare parse; warm validate (files unchanged)
≤ 0.5 s; peak memory ≤ 300 MB. Each command runs as its own process; wall time is the
median of --repeat runs, memory the largest resident set of the command and its children.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
KHUB = [sys.executable, "-m", "khub"]
BARE = (
    "import glob, yaml\n"
    "for f in sorted(glob.glob('data/**/*.yml', recursive=True)):\n"
    "    yaml.load(open(f, encoding='utf-8'), Loader=yaml.CSafeLoader)\n"
)


def run(argv: list[str], cwd: Path, cache: Path) -> tuple[float, float]:
    """Run a command; return (wall seconds, peak RSS in MB of it and the children it reaped)."""
    env = {**os.environ, "KHUB_TODAY": "2026-11-24", "KHUB_CACHE_DIR": str(cache)}
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0,):
        raise SystemExit(f"{' '.join(argv)} exited {proc.returncode}")
    return wall, usage.ru_maxrss / 1024


def median_run(
    argv: list[str], cwd: Path, repeat: int, cache: Path, reset: bool
) -> tuple[float, float]:
    """Return the median wall time and the peak memory over several runs."""
    walls, peaks = [], []
    for _ in range(repeat):
        if reset:
            shutil.rmtree(cache, ignore_errors=True)
        wall, peak = run(argv, cwd, cache)
        walls.append(wall)
        peaks.append(peak)
    return statistics.median(walls), max(peaks)


def main() -> None:
    """Generate the hub if needed, time each command, print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hub", type=Path, default=HERE / "out" / "hub-20k")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    hub: Path = args.hub
    if not (hub / "data").exists():
        subprocess.run([sys.executable, str(HERE / "gen_hub.py"), str(hub)], check=True)
    cache = hub.parent / f"{hub.name}-cache"  # KHUB_CACHE_DIR of every run
    bare, bare_mem = median_run([sys.executable, "-c", BARE], hub, args.repeat, cache, False)
    cold, cold_mem = median_run([*KHUB, "validate"], hub, args.repeat, cache, True)
    run([*KHUB, "validate"], hub, cache)
    warm, warm_mem = median_run([*KHUB, "validate"], hub, args.repeat, cache, False)
    one = hub / "data" / "facts" / "file-000.yml"
    original = one.read_bytes()
    try:
        one.write_bytes(original + b"# touched\n")
        touched, touched_mem = run([*KHUB, "validate"], hub, cache)
    finally:
        one.write_bytes(original)
    rows = [
        ("bare CSafeLoader parse of data/", bare, bare_mem, "floor"),
        (
            "khub validate, cold (empty cache)",
            cold,
            cold_mem,
            f"{cold / bare:.2f}× parse (target ≤ 1.5×)",
        ),
        ("khub validate, warm (files unchanged)", warm, warm_mem, "target ≤ 0.5 s"),
        (
            "khub validate, one file of 200 changed",
            touched,
            touched_mem,
            "parse cache for the other 199",
        ),
    ]
    print(f"hub: {hub} ({os.cpu_count()} cores, median of {args.repeat})\n")
    print("| command | wall | peak RSS | note |\n|---|---:|---:|---|")
    for name, wall, mem, note in rows:
        print(
            f"| {name} | {wall:.2f} s | {mem:.0f} MB | {note} |"
            if mem
            else f"| {name} | {wall:.2f} s | – | {note} |"
        )
    ok = cold <= 1.5 * bare and warm <= 0.5 and max(cold_mem, warm_mem) <= 300
    print(f"\ntargets {'met' if ok else 'NOT met'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
