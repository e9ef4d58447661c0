"""``durable-workflow replay PATH... --workflows MODULE``: replay recorded histories as a CI gate.

Exit status: 0 when every history replays, 1 when any does not (non-determinism, an unknown
workflow type, an unreadable file), 2 for usage errors (no history files, a module that does not
import).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from durable_workflow.errors import NonDeterminismError
from durable_workflow.testing._replay import ReplayHistory, load_histories, replay
from durable_workflow.workflow import get_definition

__all__ = ["add_replay_arguments", "add_replay_commands", "main", "run_replay"]


class UsageError(Exception):
    """Bad command-line input (exit status 2)."""


def add_replay_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="history JSON files or directories")
    parser.add_argument(
        "--workflows",
        "-w",
        action="append",
        default=[],
        metavar="MODULE",
        help="module (or module:Class) holding the @workflow.defn classes; repeatable",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="report failures only")


def add_replay_commands(commands: Any) -> None:
    """Register ``replay`` on the ``durable-workflow`` command line (an argparse sub-parsers object)."""
    parser = commands.add_parser(
        "replay",
        help="replay recorded workflow histories against the current code",
        description="Replay exported histories; exit 1 on any non-determinism.",
    )
    add_replay_arguments(parser)
    parser.set_defaults(func=run_replay)


def run_replay(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Replay every history named by ``args``; returns the exit status."""
    out, err = out or sys.stdout, err or sys.stderr
    try:
        registry = _load_workflows(args.workflows)
        files = _history_files(args.paths)
    except UsageError as exc:
        err.write(f"durable-workflow replay: {exc}\n")
        return 2
    failed = total = 0
    for path in files:
        for label, problem in _replay_file(path, registry):
            total += 1
            if problem is None:
                if not args.quiet:
                    out.write(f"ok    {label}\n")
            else:
                failed += 1
                out.write(f"FAIL  {label}\n{_indent(problem)}\n")
    out.write(f"replayed {total} histories: {total - failed} ok, {failed} failed\n")
    return 1 if failed else 0


def _replay_file(path: Path, registry: dict[str, type]) -> list[tuple[str, str | None]]:
    """(label, problem or None) for each history in the file (each case of a golden fixture)."""
    try:
        histories = load_histories(path)
    except (OSError, ValueError) as exc:
        return [(str(path), f"cannot read history: {exc}")]
    return [
        (f"{path}::{history.name}" if history.name else str(path), _replay_one(history, registry))
        for history in histories
    ]


def _replay_one(history: ReplayHistory, registry: dict[str, type]) -> str | None:
    if history.workflow_type is None:
        return "the history names no workflow type"
    cls = registry.get(history.workflow_type)
    if cls is None:
        known = ", ".join(sorted(registry)) or "none; pass --workflows MODULE"
        return f"no workflow registered for type {history.workflow_type!r} (known: {known})"
    try:
        replay(cls, history)
    except NonDeterminismError as exc:
        lines = [f"NonDeterminismError: {exc}"]
        if exc.site:
            lines.append(f"at: {exc.site}")
        lines.append(f"expected: {exc.expected}")
        lines.append(f"actual: {exc.actual}")
        return "\n".join(lines)
    except Exception as exc:
        return f"replay failed: {type(exc).__name__}: {exc}"
    return None


def _indent(text: str) -> str:
    return "\n".join(f"      {line}" for line in text.splitlines())


def _history_files(paths: Sequence[str]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*.json") if p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise UsageError(f"no such file or directory: {raw}")
    if not files:
        raise UsageError("no history files (*.json) found")
    return files


def _load_workflows(specs: Sequence[str]) -> dict[str, type]:
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())  # a console script does not put the project on sys.path
    registry: dict[str, type] = {}
    for spec in specs:
        module_name, _, attr = spec.partition(":")
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            raise UsageError(f"cannot import {module_name!r}: {type(exc).__name__}: {exc}") from exc
        if attr:
            if not hasattr(module, attr):
                raise UsageError(f"module {module_name!r} has no attribute {attr!r}")
            candidates = [getattr(module, attr)]
        else:
            candidates = list(vars(module).values())
        found = {name: value for value in candidates if (name := _workflow_name(value)) is not None}
        if attr and not found:
            raise UsageError(f"{spec!r} is not a @workflow.defn class")
        registry.update(found)
    return registry


def _workflow_name(value: Any) -> str | None:
    if not isinstance(value, type):
        return None
    try:
        return get_definition(value).name
    except (TypeError, ValueError):
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``replay PATH... [--workflows MODULE]``; a leading ``replay`` word in ``argv`` is optional.

    Backs ``python -m durable_workflow.testing replay ...`` and ``durable-workflow replay ...``.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["replay"]:
        args = args[1:]
    parser = argparse.ArgumentParser(
        prog="durable-workflow replay",
        description="Replay exported workflow histories against the current code; exit 1 on any failure.",
    )
    add_replay_arguments(parser)
    return run_replay(parser.parse_args(args))
