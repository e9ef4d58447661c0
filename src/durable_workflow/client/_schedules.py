"""Schedule operations of the client (filled in by the schedules work)."""

from __future__ import annotations


class ScheduleMixin:
    """Schedule methods of `Client`."""
