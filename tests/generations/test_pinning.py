"""Pinning the dev server to the seed generation: the command-line flag and the constructor."""

from __future__ import annotations

from typing import Any

import pytest

from durable_workflow.cli import main
from durable_workflow.cli._server import start_dev
from durable_workflow.server import DevServer
from durable_workflow.testing import WorkflowEnvironment
from tests.generations.scenarios import Greeter


def test_the_flag_defaults_to_current_and_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    def generation(*args: str) -> Any:
        return start_dev.make_context("start-dev", list(args)).params["wire_generation"]

    assert generation() == "current"
    assert generation("--wire-generation", "seed") == "seed"
    monkeypatch.setenv("DW_WIRE_GENERATION", "seed")
    assert generation() == "seed"


def test_an_unknown_generation_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["server", "start-dev", "--wire-generation", "2026"]) == 2  # usage error
    assert "--wire-generation" in capsys.readouterr().err
    with pytest.raises(ValueError, match="wire_generation"):
        DevServer(serve_http=False, wire_generation="2026")  # type: ignore[arg-type]


@pytest.mark.parametrize(("generation", "kept"), [("current", False), ("seed", True)])
async def test_a_stopping_worker_says_goodbye_to_a_current_server(generation: str, kept: bool) -> None:
    options = {"wire_generation": generation}
    async with WorkflowEnvironment(server_options=options) as env:
        async with env.worker(task_queue="q", workflows=[Greeter]) as worker:
            assert worker.worker_id in _ids(await env.client.list_workers())
        assert (worker.worker_id in _ids(await env.client.list_workers())) is kept


def _ids(rows: list[dict[str, Any]]) -> list[str]:
    return [str(r.get("worker_id")) for r in rows]
