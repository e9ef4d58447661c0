"""Dev server requests/s on the worker hot path vs a bare Starlette + uvicorn endpoint.

Load comes from a minimal keep-alive HTTP/1.1 client on raw asyncio streams (much cheaper than
httpx), so the server process, not the load generator, is what gets measured.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from benchmarks._common import CP, WP, free_port, print_table, server_process, spawn, wait_healthy
from durable_workflow.payloads import DEFAULT_CONVERTER

__all__ = ["Connection", "main"]

CONNECTIONS = 8


class Connection:
    """One keep-alive HTTP/1.1 connection that sends JSON and reads Content-Length bodies."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer)

    async def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        data = b"" if body is None else json.dumps(body).encode()
        lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(data)}"]
        if data:
            lines.append("Content-Type: application/json")
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        payload = await self.reader.readexactly(length)
        return status, json.loads(payload) if payload else None

    def close(self) -> None:
        self.writer.close()


async def _measure(
    port: int, job: Callable[[Connection], Awaitable[int]], connections: int = CONNECTIONS
) -> tuple[int, float]:
    """Run ``job`` (returns the number of requests it sent) on each connection; (requests, seconds)."""
    conns = [await Connection.open(port) for _ in range(connections)]
    try:
        began = time.perf_counter()
        counts = await asyncio.gather(*(job(c) for c in conns))
        return sum(counts), time.perf_counter() - began
    finally:
        for conn in conns:
            conn.close()


def _repeat(
    count: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> Any:
    async def job(conn: Connection) -> int:
        for _ in range(count):
            status, _ = await conn.request(method, path, body, headers)
            if status >= 300:
                raise AssertionError(f"{path}: {status}")
        return count

    return job


@contextlib.asynccontextmanager
async def bare_server() -> AsyncIterator[int]:
    port = free_port()
    proc = spawn([sys.executable, "-m", "benchmarks._bare", str(port)])
    try:
        await wait_healthy(f"http://127.0.0.1:{port}", proc)
        yield port
    finally:
        proc.terminate()
        proc.wait(10)


async def _start_workflows(port: int, queue: str, n: int) -> None:
    envelope = DEFAULT_CONVERTER.envelope(["x"])
    pending = list(range(n))

    async def job(conn: Connection) -> int:
        sent = 0
        while pending:
            i = pending.pop()
            body = {
                "workflow_id": f"{queue}-{i}",
                "workflow_type": "t",
                "task_queue": queue,
                "input": envelope,
            }
            status, answer = await conn.request("POST", "/api/workflows", body, CP)
            if status != 201:
                raise AssertionError(answer)
            sent += 1
        return sent

    await _measure(port, job, 16)


def _poll_complete(queue: str) -> Callable[[Connection], Awaitable[int]]:
    result = DEFAULT_CONVERTER.envelope("done")
    poll = {"worker_id": "bench", "task_queue": queue, "timeout_seconds": 0}

    async def job(conn: Connection) -> int:
        sent = 0
        while True:
            _, answer = await conn.request("POST", "/api/worker/workflow-tasks/poll", poll, WP)
            sent += 1
            task = answer["task"]
            if task is None:
                return sent
            body = {
                "lease_owner": task["lease_owner"],
                "workflow_task_attempt": task["workflow_task_attempt"],
                "commands": [{"type": "complete_workflow", "result": result}],
            }
            status, answer = await conn.request(
                "POST", f"/api/worker/workflow-tasks/{task['task_id']}/complete", body, WP
            )
            if status != 200:
                raise AssertionError(answer)
            sent += 1

    return job


async def main(per_connection: int = 250, workflows: int = 600) -> None:
    rows: list[list[Any]] = []
    async with bare_server() as port:
        await _measure(port, _repeat(50, "GET", "/api/health"))
        for label, job in (
            ("bare: GET /api/health", _repeat(per_connection, "GET", "/api/health")),
            (
                "bare: POST /echo (JSON in/out)",
                _repeat(per_connection, "POST", "/echo", {"worker_id": "w", "n": 1}),
            ),
        ):
            count, seconds = await _measure(port, job)
            rows.append([label, count, count / seconds, seconds / count * CONNECTIONS * 1000])
    bare_rate = rows[-1][2]
    async with server_process() as server:
        port = server.port
        register = {"worker_id": "bench", "task_queue": "q", "runtime": "python"}
        conn = await Connection.open(port)
        await conn.request("POST", "/api/worker/register", register, WP)
        conn.close()
        empty_poll = {"worker_id": "bench", "task_queue": "q", "timeout_seconds": 0}
        scenarios = [
            ("dev: GET /api/health", _repeat(per_connection, "GET", "/api/health")),
            (
                "dev: POST poll (empty queue)",
                _repeat(per_connection, "POST", "/api/worker/workflow-tasks/poll", empty_poll, WP),
            ),
        ]
        for label, job in scenarios:
            await _measure(port, _repeat(20, "GET", "/api/health"))
            count, seconds = await _measure(port, job)
            rows.append([label, count, count / seconds, seconds / count * CONNECTIONS * 1000])
        await _start_workflows(port, "q", workflows)
        count, seconds = await _measure(port, _poll_complete("q"))
        rows.append(
            [
                "dev: poll + complete (a task each)",
                count,
                count / seconds,
                seconds / count * CONNECTIONS * 1000,
            ]
        )
    for row in rows:
        row.append(row[2] / bare_rate)
    print_table(
        f"Server requests/s: {CONNECTIONS} keep-alive connections (raw asyncio client), server subprocess",
        ["scenario", "requests", "requests/s", "ms/request", "vs bare POST"],
        rows,
    )
