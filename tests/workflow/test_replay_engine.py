"""The replay engine on synthetic histories: correlation, fan-out, signals, no re-emission, caching."""

from __future__ import annotations

import logging
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from durable_workflow import workflow
from durable_workflow.errors import ActivityFailed, NonDeterminismError
from durable_workflow.payloads import DataConverter
from durable_workflow.workflow import WorkflowCache, WorkflowContext, WorkflowInfo, run_workflow_task
from tests.workflow._histories import START, History, decode

CONVERTER = DataConverter()


def replay(cls: type, history: History, *args: Any) -> list[dict[str, Any]]:
    return workflow.replay_commands(cls, list(args), history.events, task_queue="q")


def types_of(commands: list[dict[str, Any]]) -> list[str]:
    return [c["type"] for c in commands]


@workflow.defn(name="greeter")
class Greeter:
    def run(self, ctx: WorkflowContext, *args: Any) -> Generator[Any, Any, Any]:
        result = yield ctx.schedule_activity("greet", list(args))
        return result


def test_greeter_schedules_then_completes() -> None:
    h = History()
    assert replay(Greeter, h, "Ada") == [
        {
            "type": "schedule_activity",
            "activity_type": "greet",
            "queue": "q",
            "arguments": {"codec": "avro", "blob": "AA5bIkFkYSJdAg=="},
        }
    ]
    seq = h.schedule("greet")
    assert replay(Greeter, h, "Ada") == []  # outstanding: never emitted again
    h.complete(seq, {"greeting": "Hello, Ada!"})
    [done] = replay(Greeter, h, "Ada")
    assert done["type"] == "complete_workflow"
    assert decode(done["result"]) == {"greeting": "Hello, Ada!"}


@workflow.defn(name="fan-out")
class FanOut:
    def run(self, ctx: WorkflowContext, items: list[str]) -> Generator[Any, Any, Any]:
        results = yield [ctx.schedule_activity("process", [item]) for item in items]
        return results


def test_fan_out_results_arrive_in_yielded_order_whatever_the_completion_order() -> None:
    h = History()
    assert types_of(replay(FanOut, h, ["a", "b", "c"])) == ["schedule_activity"] * 3
    seqs = [h.schedule("process") for _ in range(3)]
    h.complete(seqs[2], "C")
    assert replay(FanOut, h, ["a", "b", "c"]) == []  # partial batch: nothing re-emitted
    h.complete(seqs[0], "A")
    h.complete(seqs[1], "B")
    [done] = replay(FanOut, h, ["a", "b", "c"])
    assert decode(done["result"]) == ["A", "B", "C"]


def test_correlation_uses_payload_sequence_not_event_positions() -> None:
    h = History()
    h.step = 10  # step sequences with gaps, as a server using history sequences would assign
    first = h.schedule("process")
    h.step = 17
    second = h.schedule("process")
    h.complete(second, "second")
    h.complete(first, "first")
    [done] = replay(FanOut, h, ["x", "y"])
    assert decode(done["result"]) == ["first", "second"]


@workflow.defn(name="gather")
class Gather:
    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
        timer, number = yield from ctx.gather(ctx.sleep(5), ctx.schedule_activity("n", []))
        return [timer, number]


def test_gather_returns_a_tuple_in_order() -> None:
    h = History()
    assert types_of(replay(Gather, h)) == ["start_timer", "schedule_activity"]
    t, a = h.timer(5), h.schedule("n")
    h.complete(a, 7)
    h.fire(t)
    [done] = replay(Gather, h)
    assert decode(done["result"]) == [None, 7]


@workflow.defn(name="signalled")
class Signalled:
    def __init__(self) -> None:
        self.messages: list[str] = []

    @workflow.signal("note")
    def note(self, text: str) -> None:
        self.messages.append(text)

    @workflow.query("messages")
    def get_messages(self) -> list[str]:
        return self.messages

    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
        yield ctx.schedule_activity("slow", [])
        seen = list(self.messages)
        yield ctx.sleep(1)
        return {"seen_after_activity": seen, "final": self.messages}


def test_signal_during_an_activity_applies_without_re_emitting_the_activity() -> None:
    h = History()
    seq = h.schedule("slow")
    h.signal("note", "during")
    assert replay(Signalled, h) == []
    h.complete(seq, None)
    assert types_of(replay(Signalled, h)) == ["start_timer"]
    t = h.timer(1)
    h.signal("note", "later")
    h.fire(t)
    [done] = replay(Signalled, h)
    assert decode(done["result"]) == {"seen_after_activity": ["during"], "final": ["during", "later"]}


