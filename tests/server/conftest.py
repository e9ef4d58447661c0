"""Fixtures for the dev-server tests: an in-process server and plain httpx clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from durable_workflow.server import DevServer, FakeClock
from tests.server.helpers import CP, WP, Api


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def server(clock: FakeClock) -> AsyncIterator[DevServer]:
    # These tests prove the seed generation's behaviour (wire-0.4 §8.2); tests/generations covers
    # the current one.
    async with DevServer(
        serve_http=False,
        clock=clock,
        long_poll_timeout=2.0,
        workflow_task_retry_base_seconds=1.0,
        wire_generation="seed",
    ) as srv:
        yield srv


def _client(server: DevServer, headers: dict[str, str]) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=server.asgi_transport(), base_url="http://dev", headers=headers)


@pytest.fixture
async def api(server: DevServer) -> AsyncIterator[Api]:
    async with _client(server, CP) as control, _client(server, WP) as worker:
        yield Api(server, control, worker)


@pytest.fixture
def make_client(server: DevServer) -> Any:
    return lambda headers: _client(server, headers)
