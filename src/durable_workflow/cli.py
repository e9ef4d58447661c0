"""The ``durable-workflow`` command line.

Commands are argparse sub-commands; each feature adds its own with an ``add_*_commands``
function registered in `COMMAND_GROUPS` (each parser sets ``func`` to a callable taking the
parsed namespace and returning an exit code).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import os
import signal
import sys
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["COMMAND_GROUPS", "build_parser", "main"]

log = logging.getLogger("durable_workflow.server")

SubParsers = Any  # argparse's _SubParsersAction is private


def _env(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def add_server_commands(commands: SubParsers) -> None:
    """``durable-workflow server start-dev``."""
    server = commands.add_parser("server", help="run the embedded dev server")
    sub = server.add_subparsers(dest="server_command", required=True)
    dev = sub.add_parser(
        "start-dev",
        help="start the SQLite-backed dev server",
        description="Start the embedded dev server (Ctrl-C stops it).",
    )
    add_start_dev_arguments(dev)
    dev.set_defaults(func=run_start_dev)


def add_start_dev_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default=_env("DW_DEV_HOST") or "127.0.0.1", help="interface (env DW_DEV_HOST)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=_env("DW_DEV_PORT") or "8080",  # argparse applies type= to a string default
        help="port, 0 = any free (env DW_DEV_PORT)",
    )
    parser.add_argument(
        "--db", default=_env("DW_DEV_DB"), help="SQLite file (default: a temporary file deleted on exit)"
    )
    parser.add_argument(
        "--auth-driver", choices=("none", "token", "roles"), default=_env("DW_AUTH_DRIVER") or "none"
    )
    parser.add_argument("--token", default=_env("DW_AUTH_TOKEN"), help="shared token (env DW_AUTH_TOKEN)")
    parser.add_argument(
        "--admin-token", default=_env("DW_ADMIN_TOKEN"), help="admin role token (env DW_ADMIN_TOKEN)"
    )
    parser.add_argument(
        "--operator-token",
        default=_env("DW_OPERATOR_TOKEN"),
        help="operator role token (env DW_OPERATOR_TOKEN)",
    )
    parser.add_argument(
        "--worker-token", default=_env("DW_WORKER_TOKEN"), help="worker role token (env DW_WORKER_TOKEN)"
    )
    parser.add_argument("--long-poll-timeout", type=float, default=30.0, help="seconds a poll waits for work")
    parser.add_argument(
        "--workflow-task-lease-seconds", type=float, default=300.0, help="workflow-task lease"
    )
    parser.add_argument("--activity-lease-seconds", type=float, default=300.0, help="activity-task lease")
    parser.add_argument("--max-body-bytes", type=int, default=2 * 1024 * 1024, help="request body limit")
    parser.add_argument(
        "--durability",
        choices=("normal", "full"),
        default=_env("DW_DEV_DURABILITY") or "normal",
        help="normal: acknowledged work survives a killed process; full: also power loss (fsync per commit)",
    )
    parser.add_argument("--log-level", default="INFO", help="DEBUG, INFO, WARNING or ERROR")
    parser.add_argument(
        "--wire-generation",
        choices=("current", "seed"),
        default=_env("DW_WIRE_GENERATION") or "current",
        help="'seed' pins the server to worker protocol 1.1 and the Avro wrapper (env DW_WIRE_GENERATION)",
    )


def run_start_dev(args: argparse.Namespace) -> int:
    try:
        from durable_workflow.server import DevServer
        from durable_workflow.server._eventloop import run as run_event_loop
    except ImportError as exc:
        print(
            f"durable-workflow: the dev server needs the 'server' extra "
            f"(pip install 'durable-workflow[server]'): {exc}",
            file=sys.stderr,
        )
        return 1

    logging.basicConfig(
        level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        server = DevServer(
            db_path=args.db,
            host=args.host,
            port=args.port,
            auth_driver=args.auth_driver,
            token=args.token,
            admin_token=args.admin_token,
            operator_token=args.operator_token,
            worker_token=args.worker_token,
            max_body_bytes=args.max_body_bytes,
            long_poll_timeout=args.long_poll_timeout,
            workflow_task_lease_seconds=args.workflow_task_lease_seconds,
            activity_lease_seconds=args.activity_lease_seconds,
            wire_generation=args.wire_generation,
            durability=args.durability,
        )
    except ValueError as exc:
        print(f"durable-workflow: {exc}", file=sys.stderr)
        return 2

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        async with server:
            log.info("listening on %s (Ctrl-C to stop)", server.base_url)
            await stop.wait()
        log.info("stopped")

    try:
        run_event_loop(serve())
    except OSError as exc:
        print(f"durable-workflow: cannot start the dev server: {exc}", file=sys.stderr)
        return 1
    return 0


def _delegate(commands: SubParsers, name: str, help: str, target: str) -> None:
    """A sub-command whose arguments go, untouched, to another package's ``main(argv)``."""
    parser = commands.add_parser(name, help=help, add_help=False)
    parser.add_argument("rest", nargs=argparse.REMAINDER)

    def run(args: argparse.Namespace) -> int:
        module_name, _, func_name = target.partition(":")
        module = importlib.import_module(module_name)
        delegate: Callable[[list[str]], int] = getattr(module, func_name)
        return delegate(list(args.rest))

    parser.set_defaults(func=run)


def add_tool_commands(commands: SubParsers) -> None:
    """``durable-workflow stubs generate ...`` and ``durable-workflow replay PATH...``."""
    _delegate(
        commands,
        "stubs",
        "generate typed client stubs and JSON Schema contracts",
        "durable_workflow.stubs:main",
    )
    # Imported here: the testing package is only needed when the command line is built.
    from durable_workflow.testing._replay_cli import add_replay_commands

    add_replay_commands(commands)


COMMAND_GROUPS: list[Callable[[SubParsers], None]] = [add_server_commands, add_tool_commands]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="durable-workflow", description="Durable Workflow tools.")
    commands = parser.add_subparsers(dest="command", required=True)
    for add in COMMAND_GROUPS:
        add(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``durable-workflow`` console script."""
    parser = build_parser()
    # A delegated command's options (``stubs --help``) look unknown to this parser: pass them on.
    args, unknown = parser.parse_known_args(argv)
    if unknown and not hasattr(args, "rest"):
        parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    if unknown:
        args.rest = [*unknown, *args.rest]
    func: Callable[[argparse.Namespace], int] = args.func
    return func(args)


if __name__ == "__main__":
    sys.exit(main())
