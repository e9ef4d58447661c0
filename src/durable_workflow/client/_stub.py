"""Typed workflow stubs: `client.workflow(GreeterWorkflow, ...)`."""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from typing_extensions import ParamSpec

from durable_workflow.payloads import bind_arguments, result_type

if TYPE_CHECKING:
    from durable_workflow.client._client import Client
    from durable_workflow.client._handle import WorkflowHandle
    from durable_workflow.workflow import WorkflowContext

P = ParamSpec("P")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)


class HasRun(Protocol[P, R_co]):
    """What a ``@workflow.defn`` class looks like to the type checker: a generator ``run``."""

    def run(
        self, ctx: WorkflowContext, /, *args: P.args, **kwargs: P.kwargs
    ) -> Generator[Any, Any, R_co]: ...


def workflow_type_name(cls: type[Any]) -> str:
    """The type key of a ``@workflow.defn`` class."""
    from durable_workflow.workflow._definition import get_definition

    return get_definition(cls).name


def positional_arguments(
    run: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any], *, where: str = "workflow"
) -> list[Any]:
    """Bind call arguments to ``run``'s parameters (after self and ctx) as the wire's positional list."""
    return bind_arguments(run, args, kwargs, skip=2, where=where)


class WorkflowStub(Generic[P, R]):
    """Starts one workflow class with arguments checked against its ``run`` signature."""

    __module__ = "durable_workflow"

    def __init__(
        self,
        client: Client,
        workflow: type[HasRun[P, R]],
        *,
        workflow_id: str,
        task_queue: str,
        options: Mapping[str, Any],
    ) -> None:
        self._client = client
        self._cls = workflow
        self.workflow_type = workflow_type_name(workflow)
        self.workflow_id = workflow_id
        self.task_queue = task_queue
        # None is meaningful here (e.g. run_timeout_seconds=None: no run timeout), so keep it.
        self._options = dict(options)
        self._result_type = result_type(workflow.run)

    async def start(self, *args: P.args, **kwargs: P.kwargs) -> WorkflowHandle[R]:
        """Start the workflow; returns a handle whose `result()` is typed ``R``."""
        handle: WorkflowHandle[R] = await self._client.start_workflow(
            self.workflow_type,
            self.task_queue,
            self.workflow_id,
            positional_arguments(self._cls.run, args, kwargs, where=f"workflow {self.workflow_type!r}"),
            result_type=self._result_type,
            **self._options,
        )
        return handle

    async def execute(self, *args: P.args, **kwargs: P.kwargs) -> R:
        """Start the workflow and wait for its result (needs a worker running elsewhere)."""
        handle = await self.start(*args, **kwargs)
        return await handle.result()
