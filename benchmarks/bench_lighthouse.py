"""Build the shipped hub, serve it with gzip on loopback and run Lighthouse on a page.

    npm install --prefix /tmp/lh lighthouse@12.2.3          # once (12.x runs on Node 20)
    python benchmarks/bench_lighthouse.py [--page open-vs-closed/] [--runs 3]
        [--lighthouse /tmp/lh/node_modules/.bin/lighthouse] [--site DIR]

Copies content/, data/, templates/ and mkdocs.yml to a temporary folder, runs `khub build`
there (KHUB_SITE_URL set to the served address, so instant navigation is on as in
production), serves the site with benchmarks/serve_gzip.py and runs Lighthouse (Chromium at
/usr/bin/chromium, `--headless=new --no-sandbox`) in its mobile and desktop presets. Prints,
per preset, the median of --runs runs: the four category scores, bytes transferred,
requests, DOM elements, total blocking time, largest contentful paint, and the heaviest
requests. --site serves an already built site instead (it must have been built for the URL
printed, or instant navigation stays off). Targets (issue 12): mobile performance ≥ 90,
accessibility 100, ≤ 200 KB transferred on the flagship module.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serve_gzip import serve

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CHROME = "/usr/bin/chromium"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def free_port() -> int:
    """Return a loopback port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def build(dest: Path, url: str) -> Path:
    """Copy the hub's sources to dest and `khub build` them for url; return the site folder."""
    for name in ("content", "data", "templates"):
        shutil.copytree(REPO / name, dest / name)
    shutil.copy(REPO / "mkdocs.yml", dest / "mkdocs.yml")
    env = {**os.environ, "KHUB_SITE_URL": url, "KHUB_TODAY": "2026-07-01"}
    env.setdefault("SOURCE_DATE_EPOCH", "1780272000")
    subprocess.run([str(BIN / "khub"), "build"], cwd=dest, env=env, check=True)
    return dest / "site"


def lighthouse(tool: str, url: str, preset: str, out: Path) -> dict[str, Any]:
    """Run Lighthouse once on url in the mobile or desktop preset; return its report."""
    argv = [tool, url, "--quiet", "--output=json", f"--output-path={out}"]
    argv += [
        "--chrome-flags=--headless=new --no-sandbox",
        f"--only-categories={','.join(CATEGORIES)}",
    ]
    if preset == "desktop":
        argv.append("--preset=desktop")
    subprocess.run(argv, env={**os.environ, "CHROME_PATH": CHROME}, check=True)
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return report


def figures(report: dict[str, Any]) -> dict[str, float]:
    """Return the scores and the measurements this benchmark prints, from one report."""
    audits = report["audits"]
    row = {c: round(100 * (report["categories"][c]["score"] or 0)) for c in CATEGORIES}
    requests = audits["network-requests"]["details"]["items"]
    row["kb"] = audits["total-byte-weight"]["numericValue"] / 1024
    row["requests"] = len(requests)
    row["dom"] = audits["dom-size"]["numericValue"]
    row["tbt_ms"] = audits["total-blocking-time"]["numericValue"]
    row["lcp_s"] = audits["largest-contentful-paint"]["numericValue"] / 1000
    row["fcp_s"] = audits["first-contentful-paint"]["numericValue"] / 1000
    return row


def heaviest(report: dict[str, Any], count: int = 8) -> list[tuple[str, float]]:
    """Return the requests that transferred the most, as (URL path, KB)."""
    items = report["audits"]["network-requests"]["details"]["items"]
    rows = sorted(items, key=lambda i: -i.get("transferSize", 0))[:count]
    return [(i["url"].split("/", 3)[-1], i.get("transferSize", 0) / 1024) for i in rows]


def run(tool: str, url: str, runs: int, work: Path) -> None:
    """Run both presets runs times and print the medians and the heaviest requests."""
    for preset in ("mobile", "desktop"):
        reports = [lighthouse(tool, url, preset, work / f"{preset}-{i}.json") for i in range(runs)]
        rows = [figures(r) for r in reports]
        median = {k: statistics.median(r[k] for r in rows) for k in rows[0]}
        print(f"{preset}: " + ", ".join(f"{c} {median[c]:.0f}" for c in CATEGORIES))
        print(
            f"  {median['kb']:.0f} KB transferred in {median['requests']:.0f} requests, "
            f"{median['dom']:.0f} DOM elements, TBT {median['tbt_ms']:.0f} ms, "
            f"FCP {median['fcp_s']:.1f} s, LCP {median['lcp_s']:.1f} s "
            f"(performance per run: {', '.join(str(r['performance']) for r in rows)})"
        )
        if preset == "mobile":
            for path, kb in heaviest(reports[0]):
                print(f"    {kb:6.1f} KB  {path}")


def main() -> None:
    """Build, serve and measure."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", default="open-vs-closed/")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lighthouse", default="/tmp/lh/node_modules/.bin/lighthouse")
    parser.add_argument("--site", type=Path)
    args = parser.parse_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory(prefix="khub-lh-") as tmp:
        work = Path(tmp)
        site = args.site or build(work / "hub", base)
        with serve(site, port) as url:
            print(f"Lighthouse {args.page} at {url} (median of {args.runs} runs)")
            run(args.lighthouse, url + args.page, args.runs, work)


if __name__ == "__main__":
    main()
