"""Which Avro frame a run uses, so the worker answers every run in the framing it was started in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from durable_workflow.payloads._codec import DataConverter, Encoding, framing_of

__all__ = ["run_converter", "run_framing"]

#: Event payload keys that hold payload blobs, most telling first.
_BLOB_KEYS = ("arguments", "result", "output", "input")


def run_framing(arguments: Any, history: Iterable[Mapping[str, Any]] | None = None) -> Encoding | None:
    """The frame of a run's start input, else of the first payload its history carries."""
    found = framing_of(arguments)
    if found is not None:
        return found
    for event in history or ():
        payload = event.get("payload") if isinstance(event, Mapping) else None
        if not isinstance(payload, Mapping):
            continue
        for key in _BLOB_KEYS:
            found = framing_of(payload.get(key))
            if found is not None:
                return found
    return None


def run_converter(
    converter: DataConverter, arguments: Any, history: Iterable[Mapping[str, Any]] | None = None
) -> DataConverter:
    """``converter``, writing the run's framing when the run shows one.

    A run started by a seed-era SDK carries wrapper blobs and one started by a current SDK carries
    ``Value`` v1 blobs; a run whose frame cannot be told keeps the worker's negotiated one.
    """
    return converter.with_encoding(run_framing(arguments, history))
