"""An HTTP/1.1 fault-injecting proxy on loopback (asyncio): drops, resets and injected 5xx answers.

Each fault is decided per request with a seeded RNG. "before" faults never reach the server;
"after" faults reach it, are processed, and then the answer is lost or replaced: the ambiguous
case a client must retry without duplicating anything.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import socket
import struct
from collections import Counter
from collections.abc import Callable
from types import TracebackType

__all__ = ["FAULTS", "FaultProxy"]

Script = Callable[[str, str], "str | None"]
"""Decides a fault for (method, path) before the random draw; None leaves it to chance."""
FAULTS = ("drop_before", "reset_before", "503_before", "drop_after", "reset_after", "502_after")


async def _read_message(reader: asyncio.StreamReader) -> bytes | None:
    """One HTTP/1.1 message with a Content-Length body (or none); None at a clean EOF."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError as exc:
        if exc.partial:
            raise
        return None
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
        elif name.strip().lower() == b"transfer-encoding":
            raise ValueError("chunked bodies are not supported by this proxy")
    return head + (await reader.readexactly(length) if length else b"")


def _error_response(status: int) -> bytes:
    body = json.dumps({"message": "injected fault", "reason": "injected_fault"}).encode()
    head = (
        f"HTTP/1.1 {status} Injected\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


class FaultProxy:
    """Forwards loopback connections to ``upstream_port``, faulting about ``rate`` of the requests."""

    def __init__(
        self, upstream_port: int, rate: float = 0.2, seed: int = 7, script: Script | None = None
    ) -> None:
        self.upstream_port, self.rate, self.script = upstream_port, rate, script
        self.rng = random.Random(seed)
        self.faults: Counter[str] = Counter()
        self.faulted_paths: Counter[str] = Counter()
        self.requests = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def __aenter__(self) -> FaultProxy:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._server is not None
        self._server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.create_task(self._serve(reader, writer))
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)

    def _choose(self, request: bytes) -> str | None:
        self.requests += 1
        method, target = request.split(b" ", 2)[:2]
        path = target.decode().split("?")[0]
        fault = self.script(method.decode(), path) if self.script is not None else None
        if fault is None:
            if self.rng.random() >= self.rate:
                return None
            fault = self.rng.choice(FAULTS)
        self.faults[fault] += 1
        self.faulted_paths[f"{fault} {path}"] += 1
        return fault

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None
        try:
            while (request := await _read_message(reader)) is not None:
                fault = self._choose(request)
                if fault in ("drop_before", "reset_before"):
                    return _close(writer, reset=fault == "reset_before")
                if fault == "503_before":
                    writer.write(_error_response(503))
                    await writer.drain()
                    continue
                if upstream is None:
                    upstream = await asyncio.open_connection("127.0.0.1", self.upstream_port)
                upstream[1].write(request)
                await upstream[1].drain()
                response = await _read_message(upstream[0])
                if response is None or fault in ("drop_after", "reset_after"):
                    return _close(writer, reset=fault == "reset_after")
                writer.write(_error_response(502) if fault == "502_after" else response)
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            _close(writer, reset=False)
            if upstream is not None:
                _close(upstream[1], reset=False)
        return None


def _close(writer: asyncio.StreamWriter, *, reset: bool) -> None:
    if reset:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.transport.abort()
    else:
        writer.close()
