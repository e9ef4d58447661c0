"""The sans-I/O replay engine: one workflow instance stepped through its history.

`WorkflowInstance` owns the workflow object and its generator. `apply(events)` walks history
events in order: a resolution event resolves its step (correlated by ``payload.sequence``) and,
once everything the code waits for is resolved, the generator resumes; signal and update
receivers run at their position. The state after a history prefix depends only on that prefix,
so a cached instance resumed with the next events is equivalent to a full replay.

Commands the code yields for steps history has not recorded yet are collected as new wire
commands; steps already recorded (resolved or not) are never emitted again.
"""

from __future__ import annotations

import inspect
import logging
import math
import types
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from durable_workflow.errors import NonDeterminismError, PayloadError, ReplayError
from durable_workflow.payloads import DataConverter, is_untyped
from durable_workflow.workflow._commands import (
    ActivityCommand,
    ChildWorkflowCommand,
    Command,
    ContinueAsNew,
    ContinueAsNewRequested,
    GatherCommand,
    SideEffectCommand,
    TimerCommand,
    VersionCommand,
    WaitConditionCommand,
)
from durable_workflow.workflow._context import WorkflowContext, WorkflowInfo
from durable_workflow.workflow._convert import decode_args, from_json_compatible, to_json_compatible
from durable_workflow.workflow._definition import WorkflowDefinition
from durable_workflow.workflow._diagnostics import matches, nondeterminism, yield_site
from durable_workflow.workflow._failures import activity_failure, child_failure, fail_workflow_command
from durable_workflow.workflow._history import Step, StepTable, classify, event_time, event_type, payload_of

__all__ = ["CacheMismatch", "WorkflowInstance"]

logger = logging.getLogger("durable_workflow.workflow.replay")

_BLOCKING = (ActivityCommand, TimerCommand, ChildWorkflowCommand)


class CacheMismatch(ReplayError):
    """A cached instance cannot continue with this history; replay from scratch instead."""


@dataclass
class _Encoder:
    converter: DataConverter
    task_queue: str

    def envelope(self, value: Any) -> dict[str, str]:
        return self.converter.envelope(value)

    def encode_blob(self, value: Any) -> str:
        return self.converter.encode_blob(value)


@dataclass
class _Waiting:
    """What the suspended generator is waiting for."""

    indices: list[int]
    commands: list[Command[Any]]
    batch: bool  # a list yield: send a list back
    as_tuple: bool = False
    wait: WaitConditionCommand | None = None
    opened_at: datetime | None = None


