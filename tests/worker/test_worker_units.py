"""Worker start-up checks, option validation, and task runners on tasks a server would not send."""

from __future__ import annotations

import asyncio
import concurrent.futures
import time
from collections.abc import Generator
from typing import Any

import httpx
import pytest

from durable_workflow import activity, workflow
from durable_workflow.client import Client
from durable_workflow.errors import QueryFailed, ServerCompatibilityError
from durable_workflow.payloads import DataConverter
from durable_workflow.worker import Worker
from durable_workflow.worker._activity_tasks import ActivityTaskRunner
from durable_workflow.worker._completion import Completions
from durable_workflow.worker._server import check_cluster_info
from durable_workflow.worker._workflow_tasks import WorkflowTaskRunner
from durable_workflow.workflow import WorkflowCache, WorkflowContext
from tests.worker._harness import running

GOOD_INFO = {
    "version": "2.0.0-dev",
    "control_plane": {"version": "2"},
    "worker_protocol": {
        "version": "1.1",
        "server_capabilities": {"query_tasks": True, "long_poll_timeout": 30},
    },
}


def test_cluster_info_check() -> None:
    features = check_cluster_info(GOOD_INFO)
    assert features.query_tasks and features.long_poll_timeout == 30 and features.version == "2.0.0-dev"
    assert check_cluster_info({**GOOD_INFO, "worker_protocol": {"version": "1.15"}}).query_tasks is False
    bad = [
        ({**GOOD_INFO, "worker_protocol": {"version": "1.0"}}, "worker_protocol.version '1.0'"),
        ({**GOOD_INFO, "worker_protocol": {"version": "2.1"}}, "worker_protocol.version '2.1'"),
        ({**GOOD_INFO, "worker_protocol": {"version": 1.1}}, "worker_protocol.version 1.1"),
        ({**GOOD_INFO, "control_plane": {"version": "1"}}, "control_plane.version '1'"),
        ([], "JSON object"),
    ]
    for info, text in bad:
        with pytest.raises(ServerCompatibilityError, match="Server compatibility error") as caught:
            check_cluster_info(info)
        assert text in str(caught.value)


async def test_worker_refuses_an_incompatible_server_before_registering() -> None:
    requests: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        requests.append(request.url.path)
        return httpx.Response(200, json={**GOOD_INFO, "worker_protocol": {"version": "1.0"}})

    async with Client("http://server", transport=httpx.MockTransport(answer)) as client:
        worker = Worker(client, task_queue="q", workflows=[Noop])
        with pytest.raises(ServerCompatibilityError, match=r"1\.0"):
            await worker.run()
    assert requests == ["/api/cluster/info"]


@workflow.defn(name="noop")
class Noop:
    @workflow.query("state")
    def state(self) -> str:
        return "waiting"

    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
        yield ctx.sleep(30)


@activity.defn(name="noop_activity")
async def noop_activity() -> None:
    return None


async def test_worker_options_are_validated() -> None:
    async with Client(
        "http://server", transport=httpx.MockTransport(lambda r: httpx.Response(500))
    ) as client:
        with pytest.raises(TypeError, match="not a workflow class"):
            Worker(client, task_queue="q", workflows=[int])
        with pytest.raises(TypeError, match="not an activity"):
            Worker(client, task_queue="q", activities=[len])
        with pytest.raises(ValueError, match="max_concurrent_workflow_tasks"):
            Worker(client, task_queue="q", max_concurrent_workflow_tasks=0)
        with pytest.raises(ValueError, match="task_queue"):
            Worker(client, task_queue="")

        @workflow.defn(name="noop")
        class Other(Noop):
            pass

        with pytest.raises(ValueError, match="two workflow classes"):
            Worker(client, task_queue="q", workflows=[Noop, Other])
        worker = Worker(client, task_queue="q", workflows=[Noop], activities=[noop_activity])
        assert worker.worker_id.startswith("py-worker-") and len(worker.worker_id) == 18
        assert "durable_workflow.Worker" in repr(worker)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def __call__(self, path: str, body: dict[str, Any]) -> Any:
        self.calls.append((path, body))
        return {}

    async def once(self, path: str, body: dict[str, Any], timeout: float) -> Any:
        return await self(path, body)

    @property
    def completions(self) -> Completions:
        return Completions(self.once, attempt_timeout=5)


async def test_unknown_workflow_type_fails_the_task_clearly() -> None:
    post = Recorder()
    runner = WorkflowTaskRunner(
        post=post,
        completions=post.completions,
        worker_id="w",
        task_queue="q",
        namespace="default",
        converter=DataConverter(),
        workflows={},
        cache=WorkflowCache(1),
    )
    outcome = await runner.run({"task_id": "t1", "workflow_type": "ghost", "workflow_task_attempt": 2})
    assert outcome == "failed"
    assert post.calls == [
        (
            "/worker/workflow-tasks/t1/fail",
            {
                "lease_owner": "w",
                "workflow_task_attempt": 2,
                "failure": {
                    "message": "workflow type 'ghost' is not registered on worker w (task queue 'q'; "
                    "registered: [])"
                },
            },
        )
    ]


