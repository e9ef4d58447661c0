"""Fixtures of the browser tests: one dev server with a worker and one Chromium per module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from durable_workflow.sync import Client
from tests._live import LiveServer, live_server
from tests.ui._browser import chromium, missing

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext


@pytest.fixture(scope="module")
def browser() -> Iterator[BrowserContext]:
    """Chromium, or a skip that says how to get it; in CI (CI=true) a missing browser fails."""
    reason = missing()
    if reason is not None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI must run the browser tests, but {reason}")
        pytest.skip(reason)
    with chromium() as context:
        yield context


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with live_server() as running:
        yield running


@pytest.fixture
def client(server: LiveServer) -> Iterator[Client]:
    with Client(server.url, server.token) as c:
        yield c
