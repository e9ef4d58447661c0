"""The workflow-task commands the server understands: one table for validation, dispatch and discovery.

`normalise_commands` accepts exactly these kinds, `Commands` has one ``_cmd_<kind>`` handler
per kind (checked when the module loads) and `server_capabilities` advertises `ADVERTISED`, so the
three can never drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["ADVERTISED", "BLOCKING", "COMMANDS", "KNOWN", "TERMINAL_COMMANDS", "CommandKind", "CommandSpec"]

CommandKind = Literal[
    "complete_workflow",
    "fail_workflow",
    "continue_as_new",
    "schedule_activity",
    "start_timer",
    "start_child_workflow",
    "complete_update",
    "fail_update",
    "record_side_effect",
    "record_version_marker",
    "upsert_search_attributes",
    "open_condition_wait",
]


@dataclass(frozen=True)
class CommandSpec:
    """How one command kind behaves: closes the run, opens a blocking step, is advertised."""

    kind: CommandKind
    terminal: bool = False
    blocking: bool = False
    advertised: bool = True


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("complete_workflow", terminal=True),
    CommandSpec("fail_workflow", terminal=True),
    CommandSpec("continue_as_new", terminal=True),
    CommandSpec("schedule_activity", blocking=True),
    CommandSpec("start_timer", blocking=True),
    CommandSpec("start_child_workflow", blocking=True),
    CommandSpec("complete_update"),
    CommandSpec("fail_update"),
    CommandSpec("record_side_effect"),
    CommandSpec("record_version_marker"),
    CommandSpec("upsert_search_attributes"),
    # Accepted from SDKs that send it; the seed generation's discovery list does not name it.
    CommandSpec("open_condition_wait", advertised=False),
)
KNOWN = frozenset(c.kind for c in COMMANDS)
TERMINAL_COMMANDS = frozenset(c.kind for c in COMMANDS if c.terminal)
BLOCKING = frozenset(c.kind for c in COMMANDS if c.blocking)
ADVERTISED: tuple[str, ...] = tuple(c.kind for c in COMMANDS if c.advertised)
