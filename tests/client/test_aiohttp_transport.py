"""The default transport (httpx over an aiohttp pool) behaves like httpx's own, fault for fault."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import gzip
import http.server
import json
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import httpx
import pytest

from durable_workflow import Client
from durable_workflow.client._aiohttp_transport import AiohttpTransport, default_transport
from durable_workflow.server import DevServer

Answer = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
TRANSPORTS = {"aiohttp": AiohttpTransport, "httpx": httpx.AsyncHTTPTransport}


async def _read_request(reader: asyncio.StreamReader) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            await reader.readexactly(int(line.split(b":", 1)[1]))
    return head


@contextlib.asynccontextmanager
async def loopback(answer: Answer) -> AsyncIterator[str]:
    """A loopback server whose connections are handled by ``answer`` (stopped when they are left)."""
    handlers: set[asyncio.Task[None]] = set()

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        handlers.add(task)
        try:
            with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError):
                await answer(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    finally:
        server.close()
        for task in handlers:
            task.cancel()
        await asyncio.gather(*handlers, return_exceptions=True)
        await server.wait_closed()


def _closes_at_once(data: bytes) -> Answer:
    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(data)
        await writer.drain()

    return answer


async def _never_answers(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await _read_request(reader)
    await asyncio.sleep(30)


FAULTS: dict[str, tuple[Answer, type[httpx.TransportError]]] = {
    "closed without an answer": (_closes_at_once(b""), httpx.RemoteProtocolError),
    "garbage status line": (_closes_at_once(b"NOT HTTP AT ALL\r\n\r\n"), httpx.RemoteProtocolError),
    "body shorter than its length": (
        _closes_at_once(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n{}"),
        httpx.RemoteProtocolError,
    ),
    "no answer before the read timeout": (_never_answers, httpx.ReadTimeout),
}


@pytest.mark.parametrize("kind", TRANSPORTS)
@pytest.mark.parametrize("fault", FAULTS)
async def test_faults_raise_the_same_httpx_errors_as_httpx_own_transport(kind: str, fault: str) -> None:
    answer, expected = FAULTS[fault]
    async with (
        loopback(answer) as url,
        httpx.AsyncClient(transport=TRANSPORTS[kind](), timeout=0.3) as http,
    ):
        with pytest.raises(expected):
            await http.get(url + "/x")


@pytest.mark.parametrize("kind", TRANSPORTS)
async def test_a_refused_connection_is_a_connect_error(kind: str) -> None:
    async with loopback(_never_answers) as url:
        pass  # the port is closed again
    async with httpx.AsyncClient(transport=TRANSPORTS[kind]()) as http:
        with pytest.raises(httpx.ConnectError):
            await http.get(url + "/x")


async def test_requests_carry_each_header_once_and_answers_are_decoded() -> None:
    heads: list[bytes] = []
    body = gzip.compress(json.dumps({"ok": True}).encode())

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        heads.append(await _read_request(reader))
        head = f"HTTP/1.1 200 OK\r\ncontent-encoding: gzip\r\ncontent-length: {len(body)}\r\n\r\n"
        writer.write(head.encode() + body)
        await writer.drain()

    async with loopback(answer) as url, httpx.AsyncClient(transport=AiohttpTransport()) as http:
        response = await http.post(url + "/x", json={"a": 1}, headers={"X-Namespace": "n"})
    assert response.json() == {"ok": True} and response.http_version == "HTTP/1.1"
    names = [line.split(b":", 1)[0].lower() for line in heads[0].split(b"\r\n")[1:] if line]
    assert sorted(names) == sorted(set(names)), heads[0]
    assert {b"host", b"content-length", b"x-namespace", b"user-agent"} <= set(names)
    assert b"user-agent: python-httpx/" in heads[0].lower()


async def test_a_connection_left_mid_answer_is_not_reused() -> None:
    body = b"x" * 1_000_000

    async def keep_alive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            target = (await _read_request(reader)).split(b" ")[1]
            data = body if target == b"/big" else b'{"small": true}'
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(data), data))
            await writer.drain()

    async with loopback(keep_alive) as url, httpx.AsyncClient(transport=AiohttpTransport()) as http:
        async with http.stream("GET", url + "/big") as response:
            async for _ in response.aiter_raw():
                break
        assert (await http.get(url + "/small")).json() == {"small": True}


def test_without_aiohttp_clients_fall_back_to_httpx_own_pool(monkeypatch: pytest.MonkeyPatch) -> None:
    assert isinstance(default_transport(), AiohttpTransport)
    monkeypatch.setitem(sys.modules, "aiohttp", None)  # as if it were not installed
    assert default_transport() is None


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "https_proxy", "ALL_PROXY"])
def test_a_proxy_in_the_environment_leaves_requests_to_httpx(
    monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    monkeypatch.setenv(variable, "http://proxy.invalid:3128")
    assert default_transport() is None


async def test_clients_work_without_aiohttp(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "aiohttp", None)
    async with DevServer(port=0) as server, Client(server.base_url) as client:
        assert (await client.health())["status"] == "serving"


@contextlib.contextmanager
def _health_server() -> Iterator[str]:
    class Health(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            data = b'{"status": "serving"}'
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


# A finished loop's sockets can no longer be closed through it; they warn when collected (as
# httpx's own pool does), which this test lets happen here rather than in a later test.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_one_client_serves_several_event_loops_in_turn() -> None:
    with _health_server() as url:
        client = Client(url)
        for _ in range(3):  # e.g. a script calling asyncio.run() more than once
            assert asyncio.run(client.health())["status"] == "serving"
        asyncio.run(client.aclose())
    gc.collect()
