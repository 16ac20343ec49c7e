"""Generate a large synthetic hub for the benchmarks.

Default: 20,000 facts in 200 files (10 series of 10 facts per file), 2,000 derived facts,
500 sources. `--modules N` also writes N content modules citing 20 facts each.

    python benchmarks/gen_hub.py OUT_DIR [--facts 20000] [--files 200] [--modules 0]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

UNITS = ("percent", "usd_per_mtok", "usd_per_day", "tokens_per_day", "count", "multiplier")
STATUSES = ("official", "vendor-reported", "independent", "estimate")


def series_block(rng: random.Random, sid: str, n_facts: int, n_sources: int) -> list[str]:
    """Return the YAML lines of one series."""
    unit = UNITS[int(sid.rsplit("-", 1)[1]) % len(UNITS)]
    lines = [
        f"{sid}:",
        f"  title: Synthetic measurement {sid}",
        f"  unit: {unit}",
        f"  source: src-{rng.randrange(n_sources):04d}",
        "  facts:",
    ]
    for j in range(n_facts):
        value = round(rng.uniform(1, 99), 2)
        lines += [
            f"    subject-{j:03d}:",
            f"      label: Subject {j}",
            f"      value: {value}",
            "      as_of: 2026-05-01",
            "      verified: 2026-06-15",
            f"      status: {STATUSES[j % 4]}",
            "      history:",
            f"        - {{value: {round(value * 0.97, 2)}, from: 2026-01-01, to: 2026-05-01}}",
        ]
    return lines


def write_facts(out: Path, rng: random.Random, facts: int, files: int, sources: int) -> list[str]:
    """Write data/facts/*.yml; return every fact id."""
    per_file = facts // files
    per_series = 10
    ids: list[str] = []
    (out / "data" / "facts").mkdir(parents=True, exist_ok=True)
    for f in range(files):
        lines = ["# yaml-language-server: $schema=../schema/facts.schema.json", ""]
        for s in range(per_file // per_series):
            sid = f"series-{f:03d}-{s:02d}-{(f * 10 + s) % len(UNITS)}"
            lines += series_block(rng, sid, per_series, sources)
            ids += [f"{sid}.subject-{j:03d}" for j in range(per_series)]
        (out / "data" / "facts" / f"file-{f:03d}.yml").write_text("\n".join(lines) + "\n")
    return ids


def write_sources(out: Path, sources: int) -> None:
    """Write data/sources.yml."""
    lines = ["# yaml-language-server: $schema=schema/sources.schema.json", ""]
    for i in range(sources):
        lines += [
            f"src-{i:04d}:",
            f"  title: Synthetic source {i}",
            "  publisher: Bench",
            "  kind: research",
            f"  url: https://example.org/source/{i}",
        ]
    (out / "data" / "sources.yml").write_text("\n".join(lines) + "\n")


def write_derived(out: Path, rng: random.Random, ids: list[str], derived: int) -> None:
    """Write data/derived.yml: differences of same-unit pairs, and a few claims."""
    by_series: dict[str, list[str]] = {}
    for fid in ids:
        by_series.setdefault(fid.split(".")[0], []).append(fid)
    series = sorted(by_series)
    lines = ["# yaml-language-server: $schema=schema/derived.schema.json", "", "derived:"]
    for i in range(derived):
        a, b = rng.sample(by_series[series[i % len(series)]], 2)
        unit = UNITS[int(a.split(".")[0].rsplit("-", 1)[1]) % len(UNITS)]
        unit = "points" if unit == "percent" else unit
        op = "-" if unit != "multiplier" else "*"
        lines += [
            f"  derived-{i:05d}:",
            f"    title: Derived {i}",
            f"    unit: {unit}",
            f"    formula: max({a} {op} {b}, {b} {op} {a})",
        ]
    lines.append("claims:")
    for i in range(50):
        lines += [
            f"  claim-{i:03d}:",
            f"    says: Synthetic claim {i}.",
            f"    holds_when: derived-{i:05d} >= 0",
        ]
    (out / "data" / "derived.yml").write_text("\n".join(lines) + "\n")


def write_modules(out: Path, rng: random.Random, ids: list[str], modules: int) -> None:
    """Write content/module-NNNN.md, each citing 20 facts."""
    content = out / "content"
    content.mkdir(parents=True, exist_ok=True)
    for m in range(modules):
        picks = rng.sample(ids, 20)
        body = [f"---\ntitle: Module {m}\nmodule: module-{m:04d}\nsummary: Synthetic.\n---", ""]
        for k, fid in enumerate(picks):
            body.append(f'Paragraph {k} says {{{{ fact("{fid}") }}}} about this.\n')
        (content / f"module-{m:04d}.md").write_text("\n".join(body))


def main() -> None:
    """Generate the hub described by the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--facts", type=int, default=20_000)
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--derived", type=int, default=2_000)
    parser.add_argument("--sources", type=int, default=500)
    parser.add_argument("--modules", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    (args.out / "data").mkdir(parents=True, exist_ok=True)
    write_sources(args.out, args.sources)
    ids = write_facts(args.out, rng, args.facts, args.files, args.sources)
    write_derived(args.out, rng, ids, args.derived)
    if args.modules:
        write_modules(args.out, rng, ids, args.modules)
    print(
        f"{args.out}: {len(ids)} facts, {args.derived} derived, {args.sources} sources, "
        f"{args.modules} modules"
    )


if __name__ == "__main__":
    main()
