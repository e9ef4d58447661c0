"""Shared helpers: timing statistics, table printing and a dev server in a subprocess."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import httpx

__all__ = [
    "CP",
    "WP",
    "ServerProcess",
    "free_port",
    "median_time",
    "percentile",
    "print_table",
    "server_process",
    "spawn",
    "wait_healthy",
]

CP = {"X-Durable-Workflow-Control-Plane-Version": "2"}
WP = {"X-Durable-Workflow-Protocol-Version": "1.1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sequence."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def median_time(fn: Callable[[], Any], *, number: int, repeat: int = 7, warmup: int = 1) -> float:
    """Median seconds per call of ``fn`` over ``repeat`` batches of ``number`` calls."""
    for _ in range(warmup * number):
        fn()
    batches = []
    for _ in range(repeat):
        gc.collect()
        gc.disable()  # as timeit does: collections are noise here, not part of the measured code
        try:
            began = time.perf_counter()
            for _ in range(number):
                fn()
            batches.append((time.perf_counter() - began) / number)
        finally:
            gc.enable()
    return statistics.median(batches)


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    cells = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(headers)]
    line = "  ".join("-" * w for w in widths)
    print(f"\n{title}")
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
    print(line)
    for row in cells:
        print("  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
    sys.stdout.flush()


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)


class ServerProcess:
    """A dev server running as ``python -m durable_workflow.server`` on a temporary database."""

    def __init__(self, proc: subprocess.Popen[bytes], port: int, db: str) -> None:
        self.proc, self.port, self.db = proc, port, db
        self.base_url = f"http://127.0.0.1:{port}"

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far (Linux /proc)."""
        with open(f"/proc/{self.proc.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks


def spawn(cmd: list[str]) -> subprocess.Popen[bytes]:
    """Start a quiet child process (servers are started once, outside any measurement)."""
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def wait_healthy(url: str, proc: subprocess.Popen[bytes], path: str = "/api/health") -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(400):
            if proc.poll() is not None:
                raise RuntimeError(f"server process exited with {proc.returncode}")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(url + path)).status_code == 200:
                    return
            await asyncio.sleep(0.025)
    raise RuntimeError("server did not come up within 10 s")


@contextlib.asynccontextmanager
async def server_process(*extra: str) -> AsyncIterator[ServerProcess]:
    """Start a subprocess dev server on a free loopback port and a fresh database; stop it after."""
    with tempfile.TemporaryDirectory(prefix="dw-bench-") as tmp:
        port, db = free_port(), os.path.join(tmp, "bench.sqlite")
        cmd = [sys.executable, "-m", "durable_workflow.server", "--port", str(port), "--db", db]
        proc = spawn([*cmd, "--log-level", "WARNING", *extra])
        try:
            server = ServerProcess(proc, port, db)
            await wait_healthy(server.base_url, proc)
            yield server
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
