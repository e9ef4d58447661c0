"""The dev server's engine: matching, leases, timers, retries and timeouts (no HTTP)."""

from durable_workflow.server._engine._core import EngineConfig as EngineConfig
from durable_workflow.server._engine._engine import Engine as Engine
from durable_workflow.server._engine._errors import EngineError as EngineError

__all__ = ["Engine", "EngineConfig", "EngineError"]
