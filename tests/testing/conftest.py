"""The testing plugin's fixtures, for this suite (installed, the ``pytest11`` entry point provides them)."""

from __future__ import annotations

from durable_workflow.testing._pytest_plugin import dev_server_client, workflow_env

__all__ = ["dev_server_client", "workflow_env"]
