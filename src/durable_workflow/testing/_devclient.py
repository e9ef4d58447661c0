"""`dev_server_client`: a fresh embedded dev server and a client connected to it."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any, Literal

from durable_workflow.client import Client
from durable_workflow.server import DevServer

__all__ = ["dev_server_client"]


@contextlib.asynccontextmanager
async def dev_server_client(
    *,
    in_process: bool = True,
    namespace: str = "default",
    payload_encoding: Literal["auto", "wrapper", "value-v1"] = "auto",
    **server_options: Any,
) -> AsyncIterator[Client]:
    """Start a dev server on a temporary database and yield a `Client` connected to it.

    ``in_process=True`` reaches the server through an in-process ASGI transport (no socket);
    ``False`` serves real HTTP on a free loopback port (``client.base_url`` is its address).
    Other keyword arguments go to `DevServer`.
    """
    server_options.setdefault("port", 0)
    async with DevServer(serve_http=not in_process, **server_options) as server:
        transport = server.asgi_transport() if in_process else None
        async with Client(
            server.base_url, namespace=namespace, payload_encoding=payload_encoding, transport=transport
        ) as client:
            yield client
