"""Correlation by order, for histories whose events carry no ``payload.sequence``.

Abbreviated and older histories (the upstream golden-history fixtures, for one) record steps
without a sequence: a replayer of that generation hands each resolution to the next step the code
yields, in history order. This module gives such events the sequence that rule implies, so the
replay engine can go on correlating by sequence. Events that carry a sequence keep it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

from durable_workflow.workflow._history import _ID_KEYS, _sequence, classify, event_type, payload_of

__all__ = ["with_order_sequences"]

#: Events that open a new step (the others of role "open" add to a step already opened).
_FIRST_OPEN = frozenset(
    {"ActivityScheduled", "TimerScheduled", "ChildWorkflowScheduled", "ConditionWaitOpened"}
)
_RESOLVING = frozenset({"completed", "failed", "timed_out"})


class _Numbering:
    def __init__(self) -> None:
        self.last = 0
        self.open: dict[str, deque[int]] = {}
        self.by_id: dict[tuple[str, str], int] = {}

    def _ids(self, kind: str, payload: Mapping[str, Any]) -> list[tuple[str, str]]:
        return [(kind, v) for k in _ID_KEYS.get(kind, ()) if isinstance(v := payload.get(k), str) and v]

    def known(self, kind: str, payload: Mapping[str, Any]) -> int | None:
        return next((self.by_id[i] for i in self._ids(kind, payload) if i in self.by_id), None)

    def note(self, kind: str, role: str, et: str, payload: Mapping[str, Any], seq: int) -> None:
        self.last = max(self.last, seq)
        for key in self._ids(kind, payload):
            self.by_id[key] = seq
        pending = self.open.setdefault(kind, deque())
        if et in _FIRST_OPEN and seq not in pending:
            pending.append(seq)
        elif (role in _RESOLVING or et == "ConditionWaitSatisfied") and seq in pending:
            pending.remove(seq)

    def assign(self, kind: str, role: str, et: str, payload: Mapping[str, Any]) -> int | None:
        known = self.known(kind, payload)
        if known is not None:
            return known
        pending = self.open.get(kind) or deque()
        if et in _FIRST_OPEN:
            return self.last + 1
        if pending:
            return pending[0]
        if role in _RESOLVING:  # a resolution whose opening the history leaves out
            return self.last + 1
        return None


def with_order_sequences(events: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The events, with ``payload.sequence`` filled in by order where a step event has none."""
    numbering = _Numbering()
    out: list[Mapping[str, Any]] = []
    for event in events:
        c = classify(event)
        payload = payload_of(event)
        et = event_type(event)
        if c.kind is None or c.role in ("receiver", "none"):
            out.append(event)
            continue
        seq = _sequence(payload)
        if seq is None:
            seq = numbering.assign(c.kind, c.role, et, payload)
            if seq is not None:
                event = {**event, "payload": {**payload, "sequence": seq}}
        if seq is not None:
            numbering.note(c.kind, c.role, et, payload, seq)
        out.append(event)
    return out
