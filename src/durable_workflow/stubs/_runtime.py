"""What generated stub modules import at run time: the stub marker and the typed handle base."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from durable_workflow.payloads import trim_defaults

# `_DEFN_ATTR` is where `workflow.get_definition` looks: a stub stores a definition there so that
# `Client.workflow(Stub, ...)` finds the type name exactly as it does for the real class.
from durable_workflow.workflow._definition import _DEFN_ATTR, WorkflowDefinition

if TYPE_CHECKING:
    from durable_workflow.client import WorkflowHandle

__all__ = ["STUB_ATTR", "WorkflowStubHandle", "is_stub", "workflow_stub"]

C = TypeVar("C", bound=type)
R = TypeVar("R")

#: Set on every class marked by `workflow_stub`, so a worker can refuse to run one.
STUB_ATTR = "__durable_workflow_stub__"


def workflow_stub(name: str) -> Callable[[C], C]:
    """Mark a client-side stand-in of a workflow class with the workflow's type name.

    The class only describes ``run``'s signature for the type checker; its code runs nowhere.
    """
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"workflow stub name must be a non-blank string, got {name!r}")

    def wrap(cls: C) -> C:
        run = getattr(cls, "run", None)
        if not callable(run):
            raise TypeError(f"workflow stub {cls.__qualname__} needs a `run` method")
        setattr(cls, _DEFN_ATTR, WorkflowDefinition(name=name, cls=cls, run=run))
        setattr(cls, STUB_ATTR, True)
        return cls

    return wrap


def is_stub(cls: type) -> bool:
    """Whether ``cls`` is a generated client stub rather than a workflow implementation."""
    return isinstance(cls, type) and cls.__dict__.get(STUB_ATTR) is True


class WorkflowStubHandle(Generic[R]):
    """Base of the generated ``<Workflow>Handle`` classes: typed signals, queries and updates.

    Wraps a `WorkflowHandle` from a stub's ``start`` or from `Client.get_workflow_handle`.
    A generated class sets ``result_type``; a wrapped handle without one gets it, so `result`
    returns what ``R`` says.
    """

    #: the workflow's result type at run time (set by each generated class)
    result_type: Any = Any

    def __init__(self, handle: WorkflowHandle[Any]) -> None:
        if handle.result_type is Any and self.result_type is not Any:
            handle = type(handle)(
                handle._client,
                handle.workflow_id,
                run_id=handle.run_id,
                workflow_type=handle.workflow_type,
                result_type=self.result_type,
            )
        self.handle: WorkflowHandle[R] = handle

    def __repr__(self) -> str:
        return f"{type(self).__name__}(workflow_id={self.handle.workflow_id!r})"

    @property
    def workflow_id(self) -> str:
        """The id of the workflow this handle addresses."""
        return self.handle.workflow_id

    async def result(self, timeout: float | None = None) -> R:
        """Wait for the workflow to close and return its typed result."""
        return await self.handle.result(timeout=timeout)

    async def _signal(self, name: str, args: Sequence[Any]) -> None:
        await self.handle.signal(name, trim_defaults(args, where=f"signal {name!r}"))

    async def _query(self, name: str, args: Sequence[Any], result_type: Any) -> Any:
        values = trim_defaults(args, where=f"query {name!r}")
        return await self.handle.query(name, values, result_type=result_type)

    async def _update(self, name: str, args: Sequence[Any], result_type: Any) -> Any:
        values = trim_defaults(args, where=f"update {name!r}")
        answer = await self.handle.update(name, values, result_type=result_type)
        return answer.result
