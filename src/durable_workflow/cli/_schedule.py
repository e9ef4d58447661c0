"""``durable-workflow schedule list|describe|create|update|pause|resume|trigger|backfill|delete``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from durable_workflow.cli._common import Connection, call, client_command, input_options, parse_inputs
from durable_workflow.cli._output import console, print_fields, print_json, print_table, to_jsonable
from durable_workflow.client import (
    OverlapPolicy,
    ScheduleAction,
    ScheduleDescription,
    ScheduleInterval,
    ScheduleSpec,
)

__all__ = ["schedule"]

OVERLAP = click.Choice(["skip", "buffer_one", "buffer_all", "cancel_other", "terminate_other", "allow_all"])


def schedule_json(s: ScheduleDescription) -> dict[str, Any]:
    """The stable JSON form of a schedule."""
    return {
        "schedule_id": s.schedule_id,
        "status": s.status,
        "paused": s.paused,
        "cron_expressions": list(s.spec.cron_expressions),
        "intervals": [to_jsonable(i) for i in s.spec.intervals],
        "timezone": s.spec.timezone,
        "workflow_type": s.action.workflow_type,
        "task_queue": s.action.task_queue,
        "input": list(s.action.input),
        "overlap_policy": s.overlap_policy,
        "note": s.note,
        "fires_count": s.fires_count,
        "next_fire_at": to_jsonable(s.next_fire_at),
        "last_fired_at": to_jsonable(s.last_fired_at),
        "latest_workflow_id": s.latest_workflow_instance_id,
        "recent_actions": to_jsonable(s.recent_actions),
    }


@click.group()
def schedule() -> None:
    """Start workflows on a cron or interval spec."""


@schedule.command("list")
@click.option("--page-size", type=click.IntRange(1, 200), default=50, show_default=True)
@click.option("--next-page-token", default=None, help="Token printed by the previous page.")
@client_command
def list_(conn: Connection, page_size: int, next_page_token: str | None) -> None:
    """The namespace's schedules."""
    page = call(conn, lambda c: c.list_schedules(page_size=page_size, next_page_token=next_page_token))
    if conn.json:
        rows = [schedule_json(s) for s in page.schedules]
        print_json({"schedules": rows, "next_page_token": page.next_page_token})
        return
    print_table(
        ["SCHEDULE ID", "WORKFLOW TYPE", "STATUS", "SPEC", "NEXT FIRE", "FIRES"],
        [
            (
                s.schedule_id,
                s.action.workflow_type,
                s.status,
                ", ".join([*s.spec.cron_expressions, *(_every(i) for i in s.spec.intervals)]),
                s.next_fire_at,
                s.fires_count,
            )
            for s in page.schedules
        ],
    )


def _every(interval: Any) -> str:
    return f"every {interval.every}" if isinstance(interval, ScheduleInterval) else str(interval)


@schedule.command()
@click.argument("schedule_id")
@client_command
def describe(conn: Connection, schedule_id: str) -> None:
    """A schedule's spec, action and state."""
    described = call(conn, lambda c: c.describe_schedule(schedule_id))
    data = schedule_json(described)
    if conn.json:
        print_json(data)
    else:
        print_fields(data.items(), title=f"Schedule {schedule_id}")


def _spec(cron: tuple[str, ...], every: tuple[str, ...], timezone: str | None) -> ScheduleSpec | None:
    if not cron and not every:
        return None
    return ScheduleSpec(
        cron_expressions=list(cron), intervals=[ScheduleInterval(every=e) for e in every], timezone=timezone
    )


def _spec_options(func: Any) -> Any:
    func = click.option("--timezone", default=None, help="IANA time zone of the cron expressions (UTC).")(
        func
    )
    func = click.option(
        "--every", multiple=True, metavar="DURATION", help="Interval as ISO 8601, e.g. PT1H (repeatable)."
    )(func)
    return click.option(
        "--cron", multiple=True, metavar="EXPR", help='Cron expression, e.g. "0 9 * * 1-5" (repeatable).'
    )(func)


