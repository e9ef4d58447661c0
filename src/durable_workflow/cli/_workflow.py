"""``durable-workflow workflow list|describe|start|signal|query|update|cancel|terminate|result|history``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

import click

from durable_workflow.cli._common import (
    Connection,
    call,
    client_command,
    input_options,
    parse_inputs,
    parse_object,
)
from durable_workflow.cli._output import console, print_fields, print_json, print_table, to_jsonable
from durable_workflow.client import Client, WorkflowExecution
from durable_workflow.client._progress import EventView, RunProgress, decode_event, progress_of
from durable_workflow.client._result import _TERMINAL_EVENTS as TERMINAL_EVENTS, _token_after as token_after

__all__ = ["workflow"]


def execution_json(e: WorkflowExecution, *, payloads: bool = True) -> dict[str, Any]:
    """The stable JSON form of one workflow run (``payloads``: with input and output).

    List answers carry no input or output, so ``workflow list`` leaves those keys out.
    """
    data = {
        "workflow_id": e.workflow_id,
        "run_id": e.run_id,
        "workflow_type": e.workflow_type,
        "namespace": e.namespace,
        "task_queue": e.task_queue,
        "status": e.status,
        "status_bucket": e.status_bucket,
        "closed_reason": e.closed_reason,
        "run_number": e.run_number,
        "run_count": e.run_count,
        "business_key": e.business_key,
        "input": e.input,
        "output": e.output,
        "memo": e.memo,
        "search_attributes": e.search_attributes,
        "started_at": to_jsonable(e.started_at),
        "closed_at": to_jsonable(e.closed_at),
        "wait_kind": e.wait_kind,
        "wait_reason": e.raw.get("wait_reason"),
    }
    if not payloads:
        del data["input"], data["output"]
    return data


@click.group()
def workflow() -> None:
    """List, inspect, start and steer workflows."""


@workflow.command("list")
@click.option(
    "--status", type=click.Choice(["running", "completed", "failed"]), default=None, help="Status bucket."
)
@click.option("--type", "workflow_type", default=None, help="Only this workflow type.")
@click.option("--query", "-q", default=None, help='Id prefix/substring, or `Key = "value" AND ...`.')
@click.option("--page-size", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--next-page-token", default=None, help="Token printed by the previous page.")
@client_command
def list_(
    conn: Connection,
    status: str | None,
    workflow_type: str | None,
    query: str | None,
    page_size: int,
    next_page_token: str | None,
) -> None:
    """One page of workflows, newest first."""
    page = call(
        conn,
        lambda c: c.list_workflows(
            status=status,
            workflow_type=workflow_type,
            query=query,
            page_size=page_size,
            next_page_token=next_page_token,
        ),
    )
    if conn.json:
        rows = [execution_json(e, payloads=False) for e in page.executions]
        print_json({"workflows": rows, "next_page_token": page.next_page_token})
        return
    print_table(
        ["WORKFLOW ID", "TYPE", "STATUS", "RUN", "STARTED", "CLOSED"],
        [
            (e.workflow_id, e.workflow_type, e.status, e.run_number, e.started_at, e.closed_at)
            for e in page.executions
        ],
    )
    if page.next_page_token:
        console().print(f"more: --next-page-token {page.next_page_token}", markup=False)


async def _describe(client: Client, workflow_id: str) -> tuple[WorkflowExecution, RunProgress]:
    execution = await client.describe_workflow(workflow_id)
    events = await client.get_history(workflow_id, execution.run_id or "")
    return execution, progress_of(decode_event(client.converter, e) for e in events)


@workflow.command()
@click.argument("workflow_id")
@client_command
def describe(conn: Connection, workflow_id: str) -> None:
    """Status, input, output, what the workflow waits for, and its open activities and timers."""
    execution, progress = call(conn, lambda c: _describe(c, workflow_id))
    if conn.json:
        print_json({**execution_json(execution), "progress": progress})
        return
    data = execution_json(execution)
    print_fields(data.items(), title=f"Workflow {workflow_id}")
    if progress.pending_activities:
        print_table(
            ["SEQ", "ACTIVITY", "STATE", "ATTEMPT", "LAST FAILURE"],
            [
                (a.sequence, a.activity_type, a.state, a.attempt, a.last_failure)
                for a in progress.pending_activities
            ],
            title="Pending activities",
        )
    if progress.pending_timers:
        print_table(
            ["SEQ", "FIRES AT", "SECONDS", "KIND"],
            [(t.sequence, t.fire_at, t.delay_seconds, t.kind) for t in progress.pending_timers],
            title="Pending timers",
        )
    if progress.children:
        print_table(
            ["CHILD WORKFLOW ID", "TYPE", "STATUS"],
            [(ch.workflow_id, ch.workflow_type, ch.status) for ch in progress.children],
            title="Children",
        )


@workflow.command()
@click.argument("workflow_type")
@click.option("--workflow-id", "--id", "workflow_id", required=True, help="Id of the new workflow.")
@click.option("--task-queue", "-t", default="default", show_default=True)
@input_options
@click.option("--memo", default=None, metavar="JSON", help="Memo as a JSON object.")
@click.option("--search-attributes", default=None, metavar="JSON", help="Search attributes, a JSON object.")
@click.option("--execution-timeout", type=int, default=3600, show_default=True, help="Seconds.")
@click.option("--run-timeout", type=int, default=600, show_default=True, help="Seconds.")
@click.option(
    "--id-conflict",
    type=click.Choice(["fail", "use-existing"]),
    default="fail",
    show_default=True,
    help="What to do when a running workflow has this id.",
)
@client_command
def start(
    conn: Connection,
    workflow_type: str,
    workflow_id: str,
    task_queue: str,
    inputs: tuple[str, ...],
    input_file: Path | None,
    memo: str | None,
    search_attributes: str | None,
    execution_timeout: int,
    run_timeout: int,
    id_conflict: str,
) -> None:
    """Start a workflow of WORKFLOW_TYPE (a worker must serve its task queue)."""
    args = parse_inputs(inputs, input_file)
    memo_value = parse_object(memo, "--memo")
    attributes = parse_object(search_attributes, "--search-attributes")
    handle = call(
        conn,
        lambda c: c.start_workflow(
            workflow_type,
            task_queue,
            workflow_id,
            args,
            execution_timeout_seconds=execution_timeout,
            run_timeout_seconds=run_timeout,
            duplicate_policy="use-existing" if id_conflict == "use-existing" else "fail",
            memo=memo_value,
            search_attributes=attributes,
        ),
    )
    answer = {"workflow_id": handle.workflow_id, "run_id": handle.run_id, "workflow_type": workflow_type}
    if conn.json:
        print_json(answer)
    else:
        print_fields(answer.items(), title="Started")


def _report(conn: Connection, answer: dict[str, Any], sentence: str) -> None:
    if conn.json:
        print_json(answer)
    else:
        console().print(sentence, markup=False)


@workflow.command()
@click.argument("workflow_id")
@click.argument("signal_name")
@input_options
@client_command
def signal(
    conn: Connection, workflow_id: str, signal_name: str, inputs: tuple[str, ...], input_file: Path | None
) -> None:
    """Send SIGNAL_NAME with arguments to a running workflow."""
    args = parse_inputs(inputs, input_file)
    call(conn, lambda c: c.signal_workflow(workflow_id, signal_name, args))
    answer = {"workflow_id": workflow_id, "signal_name": signal_name, "outcome": "signalled"}
    _report(conn, answer, f"signal {signal_name!r} sent to {workflow_id}")


@workflow.command()
@click.argument("workflow_id")
@click.argument("query_name")
@input_options
@client_command
def query(
    conn: Connection, workflow_id: str, query_name: str, inputs: tuple[str, ...], input_file: Path | None
) -> None:
    """Ask a live worker to run the workflow's QUERY_NAME handler; prints its answer."""
    args = parse_inputs(inputs, input_file)
    result = call(conn, lambda c: c.query_workflow(workflow_id, query_name, args))
    answer = {"workflow_id": workflow_id, "query_name": query_name, "result": result}
    _report(conn, answer, json.dumps(to_jsonable(result), indent=2, ensure_ascii=False))