def test_signals_with_bad_arguments_or_no_handler_are_ignored() -> None:
    h = History()
    seq = h.schedule("slow")
    h.signal("unknown", 1)
    h.signal("note")  # missing argument
    h.signal("note", "ok")
    h.complete(seq, None)
    t = h.timer(1)
    h.fire(t)
    [done] = replay(Signalled, h)
    assert decode(done["result"])["final"] == ["ok"]


@workflow.defn(name="approval")
class Approval:
    def __init__(self) -> None:
        self.approvals = 0

    @workflow.signal("approve")
    def approve(self) -> None:
        self.approvals += 1

    def run(self, ctx: WorkflowContext, needed: int) -> Generator[Any, Any, Any]:
        ok = yield ctx.wait_condition(lambda: self.approvals >= needed, timeout=60, key="approved")
        return {"ok": ok, "approvals": self.approvals}


def test_condition_wait_is_reopened_as_a_new_step_while_false_and_resumes_when_true() -> None:
    h = History()
    [opened] = replay(Approval, h, 2)
    assert opened == {
        "type": "open_condition_wait",
        "condition_key": "approved",
        "condition_definition_fingerprint": opened["condition_definition_fingerprint"],
        "timeout_seconds": 60,
    }
    assert opened["condition_definition_fingerprint"].startswith("sha256:")
    h.wait_opened("approved", timeout=60)
    h.signal("approve")
    # The server settles an open wait on every completion: a wake that leaves the condition
    # false re-opens it (a new step) with what is left of the timeout.
    [again] = replay(Approval, h, 2)
    assert again["type"] == "open_condition_wait" and again["timeout_seconds"] == 55  # 5 s of history passed
    assert workflow.replay_commands(Approval, [2], h.events, reopen_waits=False) == []
    h.wait_opened("approved", timeout=55)
    assert replay(Approval, h, 2)[0]["timeout_seconds"] == 53  # still false: re-opened again
    h.signal("approve")
    [done] = replay(Approval, h, 2)
    assert decode(done["result"]) == {"ok": True, "approvals": 2}


def test_signal_recorded_while_a_reopen_was_being_decided_applies_after_the_reopen() -> None:
    h = History()
    h.wait_opened("approved", timeout=60)
    h.signal("approve")  # the wake the worker saw: still false, so it re-opened the wait...
    h.signal("approve")  # ...while this one arrived during its lease
    h.wait_opened("approved", timeout=57)
    [done] = replay(Approval, h, 2)
    assert decode(done["result"]) == {"ok": True, "approvals": 2}


def test_condition_wait_times_out() -> None:
    h = History()
    seq = h.wait_opened("approved", timeout=60)
    h.signal("approve")
    h.wait_timed_out(seq)
    [done] = replay(Approval, h, 2)
    assert decode(done["result"]) == {"ok": False, "approvals": 1}


def test_condition_already_true_emits_nothing() -> None:
    [done] = replay(Approval, History(), 0)
    assert decode(done["result"]) == {"ok": True, "approvals": 0}


@workflow.defn(name="changing")
class Changing:
    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
        yield ctx.schedule_activity("a", [])
        yield ctx.schedule_activity("b-renamed", [])  # NONDETERMINISM_SITE
        return None


def test_nondeterminism_names_type_site_expected_and_actual() -> None:
    h = History()
    h.complete(h.schedule("a"), None)
    h.schedule("b")
    with pytest.raises(NonDeterminismError) as info:
        replay(Changing, h)
    err = info.value
    assert err.workflow_type == "changing"
    lines = Path(__file__).read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if "# NONDETERMINISM_SITE" in text)
    assert err.site == f"{__file__}:{line}"
    assert err.expected == "activity 'b'" and err.actual == "activity 'b-renamed'"
    assert f"{__file__}:{line}" in str(err) and "'changing'" in str(err)


def test_code_that_finishes_early_is_nondeterministic() -> None:
    h = History()
    seq = h.schedule("greet")
    h.complete(seq, "x")
    h.timer(5)
    with pytest.raises(NonDeterminismError, match="more step"):
        replay(Greeter, h)


@workflow.defn(name="failing")
class Failing:
    def run(self, ctx: WorkflowContext, catch: bool) -> Generator[Any, Any, Any]:
        try:
            yield ctx.schedule_activity("boom", [])
        except ActivityFailed as exc:
            if not catch:
                raise
            return {"caught": exc.message, "type": exc.exception_type}
        return None


def test_activity_failure_is_thrown_into_the_code() -> None:
    h = History()
    h.fail(h.schedule("boom"), "it broke")
    [done] = replay(Failing, h, True)
    assert decode(done["result"]) == {"caught": "it broke", "type": "ValueError"}
    [failed] = replay(Failing, h, False)
    assert failed == {
        "type": "fail_workflow",
        "message": "it broke",
        "exception_type": "ValueError",
        "exception_class": "builtins.ValueError",
        "exception": {"type": "ValueError", "class": "builtins.ValueError", "message": "it broke"},
    }


