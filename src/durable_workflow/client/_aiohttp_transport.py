"""The default HTTP transport: httpx requests and responses, carried over an aiohttp connection pool.

httpx stays the API (requests, responses, errors, the ``transport=`` seam), but its own pool
(httpcore) costs about 1 ms of CPU per request and more as connections grow, which was most of a
worker's CPU; aiohttp's pool costs a third of that (see benchmarks/README.md). The pool is made
lazily on the first request, inside the running event loop, so a client can be built anywhere and
importing the SDK does not import aiohttp.

Every aiohttp failure comes out as the `httpx.TransportError` subclass httpcore would raise for
the same fault (connect error, read timeout, server disconnect, malformed answer), so retries and
error mapping above this layer do not know which transport ran.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import urllib.request
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    import aiohttp

__all__ = ["AiohttpTransport", "default_transport"]

_CHUNK_BYTES = 64 * 1024


def default_transport(limits: httpx.Limits | None = None) -> httpx.AsyncBaseTransport | None:
    """An `AiohttpTransport`, or None for httpx's own transport.

    None when aiohttp is not installed, and when the environment names a proxy
    (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``): httpx's client routes through those itself.
    """
    if importlib.util.find_spec("aiohttp") is None:
        return None
    if {"http", "https", "all"} & set(urllib.request.getproxies()):
        return None
    return AiohttpTransport(limits)


class AiohttpTransport(httpx.AsyncBaseTransport):
    """An `httpx.AsyncBaseTransport` that sends each request with an aiohttp `ClientSession`.

    Args:
        limits: connection limits, as for httpx (``max_connections`` and ``keepalive_expiry``
            are used; aiohttp keeps every idle connection until it expires).
    """

    def __init__(self, limits: httpx.Limits | None = None) -> None:
        self._limits = limits or httpx.Limits()
        self._session: aiohttp.ClientSession | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _open(self) -> aiohttp.ClientSession:
        import aiohttp

        expiry = self._limits.keepalive_expiry
        connector = aiohttp.TCPConnector(
            limit=self._limits.max_connections or 0,
            keepalive_timeout=3600.0 if expiry is None else expiry,
            # The same certificate store and SSL_CERT_* handling as httpx's own transport.
            ssl=httpx.create_ssl_context(),
        )
        # httpx decodes Content-Encoding itself, so aiohttp must hand over the raw bytes.
        return aiohttp.ClientSession(connector=connector, auto_decompress=False)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        import aiohttp

        loop = asyncio.get_running_loop()
        if self._session is None or self._loop is not loop or self._session.closed:
            await self._discard()
            self._session, self._loop = self._open(), loop
        timeout = request.extensions.get("timeout", {})
        with _mapped(request):
            response = await self._session.request(
                request.method,
                str(request.url),
                headers=request.headers.multi_items(),
                data=await _body(request),
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(
                    connect=timeout.get("pool"),
                    sock_connect=timeout.get("connect"),
                    sock_read=timeout.get("read"),
                ),
            )
        extensions = {"http_version": b"HTTP/1.1", "reason_phrase": (response.reason or "").encode()}
        return httpx.Response(
            response.status,
            headers=response.raw_headers,
            stream=_ResponseStream(response, request),
            extensions=extensions,
            request=request,
        )

    async def _discard(self) -> None:
        # Also reached when a client is used again under a new event loop (a second
        # `asyncio.run`): a finished loop's connections are unusable and can only be closed.
        session, loop = self._session, self._loop
        self._session = self._loop = None
        if (
            session is not None
            and loop is not None
            and (loop.is_closed() or loop is asyncio.get_running_loop())
        ):
            await session.close()

    async def aclose(self) -> None:
        await self._discard()


async def _body(request: httpx.Request) -> bytes | None:
    try:
        content = request.content
    except httpx.RequestNotRead:
        content = await request.aread()
    return content or None


class _ResponseStream(httpx.AsyncByteStream):
    def __init__(self, response: aiohttp.ClientResponse, request: httpx.Request) -> None:
        self._response, self._request = response, request

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _mapped(self._request):
            async for chunk in self._response.content.iter_chunked(_CHUNK_BYTES):
                yield chunk

    async def aclose(self) -> None:
        # Returns the connection to the pool only when the body was read to the end.
        self._response.release()


@contextlib.contextmanager
def _mapped(request: httpx.Request) -> Iterator[None]:
    """Re-raise aiohttp failures as the httpx exception httpcore raises for the same fault."""
    import aiohttp

    try:
        yield
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise _httpx_error(exc)(str(exc) or type(exc).__name__, request=request) from exc


def _httpx_error(exc: BaseException) -> type[httpx.TransportError]:
    import aiohttp

    kinds: tuple[tuple[type[BaseException], type[httpx.TransportError]], ...] = (
        (aiohttp.ConnectionTimeoutError, httpx.ConnectTimeout),
        (asyncio.TimeoutError, httpx.ReadTimeout),
        (aiohttp.ClientConnectorError, httpx.ConnectError),
        (aiohttp.ServerDisconnectedError, httpx.RemoteProtocolError),
        (aiohttp.ClientPayloadError, httpx.RemoteProtocolError),
        (aiohttp.ClientResponseError, httpx.RemoteProtocolError),
        (aiohttp.InvalidURL, httpx.UnsupportedProtocol),
        (aiohttp.ClientOSError, httpx.ReadError),
    )
    for aiohttp_kind, httpx_kind in kinds:
        if isinstance(exc, aiohttp_kind):
            return httpx_kind
    return httpx.NetworkError
