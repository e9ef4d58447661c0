"""Testing tools: an in-process environment with time skipping, activity mocks, and replay.

```python
from durable_workflow.testing import WorkflowEnvironment

async with WorkflowEnvironment.start_time_skipping() as env:
    async with env.worker(task_queue="q", workflows=[Reminder]):
        await env.client.workflow(Reminder, workflow_id="r1", task_queue="q").execute()
```

``replay`` checks recorded histories against the current code (see also
``durable-workflow replay PATH... --workflows MODULE``).

`WorkflowEnvironment` and `dev_server_client` run the embedded dev server, so they need the
``server`` extra (``pip install 'durable-workflow[server]'``); they are imported on first use,
so the rest of this package (replay, mocks, the pytest plugin) works without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from durable_workflow.testing._mocks import ActivityMock as ActivityMock, mock_activity as mock_activity
from durable_workflow.testing._replay import (
    ReplayHistory as ReplayHistory,
    load_histories as load_histories,
    load_history as load_history,
    parse_histories as parse_histories,
    parse_history as parse_history,
    replay as replay,
)

if TYPE_CHECKING:
    from durable_workflow.testing._devclient import dev_server_client as dev_server_client
    from durable_workflow.testing._environment import WorkflowEnvironment as WorkflowEnvironment

__all__ = [
    "ActivityMock",
    "ReplayHistory",
    "WorkflowEnvironment",
    "dev_server_client",
    "load_histories",
    "load_history",
    "mock_activity",
    "parse_histories",
    "parse_history",
    "replay",
]

_NEEDS_SERVER = {
    "WorkflowEnvironment": "durable_workflow.testing._environment",
    "dev_server_client": "durable_workflow.testing._devclient",
}


def _require_server_extra(what: str) -> None:
    """Raise a clear `ImportError` when the ``server`` extra is not installed."""
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            f"{what} runs the embedded dev server, which needs the 'server' extra: "
            "pip install 'durable-workflow[server]'"
        ) from exc


def __getattr__(name: str) -> Any:
    module = _NEEDS_SERVER.get(name)
    if module is None:
        raise AttributeError(f"module 'durable_workflow.testing' has no attribute {name!r}")
    _require_server_extra(f"durable_workflow.testing.{name}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
