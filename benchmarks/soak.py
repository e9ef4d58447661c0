"""Soak: the dev server's memory while many workflows start and complete, then a cold restart.

``python -m benchmarks.soak [--workflows 20000]`` starts and completes workflows in batches
through the raw worker protocol (start, poll, complete) and prints the server's RSS as it goes.
Then it restarts the server on the same database and prints start-up time, RSS and the latency of
``GET /api/workflows`` (first page and a filtered page). A measurement, never a timed test.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from typing import Any

import httpx

from benchmarks._common import CP, WP, free_port, print_table, spawn, wait_healthy
from benchmarks.server import Connection, _measure, _poll_complete
from durable_workflow.payloads import DEFAULT_CONVERTER

__all__ = ["main"]

BATCH = 1000


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


async def _started(db: str) -> tuple[Any, int, float]:
    port = free_port()
    began = time.perf_counter()
    cmd = [sys.executable, "-m", "durable_workflow.server", "--port", str(port), "--db", db]
    proc = spawn([*cmd, "--log-level", "WARNING"])
    await wait_healthy(f"http://127.0.0.1:{port}", proc)
    return proc, port, time.perf_counter() - began


async def _list_ms(port: int, params: dict[str, str], n: int = 30) -> float:
    samples = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", headers=CP) as client:
        for _ in range(n):
            began = time.perf_counter()
            resp = await client.get("/api/workflows", params=params)
            samples.append(time.perf_counter() - began)
            assert resp.status_code == 200, resp.text
    return statistics.median(samples) * 1000


async def _fill(port: int, pid: int, workflows: int, rows: list[list[Any]]) -> None:
    conn = await Connection.open(port)
    await conn.request(
        "POST", "/api/worker/register", {"worker_id": "bench", "task_queue": "soak", "runtime": "python"}, WP
    )
    conn.close()
    done = 0
    began = time.perf_counter()
    while done < workflows:
        n = min(BATCH, workflows - done)
        await _batch(port, done, n)
        done += n
        if done in (BATCH, workflows) or done % (workflows // 4 or 1) == 0:
            rows.append([f"after {done:,} workflows", rss_mib(pid), time.perf_counter() - began])


async def _batch(port: int, offset: int, n: int) -> None:
    envelope = DEFAULT_CONVERTER.envelope(["x"])
    pending = list(range(offset, offset + n))

    async def start(conn: Connection) -> int:
        while pending:
            body = {
                "workflow_id": f"soak-{pending.pop()}",
                "workflow_type": "t",
                "task_queue": "soak",
                "input": envelope,
                "memo": {"note": "x" * 200},
            }
            status, answer = await conn.request("POST", "/api/workflows", body, CP)
            if status != 201:
                raise AssertionError(answer)
        return n

    await _measure(port, start, 8)
    await _measure(port, _poll_complete("soak"))


async def main(workflows: int = 20_000) -> None:
    rows: list[list[Any]] = []
    with tempfile.TemporaryDirectory(prefix="dw-soak-") as tmp:
        db = os.path.join(tmp, "soak.sqlite")
        proc, port, _ = await _started(db)
        try:
            rows.append(["idle after start", rss_mib(proc.pid), 0.0])
            await _fill(port, proc.pid, workflows, rows)
        finally:
            proc.terminate()
            proc.wait(10)
        print_table(
            f"Soak: server RSS while {workflows:,} workflows start and complete (batches of {BATCH})",
            ["point", "RSS MiB", "elapsed s"],
            rows,
        )
        proc, port, startup = await _started(db)
        try:
            restart = [
                ["start-up until healthy (s)", startup],
                ["RSS after restart (MiB)", rss_mib(proc.pid)],
                ["list first page p50 (ms)", await _list_ms(port, {})],
                ["list status=completed p50 (ms)", await _list_ms(port, {"status": "completed"})],
                ["RSS after the lists (MiB)", rss_mib(proc.pid)],
            ]
        finally:
            proc.terminate()
            proc.wait(10)
        print_table(f"Cold restart on the {workflows:,}-workflow database", ["measure", "value"], restart)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.soak")
    parser.add_argument("--workflows", type=int, default=20_000)
    asyncio.run(main(parser.parse_args().workflows))
