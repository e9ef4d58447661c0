"""The store at scale: start-up, RSS and list latency with 1k, 10k and 50k stored workflows.

One database grows through the sizes (workflows start and complete through the worker protocol,
as in `benchmarks.soak`); at each size the server is restarted cold on it and measured.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from typing import Any

from benchmarks._common import WP, print_table
from benchmarks.server import Connection
from benchmarks.soak import _batch, _list_ms, _started, rss_mib

__all__ = ["SIZES", "main"]

SIZES = (1_000, 10_000, 50_000)
_BATCH = 1_000


async def _grow(db: str, start: int, stop: int) -> None:
    proc, port, _ = await _started(db)
    try:
        conn = await Connection.open(port)
        register = {"worker_id": "bench", "task_queue": "soak", "runtime": "python"}
        await conn.request("POST", "/api/worker/register", register, WP)
        conn.close()
        for offset in range(start, stop, _BATCH):
            await _batch(port, offset, min(_BATCH, stop - offset))
    finally:
        proc.terminate()
        await asyncio.to_thread(proc.wait, 30)


async def _measure(db: str, size: int) -> list[Any]:
    proc, port, startup = await _started(db)
    try:
        rss = rss_mib(proc.pid)
        first = await _list_ms(port, {})
        filtered = await _list_ms(port, {"status": "completed"})
        return [size, startup, rss, first, filtered, rss_mib(proc.pid)]
    finally:
        proc.terminate()
        await asyncio.to_thread(proc.wait, 30)


async def main(sizes: tuple[int, ...] = SIZES) -> None:
    rows: list[list[Any]] = []
    with tempfile.TemporaryDirectory(prefix="dw-store-") as tmp:
        db = os.path.join(tmp, "store.sqlite")
        stored = 0
        for size in sizes:
            await _grow(db, stored, size)
            stored = size
            rows.append(await _measure(db, size))
    print_table(
        "Store: cold start on a database of <workflows> completed workflows (server subprocess)",
        ["workflows", "start-up s", "RSS MiB", "list p50 ms", "status=completed p50 ms", "RSS after MiB"],
        rows,
    )
