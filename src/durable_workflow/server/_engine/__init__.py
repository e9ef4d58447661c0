"""The dev server's engine: matching, leases, timers, retries and timeouts (no HTTP)."""

from durable_workflow.server._engine._core import EngineConfig as EngineConfig
from durable_workflow.server._engine._engine import Engine as Engine
from durable_workflow.server._engine._errors import EngineError as EngineError
from durable_workflow.server._engine._model import Namespace as Namespace
from durable_workflow.server._engine._ops import EngineOps as EngineOps
from durable_workflow.server._engine._workers import (
    ATTRIBUTE_TYPES as ATTRIBUTE_TYPES,
    SYSTEM_ATTRIBUTES as SYSTEM_ATTRIBUTES,
)

__all__ = [
    "ATTRIBUTE_TYPES",
    "SYSTEM_ATTRIBUTES",
    "Engine",
    "EngineConfig",
    "EngineError",
    "EngineOps",
    "Namespace",
]
