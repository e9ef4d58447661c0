"""``durable-workflow server start-dev``: the embedded dev server, its UI and API, until Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import sys
from typing import Any

import click

from durable_workflow.cli._common import CliError, ExitCode

__all__ = ["server"]

log = logging.getLogger("durable_workflow.server")


@click.group()
def server() -> None:
    """Run the embedded dev server."""


# Each option is passed to DevServer as the keyword of the same name (except --db, the db_path,
# and --log-level), so a new DevServer knob needs only a line here.
START_DEV_OPTIONS = [
    click.option("--host", envvar="DW_DEV_HOST", default="127.0.0.1", show_default=True, show_envvar=True),
    click.option(
        "--port",
        envvar="DW_DEV_PORT",
        type=int,
        default=8080,
        show_default=True,
        show_envvar=True,
        help="0 = any free port.",
    ),
    click.option(
        "--db",
        envvar="DW_DEV_DB",
        default=None,
        show_envvar=True,
        help="SQLite file [default: a temporary file deleted on exit]",
    ),
    click.option(
        "--auth-driver",
        envvar="DW_AUTH_DRIVER",
        type=click.Choice(["none", "token", "roles"]),
        default="none",
        show_default=True,
        show_envvar=True,
    ),
    click.option("--token", envvar="DW_AUTH_TOKEN", default=None, show_envvar=True, help="Shared token."),
    click.option("--admin-token", envvar="DW_ADMIN_TOKEN", default=None, show_envvar=True),
    click.option("--operator-token", envvar="DW_OPERATOR_TOKEN", default=None, show_envvar=True),
    click.option("--worker-token", envvar="DW_WORKER_TOKEN", default=None, show_envvar=True),
    click.option("--long-poll-timeout", type=float, default=30.0, show_default=True, help="Seconds."),
    click.option("--workflow-task-lease-seconds", type=float, default=300.0, show_default=True),
    click.option("--activity-lease-seconds", type=float, default=300.0, show_default=True),
    click.option("--max-body-bytes", type=int, default=2 * 1024 * 1024, show_default=True),
    click.option(
        "--durability",
        envvar="DW_DEV_DURABILITY",
        type=click.Choice(["normal", "full"]),
        default="normal",
        show_default=True,
        show_envvar=True,
        help="normal: acknowledged work survives a killed process; full: also power loss (fsync per commit).",
    ),
    click.option(
        "--wire-generation",
        envvar="DW_WIRE_GENERATION",
        type=click.Choice(["current", "seed"]),
        default="current",
        show_default=True,
        show_envvar=True,
        help="seed pins the server to worker protocol 1.1 and the Avro wrapper.",
    ),
    click.option(
        "--log-level",
        type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
        default="INFO",
        show_default=True,
        help="INFO logs one line per request.",
    ),
]


def _options(func: Any) -> Any:
    for option in reversed(START_DEV_OPTIONS):
        func = option(func)
    return func


def banner(base_url: str, db_path: str, auth_driver: str) -> str:
    """What start-dev prints once it listens: where the UI and the API are."""
    lines = [
        "Durable Workflow dev server",
        f"  Web UI:  {base_url}/",
        f"  API:     {base_url}/api  (DURABLE_WORKFLOW_SERVER_URL={base_url})",
        f"  SQLite:  {db_path}",
    ]
    if auth_driver != "none":
        lines.append(f"  Auth:    {auth_driver} (the UI asks for a token)")
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


@server.command("start-dev")
@_options
def start_dev(**options: Any) -> None:
    """Start the SQLite-backed dev server (Ctrl-C stops it)."""
    try:
        from durable_workflow.server import DevServer
    except ImportError as exc:
        raise CliError(
            f"the dev server needs the 'server' extra (pip install 'durable-workflow[server]'): {exc}",
            ExitCode.FAILED,
        ) from exc
    logging.basicConfig(
        level=options.pop("log_level").upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request at INFO; the request log already shows them (the UI's own at DEBUG).
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))
    try:
        dev = DevServer(db_path=options.pop("db"), **options)
    except ValueError as exc:
        raise CliError(str(exc), ExitCode.USAGE) from exc
    from durable_workflow.server._eventloop import run as run_event_loop  # uvloop when installed

    try:
        run_event_loop(_serve(dev))
    except OSError as exc:
        raise CliError(f"cannot start the dev server: {exc}", ExitCode.FAILED) from exc


async def _serve(dev: Any) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with dev:
        sys.stdout.write(banner(dev.base_url, dev.db_path, dev.auth.driver) + "\n")
        sys.stdout.flush()
        await stop.wait()
    log.info("stopped")