class WorkflowInstance:
    """One run of a workflow, driven by history events (no I/O)."""

    __module__ = "durable_workflow.workflow"

    def __init__(
        self,
        definition: WorkflowDefinition,
        info: WorkflowInfo,
        arguments: Sequence[Any],
        *,
        converter: DataConverter,
        payload_codec: str | None = "avro",
    ) -> None:
        self.definition = definition
        self.info = info
        self.converter = converter
        self.codec = payload_codec or "avro"
        self.ctx = WorkflowContext(info)
        self.table = StepTable()
        self.yielded: list[Command[Any]] = []
        self.new_commands: list[dict[str, Any]] = []
        self.terminal: dict[str, Any] | None = None
        self.events_applied = 0
        self.last_event_key: tuple[Any, ...] | None = None
        #: Work done (events walked + generator resumptions), for the linear-cost tests.
        self.ops = 0
        self._arguments = list(arguments)
        self._encoder = _Encoder(converter, info.task_queue)
        self._gen: Generator[Any, Any, Any] | None = None
        self._obj: Any = None
        self._waiting: _Waiting | None = None
        self._started = False

    # ---------------------------------------------------------------- public API

    @property
    def done(self) -> bool:
        return self.terminal is not None

    @property
    def site(self) -> str | None:
        """``file:line`` of the ``yield`` the suspended code is paused at (None when not suspended)."""
        return yield_site(self._gen)

    @property
    def workflow(self) -> Any:
        """The workflow object (for queries and updates)."""
        return self._obj

    def apply(self, events: Sequence[Mapping[str, Any]]) -> None:
        """Walk the next history events (those after everything applied so far)."""
        known_steps = len(self.table)
        if not self.table.ingest(events) and self._started:
            raise CacheMismatch("history steps arrived out of sequence order")
        self._check_recorded_emissions(known_steps)
        if not self._started:
            self._start()
        for event in events:
            self.ops += 1
            self.events_applied += 1
            self.last_event_key = event_key(event)
            stamp = event_time(event)
            if stamp is not None and stamp > self.ctx._now:
                self.ctx._now = stamp
            if not self.done:
                self._walk(event)
        if self.done:
            self._check_all_steps_consumed()

    def take_commands(self) -> list[dict[str, Any]]:
        """The wire commands produced since the last call (terminal command last)."""
        out, self.new_commands = self.new_commands, []
        return out

    def close(self) -> None:
        gen, self._gen = self._gen, None
        if gen is not None:
            try:
                gen.close()  # runs the code's finally blocks
            except Exception as exc:
                logger.debug("workflow %s raised while closing: %r", self.definition.name, exc)

    # ---------------------------------------------------------------- start / finish

    def _start(self) -> None:
        self._started = True
        start = self.table.start_time
        if start is not None:
            self.ctx._now = start
        self.ctx._replaying = len(self.table) > 0
        try:
            args = decode_args(
                self.definition.run, self._arguments, skip=2, where=f"workflow {self.definition.name!r}"
            )
        except PayloadError as exc:  # the same input fails the same way on every retry
            self._fail(exc, non_retryable=True)
            return
        try:
            self._obj = self.definition.cls()
            gen = self._obj.run(self.ctx, *args)
        except Exception as exc:
            self._fail(exc)
            return
        if not isinstance(gen, types.GeneratorType):
            self._finish(gen)
            return
        self._gen = gen
        self._resume(None, None)

    def _finish(self, value: Any) -> None:
        self._waiting = None
        if isinstance(value, ContinueAsNew):
            command = value.to_wire(self._encoder)
        else:
            try:
                command = {"type": "complete_workflow", "result": self._encoder.envelope(value)}
            except PayloadError as exc:
                self._fail(exc)
                return
        self.terminal = command
        self.new_commands.append(command)
        self.close()

    def _fail(self, exc: BaseException, *, non_retryable: bool = False) -> None:
        self._waiting = None
        self.terminal = fail_workflow_command(exc)
        if non_retryable:
            self.terminal["non_retryable"] = True
        self.new_commands = [self.terminal]
        self.close()

    def _check_all_steps_consumed(self) -> None:
        if len(self.yielded) < len(self.table) and self.terminal is not None:
            extra = self.table.steps[len(self.yielded)]
            raise self._nondeterminism(
                f"the code finished ({self.terminal['type']}) but history has "
                f"{len(self.table) - len(self.yielded)} more step(s), the next being "
                f"{extra.describe()} (sequence {extra.sequence})",
                expected=extra.describe(),
                actual=self.terminal["type"],
                site=None,
            )

    def _check_recorded_emissions(self, known: int) -> None:
        """Steps we emitted earlier must now be recorded as what we emitted (cache resume)."""
        upto = min(len(self.yielded), len(self.table))
        for index in range(known, upto):
            step, cmd = self.table.steps[index], self.yielded[index]
            if step.kind != cmd.kind:
                raise CacheMismatch(
                    f"step {index + 1} was recorded as {step.describe()}, not {cmd.describe()}"
                )
        if self._started and len(self.table) < len(self.yielded) and not self.done:
            raise CacheMismatch("history lacks commands this instance emitted earlier")

    # ---------------------------------------------------------------- stepping the generator

    def _resume(self, value: Any, error: BaseException | None) -> None:
        """Send a value (or throw an error) into the generator and run it to its next block."""
        while self._gen is not None:
            self.ops += 1
            self.ctx._replaying = len(self.yielded) < len(self.table)
            try:
                produced = self._gen.throw(error) if error is not None else self._gen.send(value)
            except StopIteration as stop:
                self._finish(stop.value)
                return
            except ContinueAsNewRequested as request:
                self._finish(request.command)
                return
            except (NonDeterminismError, CacheMismatch):
                raise
            except Exception as exc:
                self._fail(exc)
                return
            try:
                blocked, value, error = self._on_yield(produced)
            except (NonDeterminismError, CacheMismatch):
                raise
            except Exception as exc:  # a bad yield or a failing side effect: raise it at the yield
                blocked, value, error = False, None, exc
            if blocked:
                return

    def _on_yield(self, produced: Any) -> tuple[bool, Any, BaseException | None]:
        """Handle one yielded object: (blocked, value to send, error to throw)."""
        if isinstance(produced, ContinueAsNew):
            self._finish(produced)
            return True, None, None
        if isinstance(produced, GatherCommand):
            return self._on_batch(produced.commands, as_tuple=produced.as_tuple)
        if isinstance(produced, (list, tuple)):
            return self._on_batch(list(produced), as_tuple=False)
        if isinstance(produced, WaitConditionCommand):
            return self._on_wait(produced)
        if isinstance(produced, VersionCommand):
            return False, self._on_version(produced), None
        if isinstance(produced, Command) and not produced.blocking:
            return False, self._on_instant(produced), None
        if isinstance(produced, _BLOCKING):
            return self._on_batch([produced], as_tuple=False, single=True)
        raise TypeError(
            f"workflow code yielded {produced!r}; yield a command from ctx (activity, timer, child workflow, "
            "side effect, ...), a list of commands, or ContinueAsNew"
        )

    def _on_batch(
        self, commands: list[Any], *, as_tuple: bool, single: bool = False
    ) -> tuple[bool, Any, BaseException | None]:
        if not commands:
            return False, () if as_tuple else [], None
        for cmd in commands:
            if not isinstance(cmd, _BLOCKING):
                raise TypeError(f"a list yield may only hold activity, timer and child commands, got {cmd!r}")
        indices = [self._take_step(cmd) for cmd in commands]
        self._waiting = _Waiting(indices, commands, batch=not single, as_tuple=as_tuple)
        return self._check_waiting()

    def _on_wait(self, cmd: WaitConditionCommand) -> tuple[bool, Any, BaseException | None]:
        if cmd.predicate():
            return False, True, None
        cmd.ordinal = len(self.yielded)
        index = self._take_step(cmd)
        step = self._step(index)
        if step is not None and step.details.get("condition_key") not in (None, cmd.key) and cmd.key:
            raise self._mismatch(index, step, cmd)
        self._waiting = _Waiting([index], [cmd], batch=False, wait=cmd, opened_at=self.ctx._now)
        if step is not None and step.resolution_role == "timed_out":
            self._waiting = None
            return False, False, None
        return True, None, None

    def reopen_wait(self) -> None:
        """End of a workflow task while blocked on a recorded wait: open it again.

        The server settles an open wait on every completion (satisfied, unless the completion
        re-opens it), so a wake that leaves the condition false must re-open it. The re-opened
        wait is a new step; its timeout is what is left of the original one.
        """
        waiting = self._waiting
        if waiting is None or waiting.wait is None or self.done:
            return
        current = waiting.indices[0]
        step = self._step(current)
        if step is None or len(self.yielded) != current + 1:
            return
        original = waiting.wait
        remaining = None
        if original.timeout_seconds is not None and waiting.opened_at is not None:
            elapsed = (self.ctx._now - waiting.opened_at).total_seconds()
            remaining = max(1, math.ceil(original.timeout_seconds - elapsed))
        again = WaitConditionCommand(original.predicate, remaining, original.key)
        again.ordinal = original.ordinal
        waiting.indices = [self._take_step(again)]

    def _on_version(self, cmd: VersionCommand) -> int:
        index = len(self.yielded)
        step = self._step(index)
        if step is not None and not (
            step.kind == "version" and step.details.get("change_id") == cmd.change_id
        ):
            # The run passed this point before the change existed: no marker was recorded.
            return cmd.min_supported
        self._take_step(cmd)
        if step is None:
            return cmd.max_supported
        version = payload_of(step.first_event).get("version", 0)
        if not isinstance(version, int) or not cmd.min_supported <= version <= cmd.max_supported:
            raise self._nondeterminism(
                f"history recorded version {version!r} of change {cmd.change_id!r}, but the code "
                f"supports {cmd.min_supported}..{cmd.max_supported}",
                expected=f"version {version}",
                actual=f"{cmd.min_supported}..{cmd.max_supported}",
            )
        return version

    def _on_instant(self, cmd: Command[Any]) -> Any:
        index = len(self.yielded)
        step = self._step(index)
        if isinstance(cmd, SideEffectCommand) and step is None:
            cmd.value = _side_effect_value(cmd)  # runs live only; exceptions go to the yield
        self._take_step(cmd)
        if not isinstance(cmd, SideEffectCommand):
            return None
        raw = (
            cmd.value
            if step is None
            else self._decode(payload_of(step.first_event).get("result"), step.first_event)
        )
        return from_json_compatible(raw, cmd.result_annotation, where="side effect result")

    def _take_step(self, cmd: Command[Any]) -> int:
        """Give the command the next step index; check it against history or emit it."""
        index = len(self.yielded)
        step = self._step(index)
        if step is not None:
            if not matches(step, cmd):
                raise self._mismatch(index, step, cmd)
        else:
            self.new_commands.append(cmd.to_wire(self._encoder))
        self.yielded.append(cmd)
        return index

    def _step(self, index: int) -> Step | None:
        return self.table.steps[index] if index < len(self.table) else None

    # ---------------------------------------------------------------- walking history

    def _walk(self, event: Mapping[str, Any]) -> None:
        c = classify(event)
        if c.role == "receiver":
            self._apply_receiver(c.kind or "", event)
            return
        if c.kind == "wait" and c.role == "open":
            self._walk_wait_open(event)
            return
        if c.kind is None or c.role not in ("completed", "failed", "timed_out"):
            return
        step = self.table.lookup(c.kind, event)
        if step is None or step.kind in ("side_effect", "version", "upsert"):
            return
        if step.resolution is None:
            step.resolution, step.resolution_role = event, c.role
        if self._waiting is not None:
            blocked, value, error = self._check_waiting()
            if not blocked:
                self._resume(value, error)

    def _walk_wait_open(self, event: Mapping[str, Any]) -> None:
        step = self.table.lookup("wait", event)
        if step is None:
            return
        step.walked_open = True
        waiting = self._waiting
        if waiting is None or waiting.wait is None:
            return
        current = waiting.indices[0]
        if step.index == current + 1 and len(self.yielded) == current + 1 and self.table.reopened(current):
            # An earlier task found the condition false and re-opened the wait as this step.
            self.yielded.append(waiting.wait)
            waiting.indices = [step.index]
        if step.index == waiting.indices[0]:
            self._recheck_wait()

    def _check_waiting(self) -> tuple[bool, Any, BaseException | None]:
        """Resume if what the code waits for is resolved: all members, or the first failure."""
        waiting = self._waiting
        assert waiting is not None
        if waiting.wait is not None:
            step = self._step(waiting.indices[0])
            if step is not None and step.resolution_role == "timed_out":
                self._waiting = None
                return False, False, None
            return True, None, None
        steps = [self._step(i) for i in waiting.indices]
        for step, cmd in zip(steps, waiting.commands, strict=True):
            if step is not None and step.resolution_role == "failed" and step.resolution is not None:
                self._waiting = None
                return False, None, self._failure(step, cmd)
        if any(step is None or step.resolution is None for step in steps):
            return True, None, None
        self._waiting = None
        try:
            results = [
                self._result(step, cmd) for step, cmd in zip(steps, waiting.commands, strict=True) if step
            ]
        except PayloadError as exc:
            return False, None, exc
        if not waiting.batch:
            return False, results[0], None
        return False, tuple(results) if waiting.as_tuple else results, None

    def _result(self, step: Step, cmd: Command[Any]) -> Any:
        event = step.resolution
        assert event is not None
        if isinstance(cmd, TimerCommand):
            return None
        payload = payload_of(event)
        if isinstance(cmd, ActivityCommand):
            raw, where = (
                payload.get("result", payload.get("output")),
                f"result of activity {cmd.activity_type!r}",
            )
        else:
            raw = payload["result"] if "result" in payload else payload.get("output")
            where = f"result of {cmd.describe()}"
        return from_json_compatible(self._decode(raw, event), cmd.result_annotation, where=where)

    def _failure(self, step: Step, cmd: Command[Any]) -> BaseException:
        event = step.resolution
        assert event is not None
        if isinstance(cmd, ChildWorkflowCommand):
            return child_failure(event)
        return activity_failure(event, self._decode_details)

    def _decode(self, raw: Any, event: Mapping[str, Any]) -> Any:
        codec = payload_of(event).get("payload_codec") or self.codec
        return self.converter.decode(raw, default_codec=codec)

    def _decode_details(self, raw: Any, codec: Any) -> Any:
        if raw is None:
            return None
        try:
            return self.converter.decode(raw, default_codec=codec or self.codec)
        except PayloadError:
            return raw

    # ---------------------------------------------------------------- signals and updates

    def _apply_receiver(self, kind: str, event: Mapping[str, Any]) -> None:
        payload = payload_of(event)
        self.ctx._replaying = len(self.yielded) < len(self.table)
        if kind == "signal":
            name = payload.get("signal_name")
            handler = self.definition.signals.get(name) if isinstance(name, str) else None
            if handler is None:
                if not self.ctx._replaying:
                    logger.warning("workflow %s ignored signal %r: no handler", self.definition.name, name)
                return
        else:
            name = payload.get("update_name")
            handler = self.definition.updates.get(name) if isinstance(name, str) else None
            if handler is None:
                raise ReplayError(
                    f"history applied update {name!r}, which {self.definition.name} does not define"
                )
        try:
            args = self.receiver_arguments(event)
            bound = decode_args(handler.fn, args, skip=1, where=f"{kind} {name!r}")
            _check_bind(handler.fn, bound)
        except (PayloadError, TypeError) as exc:
            if not self.ctx._replaying:  # documented in docs/workflows.md: the signal is dropped
                info = self.ctx.info
                logger.warning(
                    "workflow %s (id %s, run %s) dropped %s %r: its payload does not fit the handler: %s",
                    self.definition.name,
                    info.workflow_id,
                    info.run_id,
                    kind,
                    name,
                    exc,
                    extra={"workflow_id": info.workflow_id, "run_id": info.run_id},
                )
            return
        try:
            handler.fn(self._obj, *bound)
        except Exception as exc:
            self._fail(exc)
            return
        except ContinueAsNewRequested:
            self._fail(RuntimeError(f"{kind} handler {name!r} called ctx.continue_as_new(); only run can"))
            return
        self._recheck_wait()

    def receiver_arguments(self, event: Mapping[str, Any]) -> list[Any]:
        """Decoded argument list of a SignalReceived / UpdateAccepted / UpdateApplied event."""
        payload = payload_of(event)
        for key in ("arguments", "value", "input"):
            if key in payload and payload[key] is not None:
                value = self._decode(payload[key], event)
                if value is None:
                    return []
                return list(value) if isinstance(value, list) else [value]
        return []

    def _recheck_wait(self) -> None:
        waiting = self._waiting
        if waiting is None or waiting.wait is None or self._gen is None:
            return
        step = self._step(waiting.indices[0])
        if step is not None and (not step.walked_open or self.table.reopened(step.index)):
            # History shows what the live code saw: the wait was not re-checked before it
            # was opened, and a wait that was re-opened was still false when it was.
            return
        try:
            satisfied = waiting.wait.predicate()
        except Exception as exc:
            self._waiting = None
            self._resume(None, exc)
            return
        if satisfied:
            self._waiting = None
            self._resume(True, None)

    # ---------------------------------------------------------------- diagnostics

    def _mismatch(self, index: int, step: Step, cmd: Command[Any]) -> NonDeterminismError:
        return self._nondeterminism(
            f"step {index + 1}: the code yielded {cmd.describe()} but history recorded {step.describe()} "
            f"(sequence {step.sequence})",
            expected=step.describe(),
            actual=cmd.describe(),
        )

    def _nondeterminism(
        self, problem: str, *, expected: str, actual: str, site: str | None = ""
    ) -> NonDeterminismError:
        where = yield_site(self._gen) if site == "" else site
        self.close()
        return nondeterminism(self.definition.name, problem, expected=expected, actual=actual, site=where)

    @property
    def now(self) -> datetime:
        return self.ctx.now()


def _side_effect_value(cmd: SideEffectCommand[Any]) -> Any:
    """Run a side effect live; its value as JSON. Without a declared type only JSON data is taken,
    because a replay would hand back the JSON form, not the object the live run saw."""
    value = cmd.fn()
    data = to_json_compatible(value)
    if is_untyped(cmd.result_annotation) and data is not value:
        kind = type(value).__qualname__
        raise TypeError(
            f"side_effect returned a {kind}, but it has no declared type, so a replay would return "
            f"its JSON form instead; pass result_type={kind} (or annotate the function's return type)"
        )
    return data


def _check_bind(fn: Any, args: list[Any]) -> None:
    inspect.signature(fn).bind(None, *args)


def event_key(event: Mapping[str, Any]) -> tuple[Any, ...]:
    """Identity of an event, to check that a new history extends a cached one."""
    return (event.get("id"), event.get("sequence"), event_type(event))
