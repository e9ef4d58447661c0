"""Typed client stubs and JSON Schema contracts generated from workflow modules.

``durable-workflow stubs generate app.workflows --out stubs/`` writes ``stubs/app_workflows.py``,
which a client application imports to start, signal, query and update the workflows with full
typing and without importing the worker code, and ``stubs/app_workflows.schema.json``, the JSON
Schema of every payload for teams writing other languages. Generated modules import
`workflow_stub` and `WorkflowStubHandle` from here at run time.
"""

from __future__ import annotations

from durable_workflow.payloads import DEFAULT
from durable_workflow.stubs._generate import generate, main, stale_files
from durable_workflow.stubs._inspect import StubError
from durable_workflow.stubs._runtime import WorkflowStubHandle, is_stub, workflow_stub

__all__ = [
    "DEFAULT",
    "StubError",
    "WorkflowStubHandle",
    "generate",
    "is_stub",
    "main",
    "stale_files",
    "workflow_stub",
]
