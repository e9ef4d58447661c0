"""Schema-driven fuzzing of the dev server's HTTP API (schemathesis, from tests/faults/openapi.yaml).

Every generated request must get a non-5xx JSON answer; afterwards the server must still be
healthy, reopen cleanly from its database, and run a workflow end to end.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
import pytest
from hypothesis import HealthCheck, settings

from durable_workflow import Client, Worker
from durable_workflow.payloads import DEFAULT_CONVERTER
from durable_workflow.server import DevServer
from tests.faults._support import CP, WP
from tests.faults._workflows import TwoStep, expected, greet, shout

if TYPE_CHECKING:
    from schemathesis.specs.openapi.schemas import OpenApiSchema

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis belongs in the dev extra (>=4.32,<5)")
SCHEMA: OpenApiSchema = schemathesis.openapi.from_path(Path(__file__).with_name("openapi.yaml"))
T = TypeVar("T")
# The long-poll and query windows are short so a fuzzed poll or query never waits long.
OPTIONS: dict[str, Any] = {"long_poll_timeout": 0.2, "query_timeout_seconds": 0.2}


class ServerThread:
    """A DevServer on its own event loop in a thread; requests go in through its ASGI app."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self.statuses: Counter[int] = Counter()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)
        self.server: DevServer | None = None
        self.http: httpx.AsyncClient | None = None

    async def _serve(self) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        async with DevServer(db_path=str(self.db_path), serve_http=False, **OPTIONS) as server:
            self.server = server
            async with httpx.AsyncClient(base_url="http://dev", transport=server.asgi_transport()) as http:
                self.http = http
                await _seed(http)
                self._ready.set()
                await self._stop.wait()

    def __enter__(self) -> ServerThread:
        self._thread.start()
        assert self._ready.wait(15), "fuzz server did not start"
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None and self._stop is not None
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop.set)
            self._thread.join(15)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 20) -> T:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def send(self, kwargs: dict[str, Any]) -> httpx.Response:
        assert self.http is not None
        body = {"json": kwargs["json"]} if "json" in kwargs else {"content": kwargs.get("data")}
        request = self.http.request(
            kwargs["method"],
            kwargs["url"],
            headers=kwargs.get("headers"),
            params=kwargs.get("params"),
            **body,
        )
        response = self.run(request)
        self.statuses[response.status_code] += 1
        return response


async def _seed(http: httpx.AsyncClient) -> None:
    """State for the fuzzer to hit: a namespace, a waiting workflow, a registered worker."""
    await http.post("/api/namespaces", json={"name": "fuzz"}, headers=CP)
    start = {
        "workflow_id": "fuzz-wf",
        "workflow_type": "fault_waits_for_signal",
        "task_queue": "fuzz-q",
        "input": DEFAULT_CONVERTER.envelope([5]),
    }
    assert (await http.post("/api/workflows", json=start, headers=CP)).status_code == 201
    register = {"worker_id": "fuzz-worker", "task_queue": "fuzz-q", "runtime": "python"}
    assert (await http.post("/api/worker/register", json=register, headers=WP)).status_code == 201


@pytest.fixture(scope="module")
def fuzz_target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerThread]:
    with ServerThread(tmp_path_factory.mktemp("fuzz") / "dev.sqlite") as target:
        yield target


@pytest.mark.slow
@SCHEMA.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_request_gets_a_server_error(case: Any, fuzz_target: ServerThread) -> None:
    response = fuzz_target.send(case.as_transport_kwargs(base_url="http://dev"))
    assert response.status_code < 500 or _documented_5xx(case, response), (
        case.method,
        case.formatted_path,
        case.body,
        response.status_code,
        response.text[:500],
    )
    assert isinstance(response.json(), dict), response.text[:200]


def _documented_5xx(case: Any, response: httpx.Response) -> bool:
    """503/504 with a reason are protocol answers (a queue or a worker unavailable), not crashes."""
    try:
        reason = response.json().get("reason")
    except ValueError:
        return False
    documented = {"query_task_queue_unavailable", "query_worker_timeout", "trigger_failed"}
    return (response.status_code in (503, 504) and reason in documented) or (
        response.status_code == 500
        and case.formatted_path.endswith("/trigger")
        and "outcome" in response.json()
    )


@pytest.mark.slow
def test_the_server_is_intact_after_fuzzing(fuzz_target: ServerThread) -> None:
    print("fuzzed answers by status:", dict(sorted(fuzz_target.statuses.items())))
    assert sum(fuzz_target.statuses.values()) > 300, fuzz_target.statuses
    assert fuzz_target.statuses[200] and fuzz_target.statuses[422] and fuzz_target.statuses[404]
    db_path = fuzz_target.db_path
    fuzz_target.__exit__()

    async def reopened() -> None:
        async with (
            DevServer(db_path=str(db_path), serve_http=False) as server,
            Client(server.base_url, transport=server.asgi_transport()) as client,
        ):
            assert (await client.health())["status"] == "serving"
            seeded = await client.describe_workflow("fuzz-wf")
            assert seeded.workflow_type == "fault_waits_for_signal"
            await client.list_workflows()
            worker = Worker(
                client,
                task_queue="after-fuzz",
                workflows=[TwoStep],
                activities=[greet, shout],
                poll_timeout=1,
            )
            async with worker:
                handle = await client.start_workflow("fault_two_step", "after-fuzz", "after-fuzz-1", ["fuzz"])
                assert await handle.result(timeout=15) == expected("fuzz")

    asyncio.run(reopened())
