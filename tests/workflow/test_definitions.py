"""Decorators validate eagerly; commands and retry policies have the exact wire shapes."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, cast

import pytest

from durable_workflow import ActivityRetryPolicy, ChildWorkflowRetryPolicy, activity, workflow
from durable_workflow._retry_policy import retry_policy_to_wire
from durable_workflow.workflow import (
    ActivityCommand,
    ChildWorkflowCommand,
    ContinueAsNew,
    TimerCommand,
    WorkflowContext,
    WorkflowInfo,
)


@workflow.defn(name="handlers")
class Handlers:
    @workflow.signal("sig")
    def on_signal(self, value: int) -> None: ...

    @workflow.signal
    def bare(self) -> None: ...

    @workflow.query("q")
    def on_query(self) -> int:
        return 1

    def _validate(self, n: int) -> bool:
        return n > 0

    @workflow.update("u", validator=_validate)
    def on_update(self, n: int) -> int:
        return n

    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, None]:
        yield ctx.sleep(1)


def test_definition_collects_handlers() -> None:
    definition = workflow.get_definition(Handlers)
    assert definition.name == "handlers" and definition.cls is Handlers
    assert set(definition.signals) == {"sig", "bare"}
    assert definition.queries["q"].method_name == "on_query"
    assert definition.updates["u"].validator is Handlers._validate
    assert workflow.defn(Handlers) is Handlers  # decorators return the same class


def test_subclass_inherits_handlers() -> None:
    @workflow.defn(name="derived")
    class Derived(Handlers):
        pass

    assert set(workflow.get_definition(Derived).signals) == {"sig", "bare"}


@pytest.mark.parametrize(
    ("body", "error", "message"),
    [
        ("def run(self, ctx):\n    return 1", TypeError, "must be a generator"),
        ("async def run(self, ctx):\n    return 1", TypeError, "async function"),
        ("x = 1", TypeError, "needs a method"),
        ("def run(self):\n    yield 1", TypeError, r"\(self, ctx"),
    ],
)
def test_defn_rejects_bad_run_methods(body: str, error: type[Exception], message: str) -> None:
    namespace: dict[str, Any] = {}
    exec("class W:\n    " + body.replace("\n", "\n    "), namespace)
    with pytest.raises(error, match=message):
        workflow.defn(name="w")(namespace["W"])


def test_defn_rejects_bad_names_and_targets() -> None:
    with pytest.raises(ValueError, match="blank"):
        workflow.defn(name=" ")(Handlers)
    with pytest.raises(TypeError, match="string"):
        workflow.defn(name=3)(Handlers)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="decorates a class"):
        workflow.defn(name="f")(cast(Any, lambda: None))
    with pytest.raises(TypeError, match="not a workflow class"):
        workflow.get_definition(int)


def test_handler_decorators_validate() -> None:
    with pytest.raises(TypeError, match="must not be async"):

        @workflow.signal("s")
        async def a(self: Any) -> None: ...

    with pytest.raises(TypeError, match="must not yield"):

        @workflow.query("q")
        def b(self: Any) -> Generator[int, None, None]:
            yield 1

    with pytest.raises(TypeError, match="must be callable"):
        workflow.update("u", validator=3)(lambda self: None)  # type: ignore[call-overload]

    with pytest.raises(ValueError, match="declared twice"):

        @workflow.defn(name="dup")
        class Dup:
            @workflow.signal("same")
            def one(self) -> None: ...

            @workflow.signal("same")
            def two(self) -> None: ...

            def run(self, ctx: WorkflowContext) -> Generator[Any, Any, None]:
                yield ctx.sleep(1)


def test_activity_defn_validates() -> None:
    @activity.defn
    async def plain() -> None: ...

    assert activity.get_definition(plain).name == "plain" and activity.get_definition(plain).is_async
    with pytest.raises(TypeError, match="generator"):

        @activity.defn(name="gen")
        def gen() -> Generator[int, None, None]:
            yield 1

    with pytest.raises(ValueError, match="blank"):
        activity.defn(name="")(plain)
    with pytest.raises(TypeError, match="not an activity"):
        activity.get_definition(len)


def test_retry_policy_wire_form() -> None:
    assert ActivityRetryPolicy().to_wire() == {
        "max_attempts": 3,
        "backoff_seconds": [1, 2],
        "non_retryable_error_types": [],
    }
    policy = ActivityRetryPolicy(
        max_attempts=5,
        initial_interval_seconds=1.5,
        backoff_coefficient=3,
        maximum_interval_seconds=10,
        non_retryable_error_types=["ValidationError", " "],
    )
    assert policy.to_wire() == {
        "max_attempts": 5,
        "backoff_seconds": [2, 5, 10, 10],
        "non_retryable_error_types": ["ValidationError"],
    }
    explicit = ChildWorkflowRetryPolicy(max_attempts=2, backoff_seconds=[3.7])
    assert explicit.to_wire()["backoff_seconds"] == [3]
    assert retry_policy_to_wire({"max_attempts": 2, "backoff_seconds": [3]}) == {
        "max_attempts": 2,
        "backoff_seconds": [3],
    }
    with pytest.raises(ValueError, match="max_attempts"):
        ActivityRetryPolicy(max_attempts=0)
    with pytest.raises(TypeError, match="list of strings"):
        ActivityRetryPolicy(non_retryable_error_types="ValueError")


class _Enc:
    task_queue = "default-q"

    def envelope(self, value: Any) -> dict[str, str]:
        return {"codec": "avro", "blob": repr(value)}

    def encode_blob(self, value: Any) -> str:
        return repr(value)


def test_command_wire_shapes_keep_key_order() -> None:
    cmd: ActivityCommand[Any] = ActivityCommand(
        "greet",
        ["Ada"],
        retry_policy=ActivityRetryPolicy(
            max_attempts=4,
            initial_interval_seconds=2,
            backoff_coefficient=1.5,
            non_retryable_error_types=["ValueError"],
        ),
        start_to_close_timeout=30,
        schedule_to_start_timeout=10,
        schedule_to_close_timeout=120,
        heartbeat_timeout=5,
    )
    wire = cmd.to_wire(_Enc())
    assert list(wire) == [
        "type",
        "activity_type",
        "queue",
        "retry_policy",
        "start_to_close_timeout",
        "schedule_to_start_timeout",
        "schedule_to_close_timeout",
        "heartbeat_timeout",
        "arguments",
    ]
    assert wire["queue"] == "default-q" and wire["retry_policy"]["backoff_seconds"] == [2, 3, 5]
    child = ChildWorkflowCommand(
        "child",
        [],
        task_queue="q2",
        parent_close_policy="request_cancel",
        retry_policy=ChildWorkflowRetryPolicy(max_attempts=2),
        execution_timeout_seconds=600,
        run_timeout_seconds=300,
    ).to_wire(_Enc())
    assert list(child) == [
        "type",
        "workflow_type",
        "queue",
        "parent_close_policy",
        "retry_policy",
        "execution_timeout_seconds",
        "run_timeout_seconds",
        "arguments",
    ]
    assert TimerCommand(2.1).to_wire(_Enc()) == {"type": "start_timer", "delay_seconds": 3}
    assert ContinueAsNew(arguments=[1], workflow_type="other", task_queue="q3").to_wire(_Enc()) == {
        "type": "continue_as_new",
        "queue": "q3",
        "workflow_type": "other",
        "arguments": {"codec": "avro", "blob": "[1]"},
    }


def test_commands_reject_bad_options() -> None:
    with pytest.raises(TypeError, match="must be a list"):
        ActivityCommand("a", "not-a-list")
    with pytest.raises(ValueError, match="parent_close_policy"):
        ChildWorkflowCommand("c", [], parent_close_policy="explode")
    with pytest.raises(ValueError, match=">= 0"):
        TimerCommand(-1)
    with pytest.raises(TypeError, match="must be a list"):
        ContinueAsNew(arguments="x")
    ctx = WorkflowContext(WorkflowInfo("w", "r", "t", "q"))
    with pytest.raises(ValueError, match="min_supported"):
        ctx.get_version("c", 3, 1)
    with pytest.raises(ValueError, match="non-empty"):
        ctx.upsert_search_attributes({})
    with pytest.raises(TypeError, match="not an activity"):
        ctx.activity(len)
    with pytest.raises(TypeError, match="keyword"):

        @activity.defn(name="kw")
        async def kw(*, flag: bool) -> None: ...

        ctx.activity(kw)(flag=True)
