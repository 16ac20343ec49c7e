"""Time the diff of two editions of 100,000 facts each, 5% of them changed.

    python benchmarks/bench_diff.py [--facts 100000] [--changed 0.05] [--repeat 5]

Target (issue 4): the diff itself at most 1 s. Also timed, for context: reading both edition
files from disk (YAML parse + validation) and rendering the Markdown report. Editions are
written by the real code (seal + dump_edition) into a temporary hub; times are medians.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from khub.data.model import FrozenFact
from khub.data.serialize import frozen_data
from khub.editions.diff import diff
from khub.editions.pr_report import render_markdown
from khub.editions.store import dump_edition, edition_snapshot, read_editions, seal

UNITS = ("percent", "usd_per_mtok", "count", "text")
KINDS = ("value", "reverified", "status", "added", "removed")


def base_facts(count: int, rng: random.Random) -> dict[str, FrozenFact]:
    """Return count facts over 1,000 series, mixed units."""
    facts: dict[str, FrozenFact] = {}
    for i in range(count):
        unit = UNITS[i % len(UNITS)]
        value: Any = f"text {i}" if unit == "text" else round(rng.uniform(0, 100), 2)
        facts[f"series-{i % 1000}.subject-{i}"] = FrozenFact(
            value, unit, "2026-05-01", "2026-05-01", "independent", "src", f"Subject {i}"
        )
    return facts


def changed_facts(
    facts: dict[str, FrozenFact], share: float, rng: random.Random
) -> dict[str, FrozenFact]:
    """Return a copy with share of the facts changed, over every kind of change."""
    out = dict(facts)
    for n, fid in enumerate(rng.sample(sorted(facts), int(len(facts) * share))):
        kind = KINDS[n % len(KINDS)]
        old = facts[fid]
        if kind == "value":
            value = old.value + 1.0 if isinstance(old.value, float) else f"{old.value}!"
            out[fid] = FrozenFact(value, old.unit, "2026-06-01", "2026-06-01", old.status, "src")
        elif kind == "reverified":
            out[fid] = FrozenFact(old.value, old.unit, old.as_of, "2026-06-01", old.status, "src")
        elif kind == "status":
            out[fid] = FrozenFact(old.value, old.unit, old.as_of, old.verified, "official", "src")
        elif kind == "added":
            out[f"{fid}-new"] = old
        else:
            del out[fid]
    return out


def write_edition(root: Path, edition: str, facts: dict[str, FrozenFact], prev: Any) -> None:
    """Write one edition file the way publish does."""
    content = {
        "edition": edition,
        "published": f"{edition}-28",
        "previous": prev,
        "notes": [],
        "sources": {"src": {"title": "Source", "url": "https://example.org/"}},
        "facts": {fid: frozen_data(s) for fid, s in facts.items()},
        "derived": {},
        "claims": {},
    }
    path = root / "data" / "editions" / f"{edition}.yml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(dump_edition(seal(content)))


def median(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    """Return the median wall time of fn and its last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--facts", type=int, default=100_000)
    parser.add_argument("--changed", type=float, default=0.05)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rng = random.Random(4)
    old = base_facts(args.facts, rng)
    new = changed_facts(old, args.changed, rng)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_edition(root, "2026-05", old, None)
        write_edition(root, "2026-06", new, None)
        read_s, editions = median(lambda: read_editions(root), 1)
        a, b = (edition_snapshot(e) for e in editions)  # type: ignore[attr-defined]
        snap_s, _ = median(lambda: [edition_snapshot(e) for e in editions], 1)  # type: ignore[attr-defined]
        diff_s, result = median(lambda: diff(a, b), args.repeat)
        md_s, _ = median(lambda: render_markdown(result), 1)  # type: ignore[arg-type]
        size = sum(p.stat().st_size for p in (root / "data" / "editions").iterdir())
    counts = result.counts()  # type: ignore[attr-defined]
    print(f"facts: {len(old):,} and {len(new):,}; changes: {counts}")
    print(f"diff (median of {args.repeat}):           {diff_s:.3f} s   target ≤ 1 s")
    print(f"read + validate both editions: {read_s:.2f} s ({size / 1e6:.1f} MB of YAML)")
    print(f"edition → snapshot, both:      {snap_s:.2f} s")
    print(f"Markdown report:               {md_s:.2f} s")


if __name__ == "__main__":
    main()
