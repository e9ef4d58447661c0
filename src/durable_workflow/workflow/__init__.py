"""Workflows: deterministic generator code that yields commands and is replayed from history.

```python
from durable_workflow import workflow

@workflow.defn(name="greeter")
class Greeter:
    def run(self, ctx, name):
        greeting = yield ctx.schedule_activity("greet", [name])
        return greeting
```
"""

from durable_workflow.workflow._cache import WorkflowCache
from durable_workflow.workflow._commands import (
    ActivityCommand,
    ChildWorkflowCommand,
    Command,
    ContinueAsNew,
    GatherCommand,
    SideEffectCommand,
    TimerCommand,
    UpsertMemoCommand,
    UpsertSearchAttributesCommand,
    VersionCommand,
    WaitConditionCommand,
)
from durable_workflow.workflow._context import (
    ActivityStub,
    ChildWorkflowStub,
    WorkflowContext,
    WorkflowInfo,
)
from durable_workflow.workflow._definition import (
    HandlerDefinition,
    WorkflowDefinition,
    defn,
    get_definition,
    query,
    signal,
    update,
)
from durable_workflow.workflow._engine import WorkflowInstance
from durable_workflow.workflow._replay import (
    UnknownHandler,
    handle_query,
    handle_update,
    replay_commands,
    run_workflow_task,
)

__all__ = [
    "ActivityCommand",
    "ActivityStub",
    "ChildWorkflowCommand",
    "ChildWorkflowStub",
    "Command",
    "ContinueAsNew",
    "GatherCommand",
    "HandlerDefinition",
    "SideEffectCommand",
    "TimerCommand",
    "UnknownHandler",
    "UpsertMemoCommand",
    "UpsertSearchAttributesCommand",
    "VersionCommand",
    "WaitConditionCommand",
    "WorkflowCache",
    "WorkflowContext",
    "WorkflowDefinition",
    "WorkflowInfo",
    "WorkflowInstance",
    "defn",
    "get_definition",
    "handle_query",
    "handle_update",
    "query",
    "replay_commands",
    "run_workflow_task",
    "signal",
    "update",
]
