"""Testing tools: an in-process environment with time skipping, activity mocks, and replay.

```python
from durable_workflow.testing import WorkflowEnvironment

async with WorkflowEnvironment.start_time_skipping() as env:
    async with env.worker(task_queue="q", workflows=[Reminder]):
        await env.client.workflow(Reminder, workflow_id="r1", task_queue="q").execute()
```

``replay`` checks recorded histories against the current code (see also
``durable-workflow replay PATH... --workflows MODULE``).
"""

from durable_workflow.testing._devclient import dev_server_client as dev_server_client
from durable_workflow.testing._environment import WorkflowEnvironment as WorkflowEnvironment
from durable_workflow.testing._mocks import ActivityMock as ActivityMock, mock_activity as mock_activity
from durable_workflow.testing._replay import (
    ReplayHistory as ReplayHistory,
    load_histories as load_histories,
    load_history as load_history,
    parse_histories as parse_histories,
    parse_history as parse_history,
    replay as replay,
)

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
