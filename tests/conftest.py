"""Suite-wide fixtures: a fresh embedded dev server per test, reached in-process over ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from durable_workflow import Client
from durable_workflow.server import DevServer


@pytest.fixture
async def dev_server() -> AsyncIterator[DevServer]:
    async with DevServer(serve_http=False) as server:
        yield server


@pytest.fixture
async def client(dev_server: DevServer) -> AsyncIterator[Client]:
    async with Client(dev_server.base_url, transport=dev_server.asgi_transport()) as c:
        yield c


# tests/typing holds files that only mypy checks; they are never run.
collect_ignore = ["typing"]
