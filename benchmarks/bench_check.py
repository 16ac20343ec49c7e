"""Time `khub check` on 1,000 facts over 200 URLs on 20 loopback hosts, each answer after 200 ms.

    python benchmarks/bench_check.py [--workers 16] [--per-host 4] [--delay 0.2]
    python benchmarks/bench_check.py --price-map [--facts 3000]

With --price-map: one generated 1.5 MB JSON price map (model ids with ``/`` as keys, prices
per token as strings and floats) read by 3,000 facts, each converting per token to per
million tokens; the check phase is timed fresh (200) and revalidated (every answer a 304),
beside a run of 30 facts over the same file. Target (issue 11): at most 3 s for the check
phase of 3,000 facts, fresh and all-304.

The hub is generated in a temporary folder: 200 JSON pages, ten on each of 127.0.0.1 to
127.0.0.20 (Linux routes all of 127.0.0.0/8 to lo), five facts read from each page. A
threaded server per address sleeps --delay seconds before every answer, 200 or 304, and
sends an ETag so that a second run can revalidate.

Targets (issue 5): the first run's wall time is at most 1.3× the I/O bound of the configured
concurrency, ceil(URLs / min(workers, hosts × per-host)) × delay; the second run answers at
least 95% of URLs from conditional requests (304). Each run is `khub check --json` as its
own process; the time inside the command (fetch, extract, compare) is reported beside it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

HOSTS = 20
PAGES_PER_HOST = 10
FACTS_PER_PAGE = 5
KHUB = [sys.executable, "-m", "khub"]


def page_body(page: int) -> bytes:
    """Return the JSON page number `page`: FACTS_PER_PAGE values."""
    values = {f"f{k}": page * FACTS_PER_PAGE + k for k in range(FACTS_PER_PAGE)}
    return json.dumps({"page": page, "values": values}).encode()


def make_handler(delay: float) -> type[BaseHTTPRequestHandler]:
    """Return a handler that answers /page/N.json after `delay` seconds, with an ETag."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            time.sleep(delay)
            page = int(self.path.rsplit("/", 1)[-1].split(".")[0])
            body = page_body(page)
            etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    return Handler


def start_servers(delay: float) -> tuple[list[ThreadingHTTPServer], int]:
    """Start one threaded server on each of 127.0.0.1..127.0.0.20, all on one port."""
    handler = make_handler(delay)
    first = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    port = first.server_address[1]
    servers = [first] + [
        ThreadingHTTPServer((f"127.0.0.{h}", port), handler) for h in range(2, HOSTS + 1)
    ]
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    return servers, port


def write_hub(root: Path, port: int) -> None:
    """Write a hub of HOSTS × PAGES_PER_HOST × FACTS_PER_PAGE facts reading those pages."""
    (root / "data" / "facts").mkdir(parents=True)
    (root / "data" / "sources.yml").write_text(
        "bench:\n  title: Loopback pages\n  publisher: bench\n  kind: other\n"
        f"  url: http://127.0.0.1:{port}/\n",
        encoding="utf-8",
    )
    lines = ["bench:", "  title: Benchmark values", "  unit: count", "  source: bench", "  facts:"]
    for page in range(HOSTS * PAGES_PER_HOST):
        host = page % HOSTS + 1
        url = f"http://127.0.0.{host}:{port}/page/{page}.json"
        for k in range(FACTS_PER_PAGE):
            value = page * FACTS_PER_PAGE + k
            lines += [
                f"    p{page:03d}-f{k}:",
                f"      value: {value}",
                "      as_of: 2026-06-30",
                "      verified: 2026-06-30",
                "      status: official",
                f'      check: {{url: "{url}", json: values.f{k}}}',
            ]
    (root / "data" / "facts" / "bench.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def run_check(root: Path, workers: int, per_host: int) -> tuple[float, float, dict[str, Any]]:
    """Run `khub check --json`; return (wall s, in-command s, report)."""
    argv = [
        *KHUB,
        "check",
        "--json",
        "--allow-network",
        "127.0.0.0/8",
        "--workers",
        str(workers),
        "--per-host",
        str(per_host),
    ]
    env = {**os.environ, "KHUB_TODAY": "2026-11-24"}
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise SystemExit(f"khub check failed ({done.returncode}):\n{done.stderr[-2000:]}")
    inside = float(done.stderr.rsplit(" in ", 1)[1].split(" s", 1)[0])
    return wall, inside, json.loads(done.stdout)


def price_map(models: int) -> bytes:
    """Return a JSON price map of `models` models, about 500 bytes each, shaped like a real one."""
    data = {}
    for n in range(models):
        prompt = (n % 97 + 1) * 1e-8
        data[f"vendor-{n % 40}/model-{n:05d}"] = {
            "name": f"Vendor {n % 40}: Model {n}",
            "context_length": 8192 * (n % 16 + 1),
            "pricing": {
                "prompt": f"{prompt:.10g}" if n % 2 else prompt,
                "completion": f"{prompt * 4:.10g}",
                "request": "0",
                "image": "0",
            },
            "architecture": {"modality": "text->text", "tokenizer": "Other"},
            "description": "A generated model for the benchmark, described at some length. " * 4,
        }
    return json.dumps(data, indent=1).encode()


def serve_once(body: bytes) -> tuple[ThreadingHTTPServer, int]:
    """Serve `body` at any path on 127.0.0.1 with an ETag, no delay."""
    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            fresh = self.headers.get("If-None-Match") != etag
            self.send_response(200 if fresh else 304)
            self.send_header("ETag", etag)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body) if fresh else 0))
            self.end_headers()
            if fresh:
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, server.server_address[1]


