"""Run every benchmark: ``python -m benchmarks`` (``make bench``); ``--quick`` for a smoke run."""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone

import httpx

from benchmarks import e2e, payload_codecs, replay, server, store
from benchmarks._common import server_process


def _machine() -> str:
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(line.split(":", 1)[1].strip() for line in info if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    when = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, {when}"


async def request_latency_ms() -> float:
    """Median round trip of ``GET /api/health`` on one keep-alive connection to a subprocess server."""
    async with server_process() as srv, httpx.AsyncClient(base_url=srv.base_url) as client:
        samples = []
        for _ in range(15):
            began = time.perf_counter()
            await client.get("/api/health")
            samples.append(time.perf_counter() - began)
    return statistics.median(samples) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="fewer workflows and requests (smoke run)")
    parser.add_argument(
        "--store-sizes",
        default=None,
        help="comma-separated stored-workflow counts for the store part (default 1000,10000,50000)",
    )
    args = parser.parse_args(argv)
    print(f"durable-workflow benchmarks on {_machine()}")
    latency = asyncio.run(request_latency_ms())
    print(f"dev server GET /api/health round trip: {latency:.2f} ms")
    workflows = 30 if args.quick else 150
    if latency > 20:
        workflows = min(workflows, 30)
        print(
            "WARNING: ~40 ms per request means Nagle's algorithm meets delayed ACKs (TCP_NODELAY not set\n"
            "on the server's accepted sockets); end-to-end numbers below are bounded by that, and the\n"
            f"end-to-end run is cut to {workflows} workflows per setting to stay short."
        )
    began = time.perf_counter()
    payload_codecs.main()
    replay.main()
    asyncio.run(server.main(per_connection=60 if args.quick else 250, workflows=150 if args.quick else 600))
    asyncio.run(e2e.main(workflows))
    sizes = args.store_sizes or ("1000,3000" if args.quick else ",".join(map(str, store.SIZES)))
    asyncio.run(store.main(tuple(int(size) for size in sizes.split(","))))
    print(f"\nall benchmarks done in {time.perf_counter() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
