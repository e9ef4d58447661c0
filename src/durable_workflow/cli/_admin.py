"""``durable-workflow task-queue|worker|namespace ...``."""

from __future__ import annotations

from typing import Any

import click

from durable_workflow.cli._common import Connection, call, client_command
from durable_workflow.cli._output import print_fields, print_json, print_table
from durable_workflow.client import NamespaceDescription

__all__ = ["namespace", "task_queue", "worker"]


def _stats(queue: dict[str, Any]) -> dict[str, Any]:
    stats = queue.get("stats")
    return stats if isinstance(stats, dict) else {}


@click.group("task-queue")
def task_queue() -> None:
    """Task queues: who polls them and what waits in them."""


@task_queue.command("list")
@client_command
def list_queues(conn: Connection) -> None:
    """Task queues of the namespace with pollers and backlog."""
    queues = call(conn, lambda c: c.list_task_queues())
    if conn.json:
        print_json({"task_queues": queues})
        return
    print_table(
        ["TASK QUEUE", "POLLERS", "WORKFLOW TASKS READY", "ACTIVITY TASKS READY", "LEASED"],
        [
            (
                q.get("name"),
                _stats(q).get("pollers"),
                _stats(q).get("ready_workflow_tasks"),
                _stats(q).get("ready_activity_tasks"),
                (_stats(q).get("leased_workflow_tasks") or 0) + (_stats(q).get("leased_activity_tasks") or 0),
            )
            for q in queues
        ],
    )


@task_queue.command("describe")
@click.argument("name")
@client_command
def describe_queue(conn: Connection, name: str) -> None:
    """One task queue: backlog and the workers polling it."""
    queue = call(conn, lambda c: c.describe_task_queue(name))
    if conn.json:
        print_json(queue)
        return
    print_fields(_stats(queue).items(), title=f"Task queue {name}")
    pollers = [p for p in queue.get("pollers") or [] if isinstance(p, dict)]
    print_table(
        ["WORKER ID", "RUNTIME", "STATUS", "LAST HEARTBEAT"],
        [
            (p.get("worker_id"), p.get("runtime"), p.get("status"), p.get("last_heartbeat_at"))
            for p in pollers
        ],
        title="Pollers",
    )


@click.group()
def worker() -> None:
    """Registered workers and the types they serve."""


@worker.command("list")
@click.option("--task-queue", "-t", default=None, help="Only workers of this task queue.")
@client_command
def list_workers(conn: Connection, task_queue: str | None) -> None:
    """Workers registered in the namespace."""
    workers = call(conn, lambda c: c.list_workers(task_queue=task_queue))
    if conn.json:
        print_json({"workers": workers})
        return
    print_table(
        ["WORKER ID", "TASK QUEUE", "STATUS", "WORKFLOW TYPES", "ACTIVITY TYPES"],
        [
            (
                w.get("worker_id"),
                w.get("task_queue"),
                w.get("status"),
                ", ".join(w.get("supported_workflow_types") or []),
                ", ".join(w.get("supported_activity_types") or []),
            )
            for w in workers
        ],
    )


@worker.command("describe")
@click.argument("worker_id")
@client_command
def describe_worker(conn: Connection, worker_id: str) -> None:
    """One registered worker."""
    found = call(conn, lambda c: c.describe_worker(worker_id))
    if conn.json:
        print_json(found)
    else:
        print_fields(found.items(), title=f"Worker {worker_id}")


def namespace_json(n: NamespaceDescription) -> dict[str, Any]:
    return {
        "name": n.name,
        "description": n.description,
        "retention_days": n.retention_days,
        "status": n.status,
    }


@click.group()
def namespace() -> None:
    """Namespaces of the server."""


@namespace.command("list")
@client_command
def list_namespaces(conn: Connection) -> None:
    """Every namespace."""
    found = call(conn, lambda c: c.list_namespaces())
    if conn.json:
        print_json({"namespaces": [namespace_json(n) for n in found]})
        return
    print_table(
        ["NAMESPACE", "STATUS", "RETENTION DAYS", "DESCRIPTION"],
        [(n.name, n.status, n.retention_days, n.description) for n in found],
    )


@namespace.command("describe")
@click.argument("name")
@client_command
def describe_namespace(conn: Connection, name: str) -> None:
    """One namespace."""
    found = call(conn, lambda c: c.describe_namespace(name))
    if conn.json:
        print_json(namespace_json(found))
    else:
        print_fields(namespace_json(found).items(), title=f"Namespace {name}")


@namespace.command("create")
@click.argument("name")
@click.option("--description", default=None)
@click.option("--retention-days", type=click.IntRange(1), default=30, show_default=True)
@client_command
def create_namespace(conn: Connection, name: str, description: str | None, retention_days: int) -> None:
    """Create a namespace."""
    created = call(
        conn, lambda c: c.create_namespace(name, description=description, retention_days=retention_days)
    )
    if conn.json:
        print_json(namespace_json(created))
    else:
        print_fields(namespace_json(created).items(), title="Created")
