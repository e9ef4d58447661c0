"""``durable-workflow workflow ...`` against a live dev server: JSON answers and exit codes."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from durable_workflow.sync import Client
from tests._live import TASK_QUEUE, LiveServer, live_server
from tests.cli.conftest import Run


def start(run: Run, workflow_type: str, workflow_id: str, *inputs: str) -> dict[str, str]:
    args = [a for value in inputs for a in ("--input", value)]
    started: dict[str, str] = run(
        "workflow", "start", workflow_type, "--id", workflow_id, "-t", TASK_QUEUE, *args, "-o", "json"
    ).json()
    return started


def test_start_result_list_describe_history(run: Run) -> None:
    started = start(run, "greeter", "cli-greet", '"CLI"')
    assert started["workflow_id"] == "cli-greet" and started["workflow_type"] == "greeter"
    assert started["run_id"]

    assert run("workflow", "result", "cli-greet", "-o", "json").json() == {
        "workflow_id": "cli-greet",
        "result": {"greeting": "Hello, CLI!", "length": 3},
    }
    listed = run("workflow", "list", "--status", "completed", "--type", "greeter", "-o", "json").json()
    assert "cli-greet" in [w["workflow_id"] for w in listed["workflows"]]
    assert listed["next_page_token"] is None

    described = run("workflow", "describe", "cli-greet", "-o", "json").json()
    assert described["status"] == "completed" and described["run_id"] == started["run_id"]
    assert described["input"] == ["CLI"]
    assert described["output"] == {"greeting": "Hello, CLI!", "length": 3}
    assert described["progress"]["pending_activities"] == []

    history = run("workflow", "history", "cli-greet", "-o", "json").json()
    kinds = [e["event_type"] for e in history["events"]]
    assert kinds[-1] == "WorkflowCompleted" and "ActivityCompleted" in kinds
    scheduled = next(e for e in history["events"] if e["event_type"] == "ActivityScheduled")
    assert scheduled["details"]["arguments"] == ["CLI"]  # decoded, not an Avro blob

    table = run("workflow", "history", "cli-greet")
    assert table.exit_code == 0 and "WorkflowCompleted" in table.stdout and '"CLI"' in table.stdout
    assert "cli-greet" in run("workflow", "list").stdout
    assert "Hello, CLI!" in run("workflow", "describe", "cli-greet").stdout


def test_list_pages(run: Run) -> None:
    for n in range(3):
        start(run, "greeter", f"cli-page-{n}", '"p"')
    first = run("workflow", "list", "-q", "cli-page-", "--page-size", "2", "-o", "json").json()
    assert len(first["workflows"]) == 2 and first["next_page_token"]
    second = run(
        "workflow",
        "list",
        "-q",
        "cli-page-",
        "--page-size",
        "2",
        "--next-page-token",
        first["next_page_token"],
        "-o",
        "json",
    ).json()
    ids = {w["workflow_id"] for w in first["workflows"] + second["workflows"]}
    assert ids == {"cli-page-0", "cli-page-1", "cli-page-2"}


def test_signal_query_update_and_input_file(run: Run, tmp_path: Path) -> None:
    args = tmp_path / "args.json"
    args.write_text(json.dumps([{"amount": 40, "note": "<b>lunch</b>"}]))
    run("workflow", "start", "approval", "--id", "cli-approval", "-t", TASK_QUEUE, "--input-file", str(args))
    assert run("workflow", "query", "cli-approval", "decision", "-o", "json").json()["result"] is None
    signalled = run("workflow", "signal", "cli-approval", "decide", "-i", '"yes"', "-o", "json").json()
    assert signalled == {"workflow_id": "cli-approval", "signal_name": "decide", "outcome": "signalled"}
    result = run("workflow", "result", "cli-approval", "-o", "json").json()["result"]
    assert result == {"request": {"amount": 40, "note": "<b>lunch</b>"}, "decision": "yes"}
    late = run("workflow", "signal", "cli-approval", "decide", "-i", '"no"')
    assert late.exit_code == 1 and "SignalFailed" in late.stderr  # the run is closed

    start(run, "approval", "cli-update", '"u"')
    updated = run("workflow", "update", "cli-update", "decide_now", "-i", '"maybe"', "-o", "json").json()
    assert updated["result"] == "decided maybe" and updated["status"] == "completed"
    assert run("workflow", "result", "cli-update", "-o", "json").json()["result"]["decision"] == "maybe"


def test_history_follow_prints_events_as_they_arrive(run: Run, server: LiveServer) -> None:
    start(run, "approval", "cli-follow", '"f"')

    def later() -> None:
        with Client(server.url) as client:
            client.signal_workflow("cli-follow", "decide", ["ok"])

    timer = threading.Timer(1.0, later)
    timer.start()
    try:
        followed = run("workflow", "history", "cli-follow", "--follow", "-o", "json")
    finally:
        timer.join()
    assert followed.exit_code == 0, followed.stderr
    events = [json.loads(line) for line in followed.stdout.splitlines()]
    kinds = [e["event_type"] for e in events]
    assert kinds[0] == "StartAccepted" and kinds[-1] == "WorkflowCompleted"
    assert "SignalReceived" in kinds
    assert [e["sequence"] for e in events] == sorted({e["sequence"] for e in events})  # each once, in order


def test_cancel_and_terminate(run: Run) -> None:
    start(run, "approval", "cli-cancel", '"c"')
    start(run, "approval", "cli-terminate", '"t"')
    cancelled = run("workflow", "cancel", "cli-cancel", "--reason", "not needed", "-o", "json").json()
    assert cancelled == {"workflow_id": "cli-cancel", "outcome": "cancel_requested"}
    assert run("workflow", "terminate", "cli-terminate", "-o", "json").json()["outcome"] == "terminated"
    assert run("workflow", "describe", "cli-terminate", "-o", "json").json()["status"] == "terminated"
    failed = run("workflow", "result", "cli-terminate")
    assert failed.exit_code == 1 and "WorkflowTerminated" in failed.stderr


def test_exit_codes(run: Run, tmp_path: Path) -> None:
    missing = run("workflow", "describe", "no-such-workflow")
    assert missing.exit_code == 3 and "WorkflowNotFound" in missing.stderr
    bad_json = run("workflow", "start", "greeter", "--id", "x", "-i", "{oops")
    assert bad_json.exit_code == 2 and "--input is not valid JSON" in bad_json.stderr
    assert run("workflow", "start", "greeter").exit_code == 2  # --id missing
    assert run("workflow", "list", "--status", "sleeping").exit_code == 2
    not_array = tmp_path / "one.json"
    not_array.write_text('{"a": 1}')
    assert run("workflow", "start", "greeter", "--id", "x", "--input-file", str(not_array)).exit_code == 2
    down = run("workflow", "list", env={"DURABLE_WORKFLOW_SERVER_URL": "http://127.0.0.1:9"})
    assert down.exit_code == 4 and "cannot reach http://127.0.0.1:9" in down.stderr
    first = start(run, "approval", "cli-dup", '"d"')
    taken = run("workflow", "start", "approval", "--id", "cli-dup", "-t", TASK_QUEUE, "-i", '"d"')
    assert taken.exit_code == 1 and "WorkflowAlreadyStarted" in taken.stderr
    again = run(
        "workflow",
        "start",
        "approval",
        "--id",
        "cli-dup",
        "-t",
        TASK_QUEUE,
        "-i",
        '"d"',
        "--id-conflict",
        "use-existing",
        "-o",
        "json",
    ).json()
    assert again["run_id"] == first["run_id"]
    assert run("workflow", "signal", "never-started", "decide").exit_code == 3


def test_a_token_server_refuses_without_the_token_with_exit_code_5() -> None:
    from click.testing import CliRunner

    from durable_workflow.cli._app import cli

    with live_server(token="cli-secret", worker=False) as server:
        env = {"DURABLE_WORKFLOW_SERVER_URL": server.url}
        refused = CliRunner().invoke(cli, ["workflow", "list"], env=env)
        assert refused.exit_code == 5 and "Unauthorized" in refused.stderr
        env["DURABLE_WORKFLOW_AUTH_TOKEN"] = "cli-secret"
        allowed = CliRunner().invoke(cli, ["workflow", "list", "-o", "json"], env=env)
        assert allowed.exit_code == 0 and json.loads(allowed.stdout)["workflows"] == []