def test_fan_out_failure_is_thrown_at_once() -> None:
    h = History()
    seqs = [h.schedule("process") for _ in range(2)]
    h.fail(seqs[1], "second failed")
    [failed] = replay(FanOut, h, ["a", "b"])
    assert failed["type"] == "fail_workflow" and failed["message"] == "second failed"


@workflow.defn(name="effects")
class Effects:
    calls = 0

    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
        def roll() -> int:
            Effects.calls += 1
            return 42

        value = yield ctx.side_effect(roll)
        version = yield ctx.get_version("new-step", 1, 2)
        yield ctx.upsert_search_attributes({"stage": "done"})
        yield ctx.sleep(1.5)
        return {"value": value, "version": version}


def test_side_effect_version_and_upsert_are_recorded_once() -> None:
    h = History()
    Effects.calls = 0
    commands = replay(Effects, h)
    assert Effects.calls == 1
    assert commands == [
        {"type": "record_side_effect", "result": CONVERTER.encode_blob(42)},
        {
            "type": "record_version_marker",
            "change_id": "new-step",
            "version": 2,
            "min_supported": 1,
            "max_supported": 2,
        },
        {"type": "upsert_search_attributes", "attributes": {"stage": "done"}},
        {"type": "start_timer", "delay_seconds": 2},
    ]
    h.side_effect(41)  # what history recorded wins over a new call
    h.version("new-step", 2)
    h.step += 1
    h.event("SearchAttributesUpserted", sequence=h.step, attributes={"stage": "done"})
    h.fire(h.timer(2))
    [done] = replay(Effects, h)
    assert Effects.calls == 1
    assert decode(done["result"]) == {"value": 41, "version": 2}


def test_get_version_gives_min_supported_to_runs_that_passed_the_change_point() -> None:
    h = History()
    h.side_effect(1)
    h.step += 1
    h.event("SearchAttributesUpserted", sequence=h.step, attributes={"stage": "done"})
    h.fire(h.timer(2))
    [done] = replay(Effects, h)
    assert decode(done["result"]) == {"value": 1, "version": 1}


@workflow.defn(name="clock")
class Clock:
    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
        started = ctx.now()
        numbers = [ctx.random().randint(0, 10**9) for _ in range(3)]
        ident = str(ctx.uuid4())
        yield ctx.sleep(10)
        return {
            "started": started.isoformat(),
            "woke": ctx.now().isoformat(),
            "numbers": numbers,
            "id": ident,
        }


def test_now_random_and_uuid_are_deterministic() -> None:
    h = History()
    h.fire(h.timer(10))
    fired_at = h.events[-1]["recorded_at"]
    first = decode(replay(Clock, h)[0]["result"])
    assert first == decode(replay(Clock, h)[0]["result"])
    assert first["started"] == START.isoformat()
    assert first["woke"].replace("+00:00", "Z") == fired_at
    other = workflow.replay_commands(Clock, [], h.events, run_id="another-run")
    assert decode(other[0]["result"])["numbers"] != first["numbers"]


@workflow.defn(name="logging")
class Logging:
    def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
        ctx.logger.info("before activity")
        yield ctx.schedule_activity("a", [])
        ctx.logger.info("after activity")
        return None


def test_logger_is_silent_during_replay(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="durable_workflow.workflow.replay")
    h = History()
    replay(Logging, h)
    assert [r.getMessage() for r in caplog.records] == ["before activity"]
    caplog.clear()
    h.complete(h.schedule("a"), None)
    replay(Logging, h)
    assert [r.getMessage() for r in caplog.records] == ["after activity"]


@workflow.defn(name="polling")
class Polling:
    def run(self, ctx: WorkflowContext, iteration: int = 0) -> Generator[Any, Any, Any]:
        yield ctx.sleep(1)
        if iteration % 2:
            return ctx.continue_as_new(iteration + 1, task_queue="other")
        return workflow.ContinueAsNew(arguments=[iteration + 1])


def test_continue_as_new_shapes() -> None:
    h = History()
    h.fire(h.timer(1))
    assert replay(Polling, h, 0) == [
        {"type": "continue_as_new", "queue": "q", "arguments": CONVERTER.envelope([1])}
    ]
    assert replay(Polling, h, 1) == [
        {"type": "continue_as_new", "queue": "other", "arguments": CONVERTER.envelope([2])}
    ]


@dataclass
class Receipt:
    order_id: str
    cents: int


@workflow.defn(name="typed")
class TypedResults:
    def run(self, ctx: WorkflowContext, order_id: str) -> Generator[Any, Any, Any]:
        receipt = yield ctx.start_child_workflow("child", [order_id], parent_close_policy="terminate")
        typed = yield from ctx.side_effect(lambda: Receipt(order_id, 5), result_type=Receipt)
        return {"child": receipt, "typed_is_receipt": isinstance(typed, Receipt)}


