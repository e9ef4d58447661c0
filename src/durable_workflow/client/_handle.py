"""`WorkflowHandle[R]`: one workflow, addressed by id, with a typed result."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Concatenate, Generic, Literal, TypeVar, overload

from typing_extensions import ParamSpec

from durable_workflow import errors
from durable_workflow.client._messages import message
from durable_workflow.client._models import UpdateResult, WorkflowExecution
from durable_workflow.client._result import ResultWaiter

if TYPE_CHECKING:
    from durable_workflow.client._client import Client

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
_UPDATE_OPTIONS = ("wait_for", "wait_timeout_seconds", "request_id")


class WorkflowHandle(Generic[R]):
    """A workflow addressed by id; ``R`` is the type `result()` returns.

    Get one from `Client.start_workflow`, `Client.get_workflow_handle` or a typed stub's
    ``start``. Every method talks to the server; the handle itself holds no state beyond ids.
    """

    __module__ = "durable_workflow"

    def __init__(
        self,
        client: Client,
        workflow_id: str,
        *,
        run_id: str | None = None,
        workflow_type: str | None = None,
        result_type: Any = Any,
    ) -> None:
        self._client = client
        self.workflow_id = workflow_id
        #: the run this handle was created for (the first run, for a handle from a start)
        self.run_id = run_id
        self.workflow_type = workflow_type
        self.result_type = result_type

    def __repr__(self) -> str:
        return f"WorkflowHandle(workflow_id={self.workflow_id!r}, run_id={self.run_id!r})"

    async def describe(self) -> WorkflowExecution:
        """The current run of this workflow, as the server describes it."""
        return await self._client.describe_workflow(self.workflow_id)

    @overload
    async def signal(
        self, handler: Callable[Concatenate[Any, P], object], /, *args: P.args, **kwargs: P.kwargs
    ) -> None: ...
    @overload
    async def signal(self, name: str, /, args: Sequence[Any] | None = None) -> None: ...
    async def signal(self, target: Any, /, *args: Any, **kwargs: Any) -> None:
        """Send a signal: ``signal(MyWorkflow.approve, by)`` (typed) or ``signal("approve", [by])``."""
        msg = message("signal", target, args, kwargs)
        await self._client.signal_workflow(self.workflow_id, msg.name, msg.args)

    @overload
    async def query(
        self, handler: Callable[Concatenate[Any, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> T: ...
    @overload
    async def query(self, name: str, /, args: Sequence[Any] | None = None, *, result_type: type[T]) -> T: ...
    @overload
    async def query(
        self, name: str, /, args: Sequence[Any] | None = None, *, result_type: Any = ...
    ) -> Any: ...
    async def query(self, target: Any, /, *args: Any, **kwargs: Any) -> Any:
        """Ask a live worker to run a query handler and return its answer.

        ``query(MyWorkflow.status)`` is typed by the handler; ``query("status", [args],
        result_type=X)`` addresses it by name.
        """
        msg = message("query", target, args, kwargs)
        return await self._client.query_workflow(
            self.workflow_id, msg.name, msg.args, result_type=msg.result_type
        )

    @overload
    async def update(
        self, handler: Callable[Concatenate[Any, P], T], /, *args: P.args, **kwargs: P.kwargs
    ) -> UpdateResult[T]: ...
    @overload
    async def update(
        self,
        name: str,
        /,
        args: Sequence[Any] | None = None,
        *,
        wait_for: Literal["accepted", "completed"] = "completed",
        wait_timeout_seconds: int | None = None,
        request_id: str | None = None,
        result_type: type[T],
    ) -> UpdateResult[T]: ...
    @overload
    async def update(
        self,
        name: str,
        /,
        args: Sequence[Any] | None = None,
        *,
        wait_for: Literal["accepted", "completed"] = "completed",
        wait_timeout_seconds: int | None = None,
        request_id: str | None = None,
        result_type: Any = ...,
    ) -> UpdateResult[Any]: ...
    async def update(self, target: Any, /, *args: Any, **kwargs: Any) -> UpdateResult[Any]:
        """Send an update and wait until it is accepted or completed (see `Client.update_workflow`).

        ``update(MyWorkflow.add_coupon, code)`` is typed by the handler and waits for completion;
        the string form ``update("add_coupon", [code], wait_for=...)`` takes the options.
        """
        options = {
            key: kwargs.pop(key) for key in _UPDATE_OPTIONS if key in kwargs and isinstance(target, str)
        }
        msg = message("update", target, args, kwargs)
        return await self._client.update_workflow(
            self.workflow_id, msg.name, msg.args, result_type=msg.result_type, **options
        )

    async def cancel(self, reason: str | None = None) -> None:
        """Cancel the workflow's current run."""
        await self._client.cancel_workflow(self.workflow_id, reason=reason)

    async def terminate(self, reason: str | None = None) -> None:
        """Terminate the workflow's current run at once."""
        await self._client.terminate_workflow(self.workflow_id, reason=reason)

    async def history(self, run_id: str | None = None) -> list[dict[str, Any]]:
        """Every history event of a run (this handle's run, or the current one), all pages."""
        target = run_id or self.run_id or (await self.describe()).run_id
        if target is None:
            raise errors.WorkflowNotFound(f"workflow {self.workflow_id!r} has no run", status_code=404)
        return await self._client.get_history(self.workflow_id, target)

    async def result(self, timeout: float | None = None) -> R:
        """Wait for the workflow to close and return its result, rebuilt into ``R``.

        Starts at the handle's run (the current run when the handle has no ``run_id``) and
        follows continue-as-new to the last run of the chain.

        Raises:
            WorkflowFailed, WorkflowCancelled, WorkflowTerminated, WorkflowTimedOut: the workflow
                closed without a result.
            WorkflowResultTimeout: ``timeout`` seconds passed first.
        """
        waiter = ResultWaiter(self._client, self.workflow_id, self.result_type, timeout, self.run_id)
        value: R = await waiter.wait()
        return value
