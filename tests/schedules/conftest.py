"""Fixtures: a dev server on a fake clock (real SQLite file) and a client reaching it over ASGI."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from durable_workflow.client import Client
from durable_workflow.server import DevServer, FakeClock
from durable_workflow.server._schedules import service_for
from tests.schedules._support import START, Advance, server_options


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "dev.sqlite")


@pytest.fixture
async def server(clock: FakeClock, db_path: str) -> AsyncIterator[DevServer]:
    async with DevServer(db_path, serve_http=False, clock=clock, **server_options()) as s:
        yield s


@pytest.fixture
async def client(server: DevServer) -> AsyncIterator[Client]:
    async with Client(server.base_url, transport=server.asgi_transport()) as c:
        yield c


@pytest.fixture
def advance(server: DevServer, clock: FakeClock) -> Advance:
    """Move the fake clock, then run one scheduler pass (the loop's own code) before returning."""

    async def go(seconds: float) -> None:
        clock.advance(seconds)
        await service_for(server.engine).tick()

    return go
