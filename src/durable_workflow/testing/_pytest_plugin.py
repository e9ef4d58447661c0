"""pytest plugin (``pytest11`` entry point): the ``workflow_env`` and ``dev_server_client`` fixtures.

pytest loads this plugin in every run of an environment where the SDK is installed, so it
imports nothing optional: the dev server (the ``server`` extra) is imported only when a test
uses one of the fixtures, and a missing extra fails that test with the install command.
Async fixtures need pytest-asyncio; without it the fixtures fail with a clear message.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from durable_workflow.client import Client
    from durable_workflow.testing._environment import WorkflowEnvironment

__all__ = ["dev_server_client", "workflow_env"]

_asyncio_plugin: Any
try:
    import pytest_asyncio as _asyncio_plugin
except ImportError:  # pragma: no cover - exercised only without pytest-asyncio
    _asyncio_plugin = None


def _server_extra(fixture: str) -> None:
    from durable_workflow.testing import _require_server_extra

    try:
        _require_server_extra(f"the {fixture} fixture")
    except ImportError as exc:
        pytest.fail(str(exc), pytrace=False)


async def _workflow_env() -> AsyncIterator[WorkflowEnvironment]:
    _server_extra("workflow_env")
    from durable_workflow.testing._environment import WorkflowEnvironment

    async with WorkflowEnvironment.start_time_skipping() as env:
        yield env


async def _client() -> AsyncIterator[Client]:
    _server_extra("dev_server_client")
    from durable_workflow.testing._devclient import dev_server_client as _dev_server_client

    async with _dev_server_client(in_process=True) as client:
        yield client


def _missing(name: str) -> Any:
    def fixture() -> None:
        pytest.fail(f"the {name} fixture needs pytest-asyncio (pip install pytest-asyncio)")

    fixture.__name__ = name
    return pytest.fixture(name=name)(fixture)


if _asyncio_plugin is not None:
    workflow_env = _asyncio_plugin.fixture(name="workflow_env")(_workflow_env)
    """A started time-skipping `WorkflowEnvironment`, shut down after the test."""
    dev_server_client = _asyncio_plugin.fixture(name="dev_server_client")(_client)
    """A `Client` connected in-process to a fresh embedded dev server."""
else:  # pragma: no cover
    workflow_env = _missing("workflow_env")
    dev_server_client = _missing("dev_server_client")
