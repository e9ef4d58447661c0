"""The client of a test environment: no default workflow timeouts, and results let time skip."""

from __future__ import annotations

from typing import Any, TypeVar

from durable_workflow.client import Client, WorkflowHandle, WorkflowStub
from durable_workflow.testing._clock import TimeSkipper

__all__ = ["EnvironmentClient"]

R = TypeVar("R")

#: The client's start defaults (3600 s / 600 s) would end any long sleep under time skipping.
_TIMEOUTS = ("execution_timeout_seconds", "run_timeout_seconds")


class _SkippingHandle(WorkflowHandle[R]):
    """A handle whose `result()` allows automatic time skipping while it waits."""

    def __init__(self, skipper: TimeSkipper, handle: WorkflowHandle[R]) -> None:
        super().__init__(
            handle._client,
            handle.workflow_id,
            run_id=handle.run_id,
            workflow_type=handle.workflow_type,
            result_type=handle.result_type,
        )
        self._skipper = skipper

    async def result(self, timeout: float | None = None) -> R:
        with self._skipper.unlocked():
            return await super().result(timeout)


class EnvironmentClient(Client):
    """A `Client` whose handles skip time while `result()` waits.

    Workflows it starts have no execution or run timeout unless one is given explicitly.
    """

    def __init__(self, skipper: TimeSkipper, base_url: str, **options: Any) -> None:
        super().__init__(base_url, **options)
        self._skipper = skipper

    def workflow(self, *args: Any, **kwargs: Any) -> WorkflowStub[Any, Any]:
        for key in _TIMEOUTS:
            kwargs.setdefault(key, None)
        return super().workflow(*args, **kwargs)

    async def start_workflow(self, *args: Any, **kwargs: Any) -> WorkflowHandle[Any]:
        for key in _TIMEOUTS:
            kwargs.setdefault(key, None)
        handle = await super().start_workflow(*args, **kwargs)
        return _SkippingHandle(self._skipper, handle)

    def get_workflow_handle(self, *args: Any, **kwargs: Any) -> WorkflowHandle[Any]:
        return _SkippingHandle(self._skipper, super().get_workflow_handle(*args, **kwargs))
