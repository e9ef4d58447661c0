"""A tiny HTTP/1.1 server on loopback that answers however a test scripts it.

``Misbehaving(script)``: ``script(method, path)`` returns an `Act` that writes the answer (or
misbehaves: drips, redirects, lies about sizes). Each request gets a fresh connection answer
and the connection is closed afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Any

__all__ = ["Act", "Misbehaving", "drip", "raw", "reply", "stream"]

Act = Callable[[asyncio.StreamWriter], Awaitable[None]]


def _head(status: int, headers: dict[str, str]) -> bytes:
    lines = [f"HTTP/1.1 {status} Whatever"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def raw(status: int, body: bytes, headers: dict[str, str] | None = None) -> Act:
    """Answer ``body`` as is, with a correct Content-Length unless ``headers`` sets one."""

    async def act(writer: asyncio.StreamWriter) -> None:
        all_headers = {"content-type": "application/json", "content-length": str(len(body))}
        all_headers.update(headers or {})
        writer.write(_head(status, all_headers) + body)
        await writer.drain()

    return act


def reply(status: int, value: Any, headers: dict[str, str] | None = None) -> Act:
    """Answer ``value`` as JSON."""
    return raw(status, json.dumps(value).encode(), headers)


def drip(interval: float, chunk: bytes = b" ") -> Act:
    """Send headers, then one chunk of the body every ``interval`` seconds, forever."""

    async def act(writer: asyncio.StreamWriter) -> None:
        writer.write(_head(200, {"content-type": "application/json", "transfer-encoding": "chunked"}))
        while True:
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            await writer.drain()
            await asyncio.sleep(interval)

    return act


def stream(total: int, chunk_size: int = 64 * 1024) -> Act:
    """A chunked answer of ``total`` bytes with no Content-Length."""

    async def act(writer: asyncio.StreamWriter) -> None:
        writer.write(_head(200, {"content-type": "application/json", "transfer-encoding": "chunked"}))
        sent = 0
        while sent < total:
            size = min(chunk_size, total - sent)
            writer.write(b"%x\r\n%s\r\n" % (size, b"[" * size))
            await writer.drain()
            sent += size
        writer.write(b"0\r\n\r\n")
        await writer.drain()

    return act


class Misbehaving:
    """``async with Misbehaving(script) as server: Client(server.base_url)``."""

    def __init__(self, script: Callable[[str, str], Act]) -> None:
        self.script = script
        self.requests: list[tuple[str, str]] = []
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[Any]] = set()
        self.base_url = ""

    async def __aenter__(self) -> Misbehaving:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None
        for task in self._handlers:
            task.cancel()
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            method, target = head.split(b" ", 2)[:2]
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value)
            if length:
                await reader.readexactly(length)
            path = target.decode().split("?", 1)[0]
            self.requests.append((method.decode(), path))
            await self.script(method.decode(), path)(writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self._handlers.discard(task)
            with contextlib.suppress(Exception):
                writer.close()
