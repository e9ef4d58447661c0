"""Randomised runs against a miniature server: the cached instance and a full replay always agree.

The simulator follows the dev server's rules: one ``payload.sequence`` per step, blocking batches
wake the run only once every member resolved (in any order), signals are recorded at once and wake
the run only while it waits on a condition, and every completion settles an open condition wait.
"""

from __future__ import annotations

import functools
import operator
import random
from collections.abc import Callable, Generator
from typing import Any

import pytest

from durable_workflow import workflow
from durable_workflow.payloads import DataConverter
from durable_workflow.workflow import WorkflowCache, WorkflowContext, WorkflowInfo, run_workflow_task
from tests.workflow._histories import History

CONVERTER = DataConverter()


@workflow.defn(name="program")
class Program:
    """Runs a list of operations chosen by the test."""

    def __init__(self) -> None:
        self.signals: list[int] = []

    @workflow.signal("poke")
    def poke(self, value: int) -> None:
        self.signals.append(value)

    def signalled(self, needed: int) -> Callable[[], bool]:
        return lambda: len(self.signals) >= needed

    def run(self, ctx: WorkflowContext, program: list[list[Any]]) -> Generator[Any, Any, Any]:
        trace: list[Any] = []
        for op, arg in program:
            if op == "act":
                trace.append((yield ctx.schedule_activity("double", [arg])))
            elif op == "fan":
                trace.append((yield [ctx.schedule_activity("double", [i]) for i in range(arg)]))
            elif op == "timer":
                yield ctx.sleep(arg)
                trace.append("slept")
            elif op == "wait":
                trace.append((yield ctx.wait_condition(self.signalled(len(self.signals) + arg), timeout=30)))
            elif op == "side":
                trace.append((yield ctx.side_effect(functools.partial(operator.mul, arg, 10))))
            trace.append(list(self.signals))
        return trace


class MiniServer:
    """Applies commands to a `History` and decides what happens next, like the dev server."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.h = History("program")
        self.batch: dict[int, Any] = {}  # open blocking steps: sequence -> activity argument or None
        self.open_wait: int | None = None
        self.wait_identity: tuple[Any, Any] = (None, None)
        self.late_signal = False
        self.signal_count = 0
        self.done = False

    def complete(self, commands: list[dict[str, Any]]) -> None:
        if self.open_wait is not None:
            reopened = any(
                c["type"] == "open_condition_wait"
                and c.get("condition_key") == self.wait_identity[0]
                and c["condition_definition_fingerprint"] == self.wait_identity[1]
                for c in commands
            )
            if not reopened:
                self.h.event(
                    "ConditionWaitSatisfied",
                    sequence=self.open_wait,
                    condition_wait_id=f"cw-{self.open_wait}",
                )
            self.open_wait = None
        for command in commands:
            kind = command["type"]
            if kind == "schedule_activity":
                seq = self.h.schedule("double")
                self.batch[seq] = CONVERTER.decode(command["arguments"])[0]
            elif kind == "start_timer":
                self.batch[self.h.timer(command["delay_seconds"])] = None
            elif kind == "open_condition_wait":
                fingerprint = command["condition_definition_fingerprint"]
                self.open_wait = self.h.wait_opened(
                    command.get("condition_key"), timeout=30, fingerprint=fingerprint
                )
                self.wait_identity = (command.get("condition_key"), fingerprint)
            elif kind == "record_side_effect":
                self.h.step += 1
                self.h.event("SideEffectRecorded", sequence=self.h.step, result=command["result"])
            elif kind in ("complete_workflow", "fail_workflow"):
                self.done = True

    def signal_during_lease(self) -> None:
        """A signal recorded after the worker read the history, before its completion."""
        self.signal_count += 1
        self.h.signal("poke", self.signal_count)
        self.late_signal = True

    def next_wake(self) -> None:
        if self.late_signal and self.open_wait is not None and not self.batch:
            self.late_signal = False
            return  # the server wakes the run again for the signal that arrived during the lease
        self.late_signal = False
        """Let things happen until the run has a reason to wake."""
        while True:
            if self.rng.random() < 0.3:
                self.signal_count += 1
                self.h.signal("poke", self.signal_count)
                if not self.batch and self.open_wait is not None:
                    return
                continue
            if self.batch:
                seq = self.rng.choice(sorted(self.batch))
                value = self.batch.pop(seq)
                if value is None:
                    self.h.fire(seq)
                else:
                    self.h.complete(seq, value * 2)
                if not self.batch:
                    return
            elif self.open_wait is not None and self.rng.random() < 0.2:
                self.h.wait_timed_out(self.open_wait)
                return


def random_program(rng: random.Random) -> list[list[Any]]:
    ops = []
    for _ in range(rng.randint(1, 7)):
        op = rng.choice(["act", "fan", "timer", "wait", "side"])
        arg = {"act": rng.randint(1, 9), "fan": rng.randint(1, 4), "timer": 1, "wait": rng.randint(1, 2)}.get(
            op, 3
        )
        ops.append([op, arg])
    return ops


@pytest.mark.parametrize("seed", range(60))
def test_cached_and_full_replay_agree_on_random_runs(seed: int) -> None:
    rng = random.Random(seed)
    program = random_program(rng)
    server = MiniServer(rng)
    definition = workflow.get_definition(Program)
    info = WorkflowInfo("wf", "run", "program", "q")
    cache = WorkflowCache(4)
    for _ in range(200):
        events = list(server.h.events)
        instance, cached = run_workflow_task(
            definition, info, [program], events, converter=CONVERTER, cache=cache
        )
        cache.put(info.run_id, instance)
        _, full = run_workflow_task(definition, info, [program], events, converter=CONVERTER)
        assert cached == full, f"seed {seed}: program {program}"
        assert cached, f"seed {seed}: a wake produced no commands"
        if rng.random() < 0.2:
            server.signal_during_lease()
        server.complete(cached)
        if server.done:
            break
        server.next_wake()
    assert server.done, f"seed {seed}: the run did not finish"
    assert cache.replayed == 0
    terminal = cached[-1]
    assert terminal["type"] == "complete_workflow", terminal
    trace = CONVERTER.decode(terminal["result"])
    results, seen_signals = trace[0::2], trace[1::2]
    for (op, arg), result in zip(program, results, strict=True):
        expected = {"act": 2 * arg, "fan": [2 * i for i in range(arg)], "timer": "slept", "side": arg * 10}
        if op == "wait":
            assert isinstance(result, bool)
        else:
            assert result == expected[op]
    assert all(seen == list(range(1, len(seen) + 1)) for seen in seen_signals)  # in order, none lost
