"""Fixtures of the command-line tests: a live dev server with a worker, and a way to run commands."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from click.testing import CliRunner

from durable_workflow.cli._app import cli
from tests._live import LiveServer, live_server


@dataclass
class Ran:
    exit_code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        assert self.exit_code == 0, self.stderr
        return json.loads(self.stdout)


Run = Callable[..., Ran]


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with live_server() as running:
        yield running


@pytest.fixture
def run(server: LiveServer) -> Run:
    """``run("workflow", "list", "-o", "json")`` against the live server (via the environment)."""

    def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Ran:
        environment = {"DURABLE_WORKFLOW_SERVER_URL": server.url, "COLUMNS": "200", **(env or {})}
        result = CliRunner().invoke(cli, list(args), env=environment, input=input, catch_exceptions=False)
        return Ran(result.exit_code, result.stdout, result.stderr)

    return invoke