def write_price_hub(root: Path, port: int, facts: int) -> None:
    """Write a hub of `facts` prices, each read from the price map with a quoted JMESPath."""
    (root / "data" / "facts").mkdir(parents=True)
    (root / "data" / "sources.yml").write_text(
        "bench:\n  title: Loopback price map\n  publisher: bench\n  kind: other\n"
        f"  url: http://127.0.0.1:{port}/\n",
        encoding="utf-8",
    )
    url = f"http://127.0.0.1:{port}/api/v1/models"
    lines = ["price:", "  title: Input prices", "  unit: usd_per_mtok", "  source: bench"]
    lines.append("  facts:")
    for n in range(facts):
        value = (n % 97 + 1) * 1e-8 * 1e6
        lines += [
            f"    m{n:05d}:",
            f"      value: {value:.10g}",
            "      as_of: 2026-06-30",
            "      verified: 2026-06-30",
            "      status: official",
            "      check:",
            f"        url: {url}",
            f"        json: '\"vendor-{n % 40}/model-{n:05d}\".pricing.prompt'",
            "        convert: per_token_to_per_million",
        ]
    (root / "data" / "facts" / "prices.yml").write_text("\n".join(lines) + "\n", "utf-8")


def price_map_bench(facts: int) -> None:
    """Time the check phase over one big price map: 30 facts, then `facts`, fresh and 304."""
    body = price_map(facts)
    server, port = serve_once(body)
    print(f"price map: {len(body) / 1e6:.2f} MB, {facts} models")
    try:
        for count in (30, facts):
            with tempfile.TemporaryDirectory(prefix="khub-bench-prices-") as scratch:
                root = Path(scratch)
                write_price_hub(root, port, count)
                env_cache = {"KHUB_CACHE_DIR": str(root / ".cache")}
                os.environ.update(env_cache)
                try:
                    fresh = run_check(root, 16, 4)
                    again = run_check(root, 16, 4)
                finally:
                    os.environ.pop("KHUB_CACHE_DIR", None)
                for name, (wall, inside, report) in (("fresh", fresh), ("all-304", again)):
                    summary = ", ".join(f"{v} {k}" for k, v in report["summary"].items() if v)
                    print(
                        f"{count} facts, {name}: check phase {inside:.2f} s, wall {wall:.2f} s, "
                        f"{report['from_cache']}/1 URL answered 304; {summary}"
                    )
    finally:
        server.shutdown()


def main() -> None:
    """Run the benchmark twice (cold, then revalidating) and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--per-host", type=int, default=4)
    parser.add_argument("--delay", type=float, default=0.2)
    parser.add_argument("--price-map", action="store_true", help="the big-source benchmark")
    parser.add_argument("--facts", type=int, default=3000)
    args = parser.parse_args()
    if args.price_map:
        price_map_bench(args.facts)
        return
    servers, port = start_servers(args.delay)
    urls = HOSTS * PAGES_PER_HOST
    slots = min(args.workers, HOSTS * args.per_host)
    bound = math.ceil(urls / slots) * args.delay
    try:
        with tempfile.TemporaryDirectory(prefix="khub-bench-check-") as scratch:
            root = Path(scratch)
            write_hub(root, port)
            cold = run_check(root, args.workers, args.per_host)
            warm = run_check(root, args.workers, args.per_host)
    finally:
        for server in servers:
            server.shutdown()
    facts = len(cold[2]["outcomes"])
    print(f"{facts} facts, {urls} URLs on {HOSTS} hosts, {args.delay * 1000:.0f} ms per answer")
    print(f"concurrency {args.workers} workers, {args.per_host} per host: I/O bound {bound:.2f} s")
    for name, (wall, inside, report) in (("first run", cold), ("second run", warm)):
        confirmed = report["summary"]["confirmed"]
        cached = report["from_cache"]
        print(
            f"{name}: wall {wall:.2f} s ({wall / bound:.2f}× bound), in command {inside:.2f} s "
            f"({inside / bound:.2f}×), {confirmed} confirmed, {cached}/{urls} URLs answered 304"
        )
    share = warm[2]["from_cache"] / urls
    ok = cold[0] <= 1.3 * bound and share >= 0.95
    print(
        f"targets: wall ≤ 1.3× bound and ≥ 95% 304 on the second run: {'met' if ok else 'MISSED'}"
    )


if __name__ == "__main__":
    main()
