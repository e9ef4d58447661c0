"""Oversize chunked uploads are refused without the server buffering them (auth before the body)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.faults._support import CP, ServerProc, free_port

CHUNK = b"x" * (1024 * 1024)
UPLOAD_MIB = 64


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1])


async def _chunks() -> AsyncIterator[bytes]:
    yield b'{"workflow_type": "t", "memo": {"pad": "'
    for _ in range(UPLOAD_MIB):
        yield CHUNK


async def _upload(client: httpx.AsyncClient, headers: dict[str, str]) -> int | None:
    """Status of a chunked oversize start, or None when the server hung up mid-upload."""
    with contextlib.suppress(httpx.TransportError):
        resp = await client.post("/api/workflows", content=_chunks(), headers=headers)
        return resp.status_code
    return None


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc to read the server's RSS")
async def test_oversize_chunked_uploads_do_not_grow_the_server(tmp_path: Path) -> None:
    server = ServerProc(tmp_path / "dev.sqlite", free_port(), "--auth-driver", "token", "--token", "secret")
    await server.start()
    try:
        assert server.proc is not None
        async with httpx.AsyncClient(base_url=server.base_url, timeout=60) as client:
            before = _rss_kib(server.proc.pid)
            headers = {**CP, "Content-Type": "application/json"}
            for _ in range(2):
                assert await _upload(client, headers) in (401, None)
            authed = {**headers, "Authorization": "Bearer secret"}
            assert await _upload(client, authed) in (413, None)
            grown_mib = (_rss_kib(server.proc.pid) - before) / 1024
            assert grown_mib < 8, f"server RSS grew by {grown_mib:.1f} MiB"
            ok = await client.get("/api/workflows", headers=authed)
            assert ok.status_code == 200
    finally:
        server.stop()