def test_child_workflow_command_and_typed_side_effect() -> None:
    h = History()
    assert replay(TypedResults, h, "o-1") == [
        {
            "type": "start_child_workflow",
            "workflow_type": "child",
            "queue": "q",
            "parent_close_policy": "terminate",
            "arguments": CONVERTER.envelope(["o-1"]),
        }
    ]
    h.child_completed(h.child("child"), {"ok": True})
    commands = replay(TypedResults, h, "o-1")
    assert types_of(commands) == ["record_side_effect", "complete_workflow"]
    assert decode(commands[1]["result"]) == {"child": {"ok": True}, "typed_is_receipt": True}
    # A replay rebuilds the recorded JSON into the declared type too.
    h.side_effect({"order_id": "o-1", "cents": 5})
    commands = replay(TypedResults, h, "o-1")
    assert types_of(commands) == ["complete_workflow"]
    assert decode(commands[0]["result"]) == {"child": {"ok": True}, "typed_is_receipt": True}


def test_untyped_side_effect_returning_a_non_json_value_is_refused() -> None:
    @workflow.defn(name="untyped_side_effect")
    class UntypedSideEffect:
        def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
            value = yield from ctx.side_effect(lambda: Receipt("o", 1))
            return value

    commands = replay(UntypedSideEffect, History())
    assert types_of(commands) == ["fail_workflow"]
    assert "pass result_type=Receipt" in commands[0]["message"]


def test_exceptions_in_workflow_code_fail_the_workflow() -> None:
    @workflow.defn(name="raises")
    class Raises:
        def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
            yield ctx.sleep(1)
            raise KeyError("missing")

    h = History()
    h.fire(h.timer(1))
    assert replay(Raises, h) == [
        {
            "type": "fail_workflow",
            "message": "'missing'",
            "exception_type": "KeyError",
            "exception_class": "builtins.KeyError",
        }
    ]


def test_yielding_something_else_raises_type_error_at_the_yield() -> None:
    @workflow.defn(name="bad-yield")
    class BadYield:
        def run(self, ctx: WorkflowContext) -> Generator[Any, Any, Any]:
            try:
                yield "not a command"
            except TypeError as exc:
                return str(exc)
            return None

    [done] = replay(BadYield, History())
    assert "yielded 'not a command'" in decode(done["result"])


def scenario() -> list[list[dict[str, Any]]]:
    """Successive histories of one run (each extends the previous), like consecutive tasks."""
    h = History("signalled")
    stages = [list(h.events)]
    seq = h.schedule("slow")
    h.signal("note", "one")
    stages.append(list(h.events))
    h.complete(seq, None)
    stages.append(list(h.events))
    t = h.timer(1)
    h.signal("note", "two")
    stages.append(list(h.events))
    h.fire(t)
    stages.append(list(h.events))
    return stages


def test_cache_resume_is_equivalent_to_full_replay() -> None:
    definition = workflow.get_definition(Signalled)
    info = WorkflowInfo("wf-1", "run-1", "signalled", "q")
    cache = WorkflowCache(10)
    for events in scenario():
        cached, from_cache = run_workflow_task(definition, info, [], events, converter=CONVERTER, cache=cache)
        _, full = run_workflow_task(definition, info, [], events, converter=CONVERTER)
        assert from_cache == full
        cache.put(info.run_id, cached)
    assert info.run_id not in cache  # finished runs leave the cache


def test_cache_falls_back_to_full_replay_on_a_different_prefix() -> None:
    definition = workflow.get_definition(Signalled)
    info = WorkflowInfo("wf-1", "run-1", "signalled", "q")
    cache = WorkflowCache(10)
    stages = scenario()
    instance, _ = run_workflow_task(definition, info, [], stages[1], converter=CONVERTER, cache=cache)
    cache.put(info.run_id, instance)
    altered = [dict(e) for e in stages[2]]
    last = len(stages[1]) - 1  # the last event the cached instance applied
    altered[last] = {**altered[last], "id": "something-else"}
    again, commands = run_workflow_task(definition, info, [], altered, converter=CONVERTER, cache=cache)
    assert again is not instance and types_of(commands) == ["start_timer"]


def test_cache_evicts_least_recently_used() -> None:
    definition = workflow.get_definition(Signalled)
    cache = WorkflowCache(2)
    for run in ("r1", "r2", "r3"):
        info = WorkflowInfo("wf", run, "signalled", "q")
        instance, _ = run_workflow_task(definition, info, [], scenario()[1], converter=CONVERTER)
        cache.put(run, instance)
    assert "r1" not in cache and "r2" in cache and "r3" in cache
