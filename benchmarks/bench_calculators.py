"""Benchmark the calculators in Debian's Chromium: update latency and bytes per page.

python benchmarks/bench_calculators.py [--repeat 200]

Builds the repository's hub (calculators and charts wired in) into a temporary folder,
serves it on 127.0.0.1, and for each calculator types a new value into an input and times,
inside the page, the dispatch of the input event through to the updated and laid-out output (the
update is synchronous, so this is the whole cost before the next frame). Also reports
the gzipped size of the project's own JavaScript plus the calculator JSON that each
module page loads.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for tests.*

from tests.browser.kit import CHROMIUM, CHROMIUM_ARGS, build, serve, wait_ready
from tests.kit.hubs import copy_repo

CASES = (
    ("open-vs-closed", "self-hosting-breakeven", "tokens_per_day"),
    ("api-prices", "api-cost", "input_tokens"),
    ("open-vs-closed", "decision-helper", "volume"),
)

TIMER = """
([calc, field, repeat]) => {
  const input = document.querySelector(`[data-khub-calc="${calc}"] [name="${field}"]`);
  const out = document.querySelector(`[data-khub-calc="${calc}"] [data-khub-results]`);
  const times = [];
  for (let i = 0; i < repeat; i++) {
    input.value = String(1000000 + i * 7919);
    const start = performance.now();
    input.dispatchEvent(new Event("input", {bubbles: true}));
    void out.getBoundingClientRect().height;  // include style and layout
    times.push(performance.now() - start);
  }
  return times;
}
"""


def gz(data: bytes) -> int:
    """Return the gzipped size of data at the level web servers use."""
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def time_updates(page: Page, calc: str, field: str, repeat: int) -> list[float]:
    """Return the milliseconds each of repeat input events took to update the outputs."""
    return list(page.evaluate(TIMER, [calc, field, repeat]))


def main() -> None:
    """Build, serve, measure, print a Markdown table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_repo(Path(tmp) / "hub")
        (root / "site").mkdir()
        with serve(root) as (url, site), sync_playwright() as pw:
            build(root, url)
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            print("| calculator | median | p95 | max | budget |")
            print("|---|---:|---:|---:|---:|")
            for module, calc, field in CASES:
                page.goto(f"{url}{module}/")
                wait_ready(page)
                times = sorted(time_updates(page, calc, field, args.repeat))
                p95 = times[int(len(times) * 0.95) - 1]
                print(
                    f"| {calc} | {statistics.median(times):.2f} ms | {p95:.2f} ms "
                    f"| {times[-1]:.2f} ms | 16 ms |"
                )
            browser.close()
            js = (site / "assets/khub/calculators.js").read_bytes()
            data = (site / "api/v1/calculators.json").read_bytes()
            print()
            print(f"calculators.js: {len(js)} B, {gz(js)} B gzipped")
            print(f"api/v1/calculators.json: {len(data)} B, {gz(data)} B gzipped")
            print(f"JS + JSON per page: {gz(js) + gz(data)} B gzipped (budget 30,720 B)")


if __name__ == "__main__":
    main()
