"""``durable-workflow schedule|task-queue|worker|namespace ...``, ``--help`` and ``--version``."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version

import click
import pytest

from durable_workflow.cli import main
from durable_workflow.cli._app import cli
from tests._live import TASK_QUEUE
from tests.cli.conftest import Run


def test_schedule_lifecycle(run: Run) -> None:
    created = run(
        "schedule",
        "create",
        "cli-nightly",
        "--workflow-type",
        "greeter",
        "-t",
        TASK_QUEUE,
        "--cron",
        "0 2 * * *",
        "-i",
        '"night"',
        "--note",
        "first",
        "-o",
        "json",
    ).json()
    assert created == {"schedule_id": "cli-nightly", "outcome": "created"}
    again = run("schedule", "create", "cli-nightly", "--workflow-type", "greeter", "--cron", "0 2 * * *")
    assert again.exit_code == 1 and "ScheduleAlreadyExists" in again.stderr
    assert run("schedule", "create", "no-spec", "--workflow-type", "greeter").exit_code == 2

    described = run("schedule", "describe", "cli-nightly", "-o", "json").json()
    assert described["cron_expressions"] == ["0 2 * * *"] and described["input"] == ["night"]
    assert described["paused"] is False and described["workflow_type"] == "greeter"
    listed = run("schedule", "list", "-o", "json").json()
    assert "cli-nightly" in [s["schedule_id"] for s in listed["schedules"]]

    run("schedule", "update", "cli-nightly", "--every", "PT1H", "--note", "hourly", "-o", "json").json()
    updated = run("schedule", "describe", "cli-nightly", "-o", "json").json()
    assert updated["note"] == "hourly" and updated["intervals"] == [{"every": "PT1H", "offset": None}]

    assert run("schedule", "pause", "cli-nightly", "-o", "json").json()["outcome"] == "paused"
    assert run("schedule", "describe", "cli-nightly", "-o", "json").json()["paused"] is True
    assert run("schedule", "resume", "cli-nightly", "-o", "json").json()["outcome"] == "resumed"

    fired = run("schedule", "trigger", "cli-nightly", "-o", "json").json()
    assert fired["schedule_id"] == "cli-nightly" and fired["workflow_id"]
    assert run("workflow", "result", fired["workflow_id"], "-o", "json").json()["result"]["greeting"] == (
        "Hello, night!"
    )
    backfilled = run(
        "schedule",
        "backfill",
        "cli-nightly",
        "--start",
        "2026-01-01T00:00:00Z",
        "--end",
        "2026-01-01T03:00:00Z",
        "--overlap-policy",
        "allow_all",
        "-o",
        "json",
    ).json()
    assert backfilled["fires_attempted"] == 3 and len(backfilled["results"]) == 3
    assert "cli-nightly" in run("schedule", "list").stdout

    assert run("schedule", "delete", "cli-nightly").exit_code == 1  # asks first; no answer = abort
    assert run("schedule", "delete", "cli-nightly", input="y\n").exit_code == 0
    assert run("schedule", "describe", "cli-nightly").exit_code == 3
    assert run("schedule", "pause", "no-such-schedule").exit_code == 3


def test_task_queues_workers_namespaces(run: Run) -> None:
    run("workflow", "start", "greeter", "--id", "cli-tq", "-t", TASK_QUEUE, "-i", '"q"')
    run("workflow", "result", "cli-tq")
    queues = run("task-queue", "list", "-o", "json").json()["task_queues"]
    assert TASK_QUEUE in [q["name"] for q in queues]
    queue = run("task-queue", "describe", TASK_QUEUE, "-o", "json").json()
    assert queue["stats"]["pollers"] >= 1
    assert TASK_QUEUE in run("task-queue", "list").stdout

    workers = run("worker", "list", "-t", TASK_QUEUE, "-o", "json").json()["workers"]
    assert workers and "greeter" in workers[0]["supported_workflow_types"]
    worker_id = workers[0]["worker_id"]
    assert run("worker", "describe", worker_id, "-o", "json").json()["worker_id"] == worker_id
    assert worker_id in run("worker", "list").stdout
    assert run("worker", "describe", "no-such-worker").exit_code == 3

    created = run("namespace", "create", "cli-team", "--description", "a team", "-o", "json").json()
    assert created == {"name": "cli-team", "description": "a team", "retention_days": 30, "status": "active"}
    assert run("namespace", "describe", "cli-team", "-o", "json").json()["name"] == "cli-team"
    names = [n["name"] for n in run("namespace", "list", "-o", "json").json()["namespaces"]]
    assert {"default", "cli-team"} <= set(names)
    assert run("namespace", "describe", "nope").exit_code == 3
    in_team = run("workflow", "list", "-n", "cli-team", "-o", "json").json()
    assert in_team["workflows"] == []


def _commands(group: click.Group, prefix: list[str]) -> list[list[str]]:
    found: list[list[str]] = []
    for name, command in group.commands.items():
        found.append([*prefix, name])
        if isinstance(command, click.Group):
            found.extend(_commands(command, [*prefix, name]))
    return found


@pytest.mark.parametrize("path", _commands(cli, []), ids=" ".join)
def test_every_command_has_help_that_shows_defaults(path: list[str], run: Run) -> None:
    helped = run(*path, "--help")
    assert helped.exit_code == 0, helped.stderr
    assert "usage:" in helped.stdout.lower()
    command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]  # type: ignore[assignment]
    has_defaults = any(
        isinstance(p, click.Option) and p.default not in (None, False, ()) and p.show_default is not False
        for p in command.params
    )
    if has_defaults:
        assert "[default:" in helped.stdout or "default:" in helped.stdout


def test_version_and_module_entry_point() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "durable_workflow.cli", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (
        done.returncode == 0
        and done.stdout.strip() == f"durable-workflow, version {version('durable-workflow')}"
    )


def test_without_the_cli_extra_the_command_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "durable_workflow.cli._app", None)  # import fails like a missing click
    assert main(["workflow", "list"]) == 2
    assert "pip install 'durable-workflow[cli]'" in capsys.readouterr().err
