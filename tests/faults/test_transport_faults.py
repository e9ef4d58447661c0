"""Transport faults between the SDK and the server (drops, resets, injected 5xx on ~20 % of requests).

Everything (client, worker) goes through `FaultProxy`; the checks read histories directly from the
server. A start whose answer was lost is retried and recognised as our own start; a completion
whose answer was lost is retried and refused as stale; leases recover tasks whose poll answer was
lost. Signals have no idempotency key on this wire, so a lost answer means a duplicated signal.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest

from durable_workflow import Client, TransportRetryPolicy, Worker
from durable_workflow.payloads import DEFAULT_CONVERTER
from durable_workflow.server import DevServer
from tests.faults._proxy import FAULTS, FaultProxy, Script
from tests.faults._support import event_counts, history
from tests.faults._workflows import TwoStep, WaitsForSignal, expected, greet, shout

RETRY = TransportRetryPolicy(max_attempts=12, initial_backoff_seconds=0.01, maximum_backoff_seconds=0.05)


@dataclass
class Faulty:
    server: DevServer
    proxy: FaultProxy
    client: Client
    direct: httpx.AsyncClient


@asynccontextmanager
async def faulty(seed: int, rate: float = 0.2, script: Script | None = None) -> AsyncIterator[Faulty]:
    async with (
        DevServer(port=0, workflow_task_lease_seconds=1.0, activity_lease_seconds=1.0) as server,
        FaultProxy(server.port, rate=rate, seed=seed, script=script) as proxy,
        Client(proxy.base_url, retry_policy=RETRY, timeout=5) as client,
        httpx.AsyncClient(base_url=server.base_url) as direct,
    ):
        worker = Worker(
            client,
            task_queue="flaky",
            workflows=[TwoStep, WaitsForSignal],
            activities=[greet, shout],
            poll_timeout=1,
            shutdown_timeout=1,
            max_concurrent_workflow_tasks=8,
            max_concurrent_activity_tasks=8,
        )
        async with worker:
            yield Faulty(server, proxy, client, direct)


def _assert_all_fault_kinds_happened(proxy: FaultProxy) -> None:
    assert set(proxy.faults) == set(FAULTS), proxy.faults
    assert 0.1 < sum(proxy.faults.values()) / proxy.requests < 0.3, (proxy.faults, proxy.requests)


@pytest.mark.slow
async def test_starts_and_completions_are_neither_lost_nor_duplicated() -> None:
    ids = [f"flaky-{i}" for i in range(16)]
    async with faulty(seed=11) as env:
        handles = await asyncio.gather(
            *(env.client.start_workflow("fault_two_step", "flaky", i, [i]) for i in ids)
        )
        results = await asyncio.wait_for(asyncio.gather(*(h.result() for h in handles)), 45)
        assert results == [expected(i) for i in ids]
        for workflow_id in ids:
            described, events = await history(env.direct, workflow_id)
            counts = event_counts(events)
            assert described["run_count"] == 1 and counts["StartAccepted"] == 1, (workflow_id, counts)
            assert counts["WorkflowCompleted"] == 1, (workflow_id, counts)
            assert counts["ActivityScheduled"] == 2 and counts["ActivityCompleted"] == 2, (
                workflow_id,
                counts,
            )
            completed = [e["payload"]["sequence"] for e in events if e["event_type"] == "ActivityCompleted"]
            assert len(set(completed)) == 2, (workflow_id, completed)
        _assert_all_fault_kinds_happened(env.proxy)


async def _signal_run(seed: int) -> list[tuple[str, list[object]]]:
    """Start 10 workflows that wait for two signals each; return the signals each history holds."""
    ids = [f"sig-{seed}-{i}" for i in range(10)]
    async with faulty(seed=seed) as env:
        for workflow_id in ids:
            await env.client.start_workflow("fault_waits_for_signal", "flaky", workflow_id, [2])
        for n in (1, 2):
            await asyncio.gather(*(env.client.signal_workflow(i, "add", [f"{i}/{n}"]) for i in ids))
        handles = [env.client.get_workflow_handle(i) for i in ids]
        await asyncio.wait_for(asyncio.gather(*(h.result() for h in handles)), 45)
        out = []
        for workflow_id in ids:
            described, events = await history(env.direct, workflow_id)
            counts = event_counts(events)
            assert described["run_count"] == 1 and counts["WorkflowCompleted"] == 1, (workflow_id, counts)
            signals = [
                DEFAULT_CONVERTER.decode(e["payload"]["arguments"])[0]
                for e in events
                if e["event_type"] == "SignalReceived"
            ]
            out.append((workflow_id, signals))
        _assert_all_fault_kinds_happened(env.proxy)
    return out


@pytest.mark.slow
async def test_signals_are_never_lost() -> None:
    """With random faults every signal sent is in the history, in order (duplicates aside: below)."""
    for workflow_id, signals in await _signal_run(seed=5):
        assert list(dict.fromkeys(signals)) == [f"{workflow_id}/1", f"{workflow_id}/2"], (
            workflow_id,
            signals,
        )


async def test_a_signal_whose_answer_is_lost_is_recorded_once() -> None:
    lost: list[str] = []

    def lose_first_signal_answer(method: str, path: str) -> str | None:
        if "/signal/" in path and not lost:
            lost.append(path)
            return "502_after"  # the server records the signal; the client sees a 502 and retries
        return None

    async with faulty(seed=1, rate=0.0, script=lose_first_signal_answer) as env:
        await env.client.start_workflow("fault_waits_for_signal", "flaky", "sig-once", [2])
        await env.client.signal_workflow("sig-once", "add", ["first"])
        await env.client.signal_workflow("sig-once", "add", ["second"])
        result = await env.client.get_workflow_handle("sig-once").result(timeout=15)
        _, events = await history(env.direct, "sig-once")
    assert lost, "the fault was not injected"
    signals = [
        DEFAULT_CONVERTER.decode(e["payload"]["arguments"])[0]
        for e in events
        if e["event_type"] == "SignalReceived"
    ]
    assert signals == ["first", "second"] and result["signals"] == ["first", "second"], (signals, result)
