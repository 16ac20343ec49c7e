"""Time `khub generate` as editions pile up: the archive must not grow with their square.

    python benchmarks/bench_archive.py [--editions 6,12,24] [--modules 20] [--facts 400]

For each edition count N the script writes a hub in git (--modules modules citing 20 facts
each out of --facts), publishes N monthly editions from 2024-01, each changing one fact in
twenty and committed on its own, then times, each in a process of its own:

- cold: `khub generate` with no build/ and an empty cache (every archive page rendered);
- warm: `khub generate` again, nothing changed (every archive page from the cache), the
  median of three runs;
- next edition: with the cache of N editions, publish edition N+1 and generate (the monthly
  build: only the new edition's archive is rendered).

It prints, per run, the CPU seconds of the generate process (steady under the load of a
shared machine, unlike wall time, also printed) and how many editions it rendered into
the archive (new cache entries): a run that renders only new editions cannot grow with
the square of the edition count.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BIN = Path(sys.executable).parent
GIT_ENV = {
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@localhost",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@localhost",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(root: Path, *args: str) -> None:
    """Run git in root with a fixed identity."""
    subprocess.run(["git", *args], cwd=root, env={**os.environ, **GIT_ENV}, check=True)


def facts_yaml(facts: int, step: int) -> str:
    """Return one series of facts whose values depend on the edition step."""
    lines = [
        "score:",
        "  title: Benchmark score",
        "  unit: percent",
        "  source: board",
        "  facts:",
    ]
    for i in range(facts):
        value = 50.0 + (i % 40) + (step if i % 20 == step % 20 else 0) * 0.1
        lines += [
            f"    f{i}:",
            f"      label: Model {i}",
            f"      value: {value:.1f}",
            "      as_of: 2024-01-01",
            "      verified: 2024-01-01",
            "      status: independent",
        ]
    return "\n".join(lines) + "\n"


def module_text(index: int, facts: int) -> str:
    """Return a module citing 20 facts in prose and a table."""
    cited = [f"score.f{(index * 20 + k) % facts}" for k in range(20)]
    prose = " ".join(f'Model {c.split(".f")[1]} scores {{{{ fact("{c}") }}}}.' for c in cited)
    only = ", ".join(f'"{c.split(".", 1)[1]}"' for c in cited)
    return (
        f"---\ntitle: Module {index}\nmodule: m{index}\nsummary: Scores, part {index}.\n---\n"
        f"{prose}\n\n{{{{ series_table('score', only=[{only}]) }}}}\n"
    )


def make_hub(root: Path, editions: int, modules: int, facts: int) -> None:
    """Write the hub, publish `editions` editions, one commit each."""
    from khub.editions.publish import publish

    (root / "data" / "facts").mkdir(parents=True)
    (root / "content").mkdir()
    (root / "data" / "sources.yml").write_text(
        "board:\n  title: Board\n  publisher: Bench\n  kind: leaderboard\n  url: null\n"
    )
    for i in range(modules):
        (root / "content" / f"m{i}.md").write_text(module_text(i, facts))
    shutil.copy(REPO / "mkdocs.yml", root / "mkdocs.yml")
    shutil.copytree(REPO / "templates" / "assets", root / "templates" / "assets")
    git(root, "init", "-q", "-b", "main")
    for step in range(editions):
        (root / "data" / "facts" / "main.yml").write_text(facts_yaml(facts, step))
        month = dt.date(2024 + step // 12, step % 12 + 1, 1)
        publish(root, month.strftime("%Y-%m"), published=month + dt.timedelta(days=27))
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", f"edition {month:%Y-%m}")


@dataclass(frozen=True)
class Run:
    """One `khub generate`: wall and CPU seconds, and how many editions it archived anew."""

    wall: float
    cpu: float
    rendered: int

    def __str__(self) -> str:
        return f"{self.cpu:.2f} s CPU ({self.wall:.2f} s wall), {self.rendered} rendered"


def timed(root: Path, env: dict[str, str]) -> Run:
    """Run `khub generate` in its own process and measure it."""
    cache = Path(env["KHUB_CACHE_DIR"])
    before = set(cache.rglob("archive/*.json"))
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [str(BIN / "khub"), "generate"], cwd=root, env=env, capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"khub generate failed:\n{done.stderr}")
    cpu = after.ru_utime - used.ru_utime + after.ru_stime - used.ru_stime
    return Run(wall, cpu, len(set(cache.rglob("archive/*.json")) - before))


def archive_files(root: Path) -> int:
    """Return how many archive files build/docs holds."""
    return sum(1 for p in (root / "build" / "docs" / "editions").rglob("*.md"))


def run(editions: int, modules: int, facts: int) -> None:
    """Measure one edition count and print its row."""
    from khub.editions.publish import publish

    with tempfile.TemporaryDirectory(prefix="khub-bench-archive-") as tmp:
        root = Path(tmp) / "hub"
        root.mkdir()
        make_hub(root, editions, modules, facts)
        env = {
            **os.environ,
            "KHUB_TODAY": "2026-06-30",
            "KHUB_CACHE_DIR": str(Path(tmp) / "cache"),
            "NO_MKDOCS_2_WARNING": "1",
        }
        cold = timed(root, env)
        pages = archive_files(root)
        warm = sorted((timed(root, env) for _ in range(3)), key=lambda r: r.cpu)[1]
        (root / "data" / "facts" / "main.yml").write_text(facts_yaml(facts, editions))
        month = dt.date(2024 + editions // 12, editions % 12 + 1, 1)
        publish(root, month.strftime("%Y-%m"), published=month + dt.timedelta(days=27))
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "next edition")
        following = timed(root, env)
        load = os.getloadavg()[0]
        print(
            f"| {editions} | {pages} | {cold} | {warm} | {following} | {load:.1f} |",
            flush=True,
        )


def main() -> None:
    """Parse the arguments and print one table row per edition count."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--editions", default="6,12,24")
    parser.add_argument("--modules", type=int, default=20)
    parser.add_argument("--facts", type=int, default=400)
    args = parser.parse_args()
    print("| editions | archive pages | cold | warm (median of 3) | next edition | load |")
    print("|---:|---:|---:|---:|---:|---:|")
    for count in (int(n) for n in args.editions.split(",")):
        run(count, args.modules, args.facts)


if __name__ == "__main__":
    main()