@workflow.command()
@click.argument("workflow_id")
@click.argument("update_name")
@input_options
@click.option(
    "--wait-for", type=click.Choice(["accepted", "completed"]), default="completed", show_default=True
)
@client_command
def update(
    conn: Connection,
    workflow_id: str,
    update_name: str,
    inputs: tuple[str, ...],
    input_file: Path | None,
    wait_for: str,
) -> None:
    """Send the update UPDATE_NAME and wait until it is accepted or completed."""
    args = parse_inputs(inputs, input_file)
    waited: Literal["accepted", "completed"] = "accepted" if wait_for == "accepted" else "completed"
    result = call(conn, lambda c: c.update_workflow(workflow_id, update_name, args, wait_for=waited))
    answer = {
        "workflow_id": workflow_id,
        "update_name": update_name,
        "update_id": result.update_id,
        "outcome": result.outcome,
        "status": result.status,
        "result": result.result,
    }
    if conn.json:
        print_json(answer)
    else:
        print_fields(answer.items(), title="Update")


@workflow.command()
@click.argument("workflow_id")
@click.option("--reason", default=None, help="Recorded with the cancellation.")
@client_command
def cancel(conn: Connection, workflow_id: str, reason: str | None) -> None:
    """Ask the workflow to cancel (its code may clean up first)."""
    call(conn, lambda c: c.cancel_workflow(workflow_id, reason=reason))
    answer = {"workflow_id": workflow_id, "outcome": "cancel_requested"}
    _report(conn, answer, f"cancellation of {workflow_id} requested")


