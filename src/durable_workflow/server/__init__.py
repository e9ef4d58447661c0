"""The embedded dev server: a pure-Python, SQLite-backed server speaking Durable Workflow's HTTP API.

```python
from durable_workflow.server import DevServer

async with DevServer() as server:
    print(server.base_url)  # pass this to durable_workflow.Client
```
"""

from durable_workflow.server._clock import Clock as Clock, FakeClock as FakeClock, SystemClock as SystemClock
from durable_workflow.server._devserver import (
    BackgroundLoop as BackgroundLoop,
    DevServer as DevServer,
    dev_server as dev_server,
)
from durable_workflow.server._storage import DatabaseInUse as DatabaseInUse

__all__ = ["BackgroundLoop", "Clock", "DatabaseInUse", "DevServer", "FakeClock", "SystemClock", "dev_server"]