@schedule.command()
@click.argument("schedule_id")
@click.option("--workflow-type", required=True, help="Type of the workflow each fire starts.")
@click.option("--task-queue", "-t", default="default", show_default=True)
@_spec_options
@input_options
@click.option("--overlap-policy", type=OVERLAP, default=None, help="What a fire does while one runs.")
@click.option("--paused", is_flag=True, help="Create it paused.")
@click.option("--note", default=None)
@client_command
def create(
    conn: Connection,
    schedule_id: str,
    workflow_type: str,
    task_queue: str,
    cron: tuple[str, ...],
    every: tuple[str, ...],
    timezone: str | None,
    inputs: tuple[str, ...],
    input_file: Path | None,
    overlap_policy: OverlapPolicy | None,
    paused: bool,
    note: str | None,
) -> None:
    """Create SCHEDULE_ID firing on --cron and/or --every."""
    spec = _spec(cron, every, timezone)
    if spec is None:
        raise click.UsageError("give at least one --cron or --every")
    action = ScheduleAction(workflow_type, task_queue=task_queue, input=parse_inputs(inputs, input_file))
    call(
        conn,
        lambda c: c.create_schedule(
            schedule_id, spec=spec, action=action, overlap_policy=overlap_policy, paused=paused, note=note
        ),
    )
    _done(conn, schedule_id, "created")


@schedule.command()
@click.argument("schedule_id")
@_spec_options
@click.option("--overlap-policy", type=OVERLAP, default=None)
@click.option("--note", default=None)
@client_command
def update(
    conn: Connection,
    schedule_id: str,
    cron: tuple[str, ...],
    every: tuple[str, ...],
    timezone: str | None,
    overlap_policy: OverlapPolicy | None,
    note: str | None,
) -> None:
    """Change the spec, overlap policy or note of SCHEDULE_ID (other parts stay)."""
    spec = _spec(cron, every, timezone)
    call(
        conn,
        lambda c: c.update_schedule(schedule_id, spec=spec, overlap_policy=overlap_policy, note=note),
    )
    _done(conn, schedule_id, "updated")


def _done(conn: Connection, schedule_id: str, outcome: str) -> None:
    if conn.json:
        print_json({"schedule_id": schedule_id, "outcome": outcome})
    else:
        console().print(f"schedule {schedule_id} {outcome}", markup=False)


@schedule.command()
@click.argument("schedule_id")
@click.option("--note", default=None, help="Why (replaces the schedule's note).")
@client_command
def pause(conn: Connection, schedule_id: str, note: str | None) -> None:
    """Stop firing until resumed."""
    call(conn, lambda c: c.pause_schedule(schedule_id, note=note))
    _done(conn, schedule_id, "paused")


@schedule.command()
@click.argument("schedule_id")
@click.option("--note", default=None, help="Replaces the schedule's note.")
@client_command
def resume(conn: Connection, schedule_id: str, note: str | None) -> None:
    """Fire again from now on."""
    call(conn, lambda c: c.resume_schedule(schedule_id, note=note))
    _done(conn, schedule_id, "resumed")


@schedule.command()
@click.argument("schedule_id")
@click.option("--overlap-policy", type=OVERLAP, default=None, help="For this fire only.")
@client_command
def trigger(conn: Connection, schedule_id: str, overlap_policy: OverlapPolicy | None) -> None:
    """Fire once now."""
    fired = call(conn, lambda c: c.trigger_schedule(schedule_id, overlap_policy=overlap_policy))
    data = {"schedule_id": schedule_id, "outcome": fired.outcome, "workflow_id": fired.workflow_id}
    if conn.json:
        print_json({**data, "run_id": fired.run_id, "reason": fired.reason})
    else:
        print_fields(data.items(), title="Triggered")


@schedule.command()
@click.argument("schedule_id")
@click.option("--start", "start_time", required=True, help="ISO 8601 time (inclusive).")
@click.option("--end", "end_time", required=True, help="ISO 8601 time (exclusive).")
@click.option("--overlap-policy", type=OVERLAP, default=None)
@client_command
def backfill(
    conn: Connection, schedule_id: str, start_time: str, end_time: str, overlap_policy: OverlapPolicy | None
) -> None:
    """Fire every occurrence between --start and --end now, in order."""
    done = call(
        conn,
        lambda c: c.backfill_schedule(schedule_id, start_time, end_time, overlap_policy=overlap_policy),
    )
    if conn.json:
        print_json(
            {
                "schedule_id": schedule_id,
                "outcome": done.outcome,
                "fires_attempted": done.fires_attempted,
                "results": to_jsonable(done.results),
            }
        )
        return
    print_table(
        ["FIRE TIME", "OUTCOME", "WORKFLOW ID"],
        [(r.fire_time, r.outcome, r.workflow_id) for r in done.results],
        title=f"Backfill: {done.fires_attempted} fires",
    )


@schedule.command()
@click.argument("schedule_id")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@client_command
def delete(conn: Connection, schedule_id: str, yes: bool) -> None:
    """Delete a schedule (workflows it started keep running)."""
    if not yes:
        click.confirm(f"Delete schedule {schedule_id}?", abort=True, err=True)
    call(conn, lambda c: c.delete_schedule(schedule_id))
    _done(conn, schedule_id, "deleted")