@workflow.command()
@click.argument("workflow_id")
@click.option("--reason", default=None, help="Recorded with the termination.")
@client_command
def terminate(conn: Connection, workflow_id: str, reason: str | None) -> None:
    """Stop the workflow at once, without running any more of its code."""
    call(conn, lambda c: c.terminate_workflow(workflow_id, reason=reason))
    answer = {"workflow_id": workflow_id, "outcome": "terminated"}
    _report(conn, answer, f"{workflow_id} terminated")


@workflow.command()
@click.argument("workflow_id")
@click.option("--wait", type=float, default=None, help="Give up after this many seconds (default: wait on).")
@client_command
def result(conn: Connection, workflow_id: str, wait: float | None) -> None:
    """Wait for the workflow to close and print its result (exit 1 if it failed)."""
    value = call(conn, lambda c: c.get_workflow_handle(workflow_id).result(timeout=wait))
    answer = {"workflow_id": workflow_id, "result": value}
    _report(conn, answer, json.dumps(to_jsonable(value), indent=2, ensure_ascii=False))


def _event_row(event: EventView) -> tuple[Any, ...]:
    time = (event.recorded_at or "").replace("T", " ")[:19]
    return (event.sequence, time, event.event_type, event.summary())


def _print_event(conn: Connection, event: EventView) -> None:
    if conn.json:
        console().out(json.dumps(to_jsonable(event.to_json()), sort_keys=True, ensure_ascii=False))
        return
    seq, time, kind, details = _event_row(event)
    line = f"{seq:>4}  {time}  {kind:<24} {json.dumps(to_jsonable(details), ensure_ascii=False)}"
    console().out(line, highlight=False)


async def _follow(conn: Connection, client: Client, workflow_id: str, run_id: str | None) -> None:
    """Print each event as it is recorded (long polls), into continued runs, until the workflow closes."""
    target = run_id or (await client.describe_workflow(workflow_id)).run_id or ""
    after = 0
    while True:
        page = await client.get_history_page(
            workflow_id, target, next_page_token=token_after(after), wait_new_event=True
        )
        for raw in page.events:
            event = decode_event(client.converter, raw)
            after = max(after, event.sequence)
            _print_event(conn, event)
            next_run = event.details.get("continued_to_run_id")
            if event.event_type == "WorkflowContinuedAsNew" and isinstance(next_run, str):
                target, after = next_run, 0
                break
            if event.event_type in TERMINAL_EVENTS:
                return


@workflow.command()
@click.argument("workflow_id")
@click.option("--run-id", default=None, help="A run of the chain (default: the current run).")
@click.option(
    "--follow", "-f", is_flag=True, help="Keep printing events as they arrive, until the run closes."
)
@client_command
def history(conn: Connection, workflow_id: str, run_id: str | None, follow: bool) -> None:
    """The run's history events, with their payloads decoded."""
    if follow:
        call(conn, lambda c: _follow(conn, c, workflow_id, run_id))
        return

    async def fetch(client: Client) -> tuple[str, list[EventView]]:
        target = run_id or (await client.describe_workflow(workflow_id)).run_id or ""
        events = await client.get_history(workflow_id, target)
        return target, [decode_event(client.converter, e) for e in events]

    target, events = call(conn, fetch)
    if conn.json:
        print_json({"workflow_id": workflow_id, "run_id": target, "events": [e.to_json() for e in events]})
        return
    print_table(["SEQ", "TIME", "EVENT", "DETAILS"], [_event_row(e) for e in events])
