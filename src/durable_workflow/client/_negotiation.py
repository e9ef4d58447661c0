"""Which wire generation to speak with a server, decided from ``GET /api/cluster/info``.

Two generations exist. The *seed* generation (worker protocol ``1.0``/``1.1``) frames Avro
payloads in the generic wrapper; the *current* one (worker protocol ``1.2`` and newer, today
``1.19``/``1.20``) frames them as ``Value`` v1 and cannot read the wrapper at all. The SDK speaks
the newest generation both sides support: ``1.20`` at most.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from durable_workflow.payloads import Encoding

__all__ = ["CURRENT", "NEWEST_WORKER_PROTOCOL", "SEED", "WireGeneration", "pick_generation"]

#: The newest worker protocol this SDK speaks.
NEWEST_WORKER_PROTOCOL = (1, 20)
PayloadEncoding = Literal["auto", "wrapper", "value-v1"]


@dataclass(frozen=True)
class WireGeneration:
    """What the client speaks with one server.

    Attributes:
        name: ``"seed"`` (worker protocol 1.0/1.1, Avro generic wrapper) or ``"current"``
            (worker protocol 1.2 and newer, Avro ``Value`` v1).
        worker_protocol: the ``X-Durable-Workflow-Protocol-Version`` the SDK sends.
        encoding: the Avro frame a ``payload_encoding="auto"`` client writes.
        server_protocol: the worker protocol the server advertised (None if it said nothing usable).
    """

    __module__ = "durable_workflow"

    name: Literal["seed", "current"]
    worker_protocol: str
    encoding: Encoding
    server_protocol: str | None = None


SEED = WireGeneration("seed", "1.1", "wrapper")
CURRENT = WireGeneration("current", "1.20", "value-v1")


def parse_protocol(value: Any) -> tuple[int, int] | None:
    """``"1.20"`` → ``(1, 20)``; anything that is not ``major.minor`` digits → None."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    parts = str(value).strip().split(".")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def pick_generation(info: Any) -> WireGeneration:
    """The generation to speak with a server whose cluster info is ``info``.

    A server that advertises no usable worker protocol is taken to be of the seed generation,
    whose wrapper every older server reads.
    """
    protocol = info.get("worker_protocol") if isinstance(info, Mapping) else None
    raw = protocol.get("version") if isinstance(protocol, Mapping) else None
    parsed = parse_protocol(raw)
    advertised = None if raw is None else str(raw)
    if parsed is None or parsed[0] != NEWEST_WORKER_PROTOCOL[0] or parsed[1] <= 1:
        header = f"1.{parsed[1]}" if parsed is not None and parsed[0] == 1 else SEED.worker_protocol
        return WireGeneration("seed", header, "wrapper", advertised)
    minor = min(parsed[1], NEWEST_WORKER_PROTOCOL[1])
    return WireGeneration("current", f"1.{minor}", "value-v1", advertised)
