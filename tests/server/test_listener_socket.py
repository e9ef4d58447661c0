"""The HTTP listener's socket: asyncio disables Nagle only on sockets declared as TCP."""

from __future__ import annotations

import socket

from durable_workflow.server import DevServer


async def test_listener_is_declared_tcp_so_responses_are_not_delayed() -> None:
    async with DevServer(port=0) as server:
        assert server._uvicorn is not None
        listeners = [sock for srv in server._uvicorn.servers for sock in srv.sockets]
        assert listeners
        assert all(sock.proto == socket.IPPROTO_TCP for sock in listeners)
