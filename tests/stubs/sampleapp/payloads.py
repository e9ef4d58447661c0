"""Payload types in their own module, which client code may import (the stubs import them from here)."""

from __future__ import annotations

from enum import Enum

from pydantic import BaseModel, Field


class Priority(str, Enum):
    LOW = "low"
    HIGH = "high"


class Ticket(BaseModel):
    ticket_id: str
    title: str = Field(min_length=1)
    priority: Priority = Priority.LOW
    tags: list[str] = Field(default_factory=list)
