"""Activities: plain (async or sync) functions that do the I/O workflows may not do.

```python
from durable_workflow import activity

@activity.defn(name="greet")
async def greet(name: str) -> str:
    return f"Hello, {name}!"
```
"""

from durable_workflow.activity._context import (
    ActivityContext,
    ActivityInfo,
    context,
)
from durable_workflow.activity._definition import (
    ActivityDefinition,
    defn,
    get_definition,
)

__all__ = ["ActivityContext", "ActivityDefinition", "ActivityInfo", "context", "defn", "get_definition"]
