"""What every client command shares: connection options, exit codes, JSON inputs, running a call."""

from __future__ import annotations

import asyncio
import enum
import functools
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from durable_workflow import errors
from durable_workflow.client import Client, TransportRetryPolicy

__all__ = [
    "CliError",
    "Connection",
    "ExitCode",
    "call",
    "client_command",
    "input_options",
    "parse_inputs",
    "parse_json",
]

T = TypeVar("T")
DEFAULT_SERVER = "http://localhost:8080"


class ExitCode(enum.IntEnum):
    """Exit statuses scripts can rely on."""

    OK = 0
    FAILED = 1
    """The call reached the server but did not succeed (workflow failed, signal rejected, conflict...)."""
    USAGE = 2
    NOT_FOUND = 3
    SERVER = 4
    """The server could not be reached or answered with a server error."""
    AUTH = 5


class CliError(click.ClickException):
    """An error message with its exit status."""

    def __init__(self, message: str, code: ExitCode) -> None:
        super().__init__(message)
        self.code = code
        self.exit_code = int(code)  # type: ignore[misc]  # click declares a class default


@dataclass(frozen=True)
class Connection:
    """Where and how to reach the server, and how to print answers."""

    server: str
    namespace: str
    token: str | None
    output: str
    timeout: float

    @property
    def json(self) -> bool:
        return self.output == "json"

    def client(self) -> Client:
        # A command line should fail fast when the server is down: two attempts, short backoff.
        retry = TransportRetryPolicy(max_attempts=2, initial_backoff_seconds=0.2)
        return Client(
            self.server, self.token, namespace=self.namespace, timeout=self.timeout, retry_policy=retry
        )


_CONNECTION_OPTIONS = [
    click.option(
        "--server",
        "-s",
        envvar="DURABLE_WORKFLOW_SERVER_URL",
        default=DEFAULT_SERVER,
        show_default=True,
        show_envvar=True,
        help="Server address, without /api.",
    ),
    click.option(
        "--namespace",
        "-n",
        envvar="DURABLE_WORKFLOW_NAMESPACE",
        default="default",
        show_default=True,
        show_envvar=True,
        help="Namespace to work in.",
    ),
    click.option(
        "--token",
        envvar="DURABLE_WORKFLOW_AUTH_TOKEN",
        default=None,
        show_envvar=True,
        help="Bearer token (servers with auth).",
    ),
    click.option(
        "--output",
        "-o",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help="table for people, json for scripts.",
    ),
    click.option("--timeout", type=float, default=30.0, show_default=True, help="HTTP timeout in seconds."),
]


def client_command(func: Callable[..., int | None]) -> Callable[..., int | None]:
    """Add the connection options to a command; the function receives them as a `Connection`."""

    @functools.wraps(func)
    def wrapper(**kwargs: Any) -> int | None:
        names = ("server", "namespace", "token", "output", "timeout")
        connection = Connection(*(kwargs.pop(name) for name in names))
        return func(connection, **kwargs)

    decorated: Callable[..., int | None] = wrapper
    for option in reversed(_CONNECTION_OPTIONS):
        decorated = option(decorated)
    return decorated


def input_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """``--input JSON`` (repeatable, one argument each) and ``--input-file PATH`` (a JSON array)."""
    func = click.option(
        "--input-file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help="File holding a JSON array of arguments.",
    )(func)
    return click.option(
        "--input",
        "-i",
        "inputs",
        multiple=True,
        metavar="JSON",
        help="One argument as JSON (repeat for more): -i '\"world\"' -i 3.",
    )(func)


def parse_json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(
            f"{what} is not valid JSON ({exc.msg} at position {exc.pos}): {text!r}", ExitCode.USAGE
        ) from None


def parse_inputs(inputs: Sequence[str], input_file: Path | None) -> list[Any]:
    """The call's positional arguments from ``--input`` values and an ``--input-file``."""
    if inputs and input_file is not None:
        raise CliError("give --input or --input-file, not both", ExitCode.USAGE)
    if input_file is None:
        return [parse_json(text, "--input") for text in inputs]
    value = parse_json(input_file.read_text(encoding="utf-8"), f"--input-file {input_file}")
    if not isinstance(value, list):
        raise CliError(f"--input-file {input_file} must hold a JSON array of arguments", ExitCode.USAGE)
    return value


def parse_object(text: str | None, what: str) -> dict[str, Any] | None:
    if text is None:
        return None
    value = parse_json(text, what)
    if not isinstance(value, dict):
        raise CliError(f"{what} must be a JSON object", ExitCode.USAGE)
    return value


_NOT_FOUND = (errors.WorkflowNotFound, errors.ScheduleNotFound, errors.NamespaceNotFound)


def _exit_code(exc: errors.DurableWorkflowError) -> ExitCode:
    if isinstance(exc, _NOT_FOUND) or (isinstance(exc, errors.ServerError) and exc.status_code == 404):
        return ExitCode.NOT_FOUND
    if isinstance(exc, errors.Unauthorized | errors.Forbidden):
        return ExitCode.AUTH
    if isinstance(exc, errors.TransportError | errors.ServerCompatibilityError):
        return ExitCode.SERVER
    if isinstance(exc, errors.ServerError) and exc.status_code >= 500:
        return ExitCode.SERVER
    return ExitCode.FAILED


def call(connection: Connection, action: Callable[[Client], Awaitable[T]]) -> T:
    """Run ``action`` with a connected client; SDK errors become `CliError` with their exit code."""

    async def go() -> T:
        async with connection.client() as client:
            return await action(client)

    try:
        return asyncio.run(go())
    except errors.TransportError as exc:
        raise CliError(f"cannot reach {connection.server}: {exc}", ExitCode.SERVER) from exc
    except errors.DurableWorkflowError as exc:
        raise CliError(f"{type(exc).__name__}: {exc}", _exit_code(exc)) from exc
