"""``durable-workflow stubs ...`` and ``durable-workflow replay ...``: argparse tools run as they are."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import click

__all__ = ["delegate"]


def delegate(name: str, help: str, target: str) -> click.Command:
    """A command whose arguments (``--help`` too) go untouched to ``target``'s ``main(argv)``."""

    @click.command(
        name,
        help=help,
        add_help_option=False,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )
    @click.argument("argv", nargs=-1, type=click.UNPROCESSED)
    def command(argv: tuple[str, ...]) -> None:
        module_name, _, func_name = target.partition(":")
        main: Callable[[list[str]], int] = getattr(importlib.import_module(module_name), func_name)
        try:
            status = main(list(argv))
        except SystemExit as exc:  # argparse's --help and usage errors
            status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
        raise click.exceptions.Exit(status)

    return command


stubs = delegate(
    "stubs",
    "Generate typed client stubs and JSON Schema contracts (stubs generate --help).",
    "durable_workflow.stubs:main",
)
replay = delegate(
    "replay",
    "Replay recorded workflow histories against the current code (replay --help).",
    "durable_workflow.testing._replay_cli:main",
)