async def test_unknown_activity_type_and_bad_arguments_fail_the_task() -> None:
    post = Recorder()
    with concurrent.futures.ThreadPoolExecutor(1) as executor:
        runner = ActivityTaskRunner(
            post=post,
            completions=post.completions,
            worker_id="w",
            task_queue="q",
            converter=DataConverter(),
            activities={"noop_activity": activity.get_definition(noop_activity)},
            executor=executor,
        )
        assert (
            await runner.run({"task_id": "a1", "activity_attempt_id": "x", "activity_type": "ghost"})
            == "no_handler"
        )
        arguments = DataConverter().envelope([1, 2])
        task = {
            "task_id": "a2",
            "activity_attempt_id": "y",
            "activity_type": "noop_activity",
            "arguments": arguments,
        }
        assert await runner.run(task) == "decode_error"
    (path1, body1), (path2, body2) = post.calls
    assert path1 == "/worker/activity-tasks/a1/fail"
    assert body1["failure"]["message"] == (
        "activity type 'ghost' is not registered on worker w (task queue 'q'; registered: ['noop_activity'])"
    )
    assert path2 == "/worker/activity-tasks/a2/fail" and body2["failure"]["non_retryable"] is True
    assert "takes 0 argument(s) but 2 were given" in body2["failure"]["message"]


async def test_query_answers_and_unknown_query_is_rejected() -> None:
    async with running([Noop]) as env:
        handle = await env.start("noop")
        await asyncio.sleep(0.3)
        assert await handle.query("state") == "waiting"
        with pytest.raises(QueryFailed):
            await handle.query("nope")


async def test_run_until_times_out_and_stops() -> None:
    async with running() as env:
        await env.start("noop", workflow_id="never")
        worker = Worker(env.client, task_queue="q", workflows=[Noop], poll_timeout=1)
        with pytest.raises(TimeoutError, match="never"):
            await worker.run_until(workflow_id="never", timeout=0.5)


@activity.defn(name="blocking_sync")
def blocking_sync(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


@activity.defn(name="quick")
async def quick() -> float:
    return time.monotonic()


@workflow.defn(name="mixed")
class Mixed:
    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
        slow, fast = yield [ctx.schedule_activity("blocking_sync", [1.0]), ctx.schedule_activity("quick", [])]
        return {"slow": slow, "fast_at": fast}


async def test_sync_activities_do_not_block_the_event_loop() -> None:
    async with running([Mixed], [blocking_sync, quick]) as env:
        began = time.monotonic()
        result = await env.run("mixed")
    assert result["slow"] == 1.0
    assert result["fast_at"] - began < 0.9  # the async activity ran while the sync one slept


class Pager(Recorder):
    """Answers history pages like the server, then records the completion."""

    def __init__(self, pages: list[Any]) -> None:
        super().__init__()
        self.pages = pages

    async def __call__(self, path: str, body: dict[str, Any]) -> Any:
        self.calls.append((path, body))
        if path.endswith("/history"):
            page = self.pages.pop(0)
            if isinstance(page, Exception):
                raise page
            return page
        return {}


def _greeter_task(token: str | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    from tests.workflow._histories import History

    h = History("greeter")
    seq = h.schedule("greet")
    h.complete(seq, "hi")
    events = h.events
    return {
        "task_id": "t",
        "workflow_id": "w",
        "run_id": "r",
        "workflow_type": "greeter",
        "payload_codec": "avro",
        "arguments": DataConverter().envelope(["Ada"]),
        "history_events": events[:2],
        "next_history_page_token": token,
    }, events[2:]


async def test_history_is_paged_completely_before_deciding() -> None:
    from tests.worker.test_worker_e2e import Greeter

    task, rest = _greeter_task("NTAw")
    post = Pager(
        [
            {"history_events": rest[:1], "next_history_page_token": "MTAw"},
            {"history_events": rest[1:], "next_history_page_token": None},
        ]
    )
    runner = WorkflowTaskRunner(
        post=post,
        completions=post.completions,
        worker_id="w1",
        task_queue="q",
        namespace=None,
        converter=DataConverter(),
        workflows={"greeter": workflow.get_definition(Greeter)},
        cache=WorkflowCache(1),
    )
    assert await runner.run(task) == "completed"
    paths = [path for path, _ in post.calls]
    assert paths == ["/worker/workflow-tasks/t/history"] * 2 + ["/worker/workflow-tasks/t/complete"]
    assert post.calls[0][1] == {
        "next_history_page_token": "NTAw",
        "lease_owner": "w1",
        "workflow_task_attempt": 1,
    }
    assert [c["type"] for c in post.calls[-1][1]["commands"]] == ["complete_workflow"]


async def test_a_paging_error_fails_the_task_instead_of_deciding_on_part_of_the_history() -> None:
    from tests.worker.test_worker_e2e import Greeter

    task, _ = _greeter_task("NTAw")
    post = Pager([RuntimeError("connection reset")])
    runner = WorkflowTaskRunner(
        post=post,
        completions=post.completions,
        worker_id="w1",
        task_queue="q",
        namespace=None,
        converter=DataConverter(),
        workflows={"greeter": workflow.get_definition(Greeter)},
        cache=WorkflowCache(1),
    )
    assert await runner.run(task) == "failed"
    path, body = post.calls[-1]
    assert path == "/worker/workflow-tasks/t/fail"
    assert body["failure"]["message"].startswith("cannot read the whole workflow history")
