"""How the SDK picks a generation from ``GET /api/cluster/info``."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from durable_workflow import Client
from durable_workflow.client._negotiation import pick_generation
from durable_workflow.payloads import framing_of


@pytest.mark.parametrize(
    ("advertised", "name", "header", "encoding"),
    [
        ("1.20", "current", "1.20", "value-v1"),
        ("1.19", "current", "1.19", "value-v1"),
        ("1.13", "current", "1.13", "value-v1"),  # PHP SDK-era servers: Value v1 only
        ("1.25", "current", "1.20", "value-v1"),  # newer server: we speak our newest
        ("1.1", "seed", "1.1", "wrapper"),
        ("1.0", "seed", "1.0", "wrapper"),
        (None, "seed", "1.1", "wrapper"),
        ("two", "seed", "1.1", "wrapper"),
        ("2.0", "seed", "1.1", "wrapper"),
    ],
)
def test_pick_generation(advertised: Any, name: str, header: str, encoding: str) -> None:
    info = {"worker_protocol": {"version": advertised}} if advertised is not None else {}
    generation = pick_generation(info)
    assert (generation.name, generation.worker_protocol, generation.encoding) == (name, header, encoding)


def _server(version: str | None, seen: list[httpx.Request]) -> httpx.MockTransport:
    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/api/cluster/info":
            if version is None:
                return httpx.Response(404, json={"reason": "not_found", "message": "no such route"})
            return httpx.Response(200, json={"worker_protocol": {"version": version}})
        return httpx.Response(201, json={"workflow_id": "w", "run_id": "r"})

    return httpx.MockTransport(answer)


@pytest.mark.parametrize(("version", "frame"), [("1.20", "value-v1"), ("1.1", "wrapper"), (None, "wrapper")])
async def test_auto_asks_once_and_writes_the_servers_frame(version: str | None, frame: str) -> None:
    seen: list[httpx.Request] = []
    async with Client("http://server", transport=_server(version, seen)) as client:
        await client.start_workflow("t", "q", "w1", ["x"])
        await client.start_workflow("t", "q", "w2", ["y"])
    paths = [r.url.path for r in seen]
    assert paths == ["/api/cluster/info", "/api/workflows", "/api/workflows"]

    assert framing_of(json.loads(seen[1].content)["input"]) == frame


@pytest.mark.parametrize("forced", ["wrapper", "value-v1"])
async def test_a_forced_encoding_writes_its_frame_without_asking(forced: Any) -> None:
    seen: list[httpx.Request] = []
    async with Client("http://server", transport=_server("1.20", seen), payload_encoding=forced) as client:
        await client.start_workflow("t", "q", "w1", ["x"])

    assert [r.url.path for r in seen] == ["/api/workflows"]
    assert framing_of(json.loads(seen[0].content)["input"]) == forced


def test_an_unknown_encoding_is_refused() -> None:
    with pytest.raises(ValueError, match="payload_encoding"):
        Client("http://server", payload_encoding="json")  # type: ignore[arg-type]
