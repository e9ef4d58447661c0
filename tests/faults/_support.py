"""Helpers for the fault-tolerance suite: subprocess servers, free ports, history checks."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

__all__ = [
    "CP",
    "WP",
    "ServerProc",
    "event_counts",
    "free_port",
    "history",
    "wait_until",
]

CP = {"X-Durable-Workflow-Control-Plane-Version": "2"}
WP = {"X-Durable-Workflow-Protocol-Version": "1.1"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProc:
    """``python -m durable_workflow.server`` on a fixed port and database, restartable."""

    def __init__(self, db: Path, port: int, *extra: str) -> None:
        self.db, self.port, self.extra = db, port, extra
        self.base_url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def _spawn(self) -> subprocess.Popen[bytes]:
        cmd = [
            sys.executable,
            "-m",
            "durable_workflow.server",
            "--port",
            str(self.port),
            "--db",
            str(self.db),
        ]
        return subprocess.Popen(
            [*cmd, "--log-level", "WARNING", *self.extra],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    async def start(self) -> None:
        self.proc = self._spawn()
        async with httpx.AsyncClient() as client:
            for _ in range(300):
                if self.proc.poll() is not None:
                    raise AssertionError(f"dev server exited with {self.proc.returncode}")
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"{self.base_url}/api/health")).status_code == 200:
                        return
                await asyncio.sleep(0.05)
        self.kill()
        raise AssertionError("dev server did not come up within 15 s")

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, like a power cut of the process."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


async def history(http: httpx.AsyncClient, workflow_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """(describe body, every event of the current run) read with plain httpx."""
    described = (await http.get(f"/api/workflows/{workflow_id}", headers=CP)).json()
    events: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        params: dict[str, Any] = {"page_size": 1000, **({"next_page_token": token} if token else {})}
        path = f"/api/workflows/{workflow_id}/runs/{described['run_id']}/history"
        page = (await http.get(path, params=params, headers=CP)).json()
        events.extend(page["events"])
        token = page.get("next_page_token")
        if not token:
            return described, events


def event_counts(events: Sequence[dict[str, Any]]) -> Counter[str]:
    return Counter(str(e["event_type"]) for e in events)


async def wait_until(check: Any, timeout: float, interval: float = 0.1) -> None:
    """Await ``check()`` until it returns true; AssertionError after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await check():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        await asyncio.sleep(interval)
