"""Suite-wide fixtures: a fresh embedded dev server per test, reached in-process over ASGI."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections.abc import AsyncIterator, Iterator

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


@pytest.fixture
def live_server_url() -> Iterator[str]:
    """A real HTTP dev server on a free loopback port, served by its own thread and event loop.

    For code that blocks the test's thread (the sync client, doc blocks, example scripts).
    """
    ready = threading.Event()
    state: dict[str, object] = {}

    async def serve() -> None:
        stop = asyncio.Event()
        state["stop"], state["loop"] = stop, asyncio.get_running_loop()
        async with DevServer(port=0) as server:
            state["url"] = server.base_url
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=asyncio.run, args=(serve(),), daemon=True)
    thread.start()
    assert ready.wait(10), "dev server did not start"
    yield str(state["url"])
    loop, stop = state["loop"], state["stop"]
    assert isinstance(loop, asyncio.AbstractEventLoop) and isinstance(stop, asyncio.Event)
    loop.call_soon_threadsafe(stop.set)
    thread.join(10)


# tests/typing holds files that only mypy and pyright check (tests/test_type_checkers.py); never run.
collect_ignore = ["typing"]


@pytest.fixture(autouse=True, scope="module")
def _collect_garbage_after_each_module() -> Iterator[None]:
    """Collect garbage after each test module: a leaked socket or session warns in the module that leaked it.

    Left to chance, the collector runs in whichever later test allocates enough, and the
    ResourceWarning (an error here) fails an innocent test.
    """
    yield
    gc.collect()
