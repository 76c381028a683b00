"""Collector benchmark: a cold round and a conditional second round over many loopback feeds.

    .venv/bin/python bench/collect.py [--feeds 500] [--items 20] [--workers 8]

A separate process serves FEEDS RSS feeds of ITEMS items each, and one HTML page per item,
with ETags (a conditional GET answers 304). Briefbot's real collector (fetch, extract, dedup,
store into a fresh SQLite database) polls every feed twice. Results go to
bench/results/collect.json: documents per second in the cold round, the second round's time,
bytes and bodies served (target: every source answers 304, no body parsed), peak RSS of the
collecting process.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import platform
import random
import resource
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.sharedctypes import Synchronized
from pathlib import Path
from typing import Any

from bot.domain.models import SourceKind, SourceSpec
from bot.main import build_briefbot
from bot.settings import load_settings

RESULTS = Path(__file__).parent / "results" / "collect.json"
WORDS = (
    "ISIS fighters members report inspector general Iraq Syria attacks camp detainees "
    "coalition forces territory caliphate estimate province security operations leaders "
    "insurgency cells ambush border prison raid statement officials assessment quarter "
    "recruitment propaganda financing networks withdrawal reconstitute capability"
).split()


def build_site(feeds: int, items: int) -> dict[str, bytes]:
    """Every path the server answers, with distinct, article-sized pages."""
    rng = random.Random(7)
    site: dict[str, bytes] = {}
    for feed in range(feeds):
        entries = []
        for item in range(items):
            path = f"/p/{feed}/{item}.html"
            site[path] = render_page(feed, item, rng)
            entries.append(
                f"<item><title>Report {feed}-{item}</title><link>{{BASE}}{path}</link>"
                f"<pubDate>Mon, 05 Aug 2019 12:{item:02d}:00 GMT</pubDate></item>"
            )
        site[f"/f/{feed}.xml"] = (
            '<?xml version="1.0"?><rss version="2.0"><channel><title>Feed '
            f"{feed}</title><link>http://example.org/</link>{''.join(entries)}</channel></rss>"
        ).encode()
    return site


def render_page(feed: int, item: int, rng: random.Random) -> bytes:
    paragraphs = "".join(
        "<p>" + " ".join(rng.choice(WORDS) for _ in range(60)) + f" ({feed}.{item}.{n}).</p>"
        for n in range(6)
    )
    return (
        f"<html><head><title>Report {feed}-{item}</title></head><body><nav>Home</nav>"
        f"<article><h1>Report {feed}-{item}</h1>{paragraphs}</article>"
        "<footer>Benchmark site</footer></body></html>"
    ).encode()


def serve(feeds: int, items: int, port: Any, sent: Synchronized[int], bodies: Any) -> None:
    """Server process: answers GETs with ETags; counts bytes and 200s (not the measured side)."""
    site = build_site(feeds, items)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            body = site.get(self.path)
            if body is None:
                self.send_error(404)
                return
            body = body.replace(b"{BASE}", f"http://127.0.0.1:{port.value}".encode())
            etag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest() + '"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.send_header(
                "Content-Type", "text/html" if self.path.endswith("html") else "application/rss+xml"
            )
            self.end_headers()
            self.wfile.write(body)
            with sent.get_lock():
                sent.value += len(body)
            with bodies.get_lock():
                bodies.value += 1

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port.value = server.server_address[1]
    server.serve_forever()


def run_round(briefbot: Any) -> tuple[float, Any]:
    sources = briefbot.collector.due_sources(include_not_due=True)
    started = time.perf_counter()
    report = briefbot.collector.collect(sources)
    return time.perf_counter() - started, report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--feeds", type=int, default=500)
    parser.add_argument("--items", type=int, default=20)
    parser.add_argument("--workers", type=int, default=8)
    args = parser.parse_args()

    port = multiprocessing.Value("i", 0)
    sent = multiprocessing.Value("q", 0)
    bodies = multiprocessing.Value("q", 0)
    server = multiprocessing.Process(
        target=serve, args=(args.feeds, args.items, port, sent, bodies), daemon=True
    )
    server.start()
    while port.value == 0:
        time.sleep(0.05)

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            database_url=f"sqlite:///{tmp}/bench.db",
            fetch_allow_hosts=f"127.0.0.1:{port.value}",
            fetch_polite_delay=0.0,
            fetch_max_per_host=args.workers,
            collect_workers=args.workers,
        )
        with build_briefbot(settings) as briefbot:
            for feed in range(args.feeds):
                url = f"http://127.0.0.1:{port.value}/f/{feed}.xml"
                briefbot.store.upsert_source(SourceSpec(f"feed-{feed}", url, SourceKind.RSS))
            cold_seconds, cold = run_round(briefbot)
            cold_bytes, cold_bodies = sent.value, bodies.value
            warm_seconds, warm = run_round(briefbot)
            warm_bytes, warm_bodies = sent.value - cold_bytes, bodies.value - cold_bodies
    server.terminate()

    results = {
        "command": "python bench/collect.py " + " ".join(sys.argv[1:]),
        "machine": {"cpus": multiprocessing.cpu_count(), "python": platform.python_version()},
        "feeds": args.feeds,
        "items_per_feed": args.items,
        "workers": args.workers,
        "cold": {
            "seconds": round(cold_seconds, 2),
            "new_documents": cold.new_documents,
            "documents_per_second": round(cold.new_documents / cold_seconds, 1),
            "failed_sources": len(cold.failed),
            "bytes_served": cold_bytes,
            "bodies_served": cold_bodies,
        },
        "second_round": {
            "seconds": round(warm_seconds, 2),
            "bytes_served": warm_bytes,
            "bodies_served": warm_bodies,
            "sources_not_modified": sum(1 for o in warm.outcomes if o.status.value == "unchanged"),
            "new_documents": warm.new_documents,
        },
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
