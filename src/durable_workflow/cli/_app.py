"""The root ``durable-workflow`` group and the exit-status contract of `run`."""

from __future__ import annotations

from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

import click

from durable_workflow.cli._admin import namespace, task_queue, worker
from durable_workflow.cli._common import ExitCode
from durable_workflow.cli._schedule import schedule
from durable_workflow.cli._server import server
from durable_workflow.cli._tools import replay, stubs
from durable_workflow.cli._workflow import workflow

__all__ = ["cli", "run"]


def _version() -> str:
    try:
        return version("durable-workflow")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "show_default": True, "max_content_width": 100}
)
@click.version_option(_version(), "--version", "-V", prog_name="durable-workflow")
def cli() -> None:
    """Durable Workflow tools: see and steer workflows, run the dev server.

    Connection options of every command can come from the environment:
    DURABLE_WORKFLOW_SERVER_URL, DURABLE_WORKFLOW_NAMESPACE, DURABLE_WORKFLOW_AUTH_TOKEN.

    Exit status: 0 ok, 1 the call failed (workflow failed, signal rejected, conflict, ...),
    2 usage error, 3 not found, 4 server unreachable or server error, 5 not authorized.
    """


for command in (workflow, schedule, task_queue, worker, namespace, server, stubs, replay):
    cli.add_command(command)


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit status instead of exiting."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="durable-workflow")
    except SystemExit as exc:
        if exc.code is None:
            return int(ExitCode.OK)
        return exc.code if isinstance(exc.code, int) else int(ExitCode.FAILED)
    return int(ExitCode.OK)
