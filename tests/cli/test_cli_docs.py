"""The session transcripts of docs/cli.md are real: each ``$ durable-workflow ...`` line runs.

The page's ```python blocks define the workflows; a worker serves them on task queue ``default``
of a fresh dev server, and every ```console block runs in order. Output must match what the page
shows, where ``...`` stands for anything (ids, times) and runs of spaces count as one.
``$ echo $?`` prints the exit status of the command before it.
"""

from __future__ import annotations

import doctest
import re
import shlex
import types
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from durable_workflow import activity, workflow
from durable_workflow.cli._app import cli
from tests._live import live_server
from tests.test_docs import python_blocks

PAGE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
CONSOLE = re.compile(r"^```console\n(.*?)^```", re.S | re.M)
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def steps(page: Path) -> list[tuple[str, str]]:
    """(command, expected output) pairs of every console block, in page order."""
    found: list[tuple[str, str]] = []
    for block in CONSOLE.findall(page.read_text(encoding="utf-8")):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, _, output = chunk.partition("\n")
            found.append((command, output))
    return found


def definitions(page: Path) -> tuple[list[type], list[Any]]:
    module = types.ModuleType("docs_cli")
    for source in python_blocks(page):
        exec(compile(source, f"{page.name}", "exec"), module.__dict__)
    workflows, activities = [], []
    for value in vars(module).values():
        if isinstance(value, type) and _defines(workflow.get_definition, value):
            workflows.append(value)
        elif callable(value) and not isinstance(value, type) and _defines(activity.get_definition, value):
            activities.append(value)
    return workflows, activities


def _defines(get_definition: Any, value: Any) -> bool:
    try:
        get_definition(value)
    except (TypeError, ValueError):
        return False
    return True


def test_the_transcript_on_the_cli_page_is_what_the_cli_prints() -> None:
    workflows, activities = definitions(PAGE)
    assert workflows and activities
    checker = doctest.OutputChecker()
    with live_server(task_queue="default", workflows=workflows, activities=activities) as server:
        env = {"DURABLE_WORKFLOW_SERVER_URL": server.url, "COLUMNS": "100"}
        status = 0
        for command, expected in steps(PAGE):
            if command == "echo $?":
                got = f"{status}\n"
            else:
                argv = shlex.split(command)
                assert argv[0] == "durable-workflow", command
                result = CliRunner().invoke(cli, argv[1:], env=env)
                status, got = result.exit_code, result.stdout + result.stderr
            assert checker.check_output(expected, got, FLAGS), (
                f"$ {command}\nexpected:\n{expected}\ngot:\n{got}"
            )
