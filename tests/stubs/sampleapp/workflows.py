"""Worker code the stub generator reads: one workflow with every handler kind, and activities.

Types defined here are worker-side, so the stubs must regenerate them instead of importing this module.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import NotRequired, TypedDict

from durable_workflow import activity, workflow
from durable_workflow.workflow import WorkflowContext

from .payloads import Priority, Ticket


class Stage(Enum):
    OPEN = 1
    CLOSED = 2


class Assignee(BaseModel):
    """Who works on a ticket."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str
    email: str | None = Field(default=None, alias="mail")
    load: int = Field(default=0, ge=0)


@dataclass(frozen=True)
class Comment:
    author: Assignee
    text: str
    stage: Stage = Stage.OPEN
    likes: list[str] = field(default_factory=list)


class Summary(TypedDict):
    ticket_id: str
    comments: int
    closed_by: NotRequired[str]


@activity.defn(name="notify")
async def notify(ticket: Ticket, who: Assignee, *extra: str) -> dict[str, Any]:
    return {"ticket": ticket.ticket_id, "who": who.name, "extra": list(extra)}


@workflow.defn(name="ticket-triage")
class TriageWorkflow:
    """Triage one ticket until someone closes it."""

    def __init__(self) -> None:
        self.comments: list[Comment] = []
        self.closed_by: str | None = None

    @workflow.signal("comment")
    def comment(self, comment: Comment) -> None:
        self.comments.append(comment)

    @workflow.signal("close")
    def close(self, by: str, reason: Literal["done", "duplicate"] = "done") -> None:
        self.closed_by = by

    @workflow.query("comments")
    def list_comments(self, limit: int = 10) -> list[Comment]:
        return self.comments[:limit]

    @workflow.update("reprioritise")
    def reprioritise(self, priority: Priority) -> tuple[Priority, int]:
        return priority, len(self.comments)

    def run(
        self, ctx: WorkflowContext, ticket: Ticket, assignee: Assignee | None = None
    ) -> Generator[Any, Any, Summary]:
        yield ctx.wait_condition(lambda: self.closed_by is not None)
        summary: Summary = {"ticket_id": ticket.ticket_id, "comments": len(self.comments)}
        if self.closed_by:
            summary["closed_by"] = self.closed_by
        return summary
