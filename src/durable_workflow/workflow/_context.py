"""`WorkflowContext`: the deterministic API handed to ``run(self, ctx, ...)``."""

from __future__ import annotations

import hashlib
import logging
import random as _random
import uuid
from collections.abc import Callable, Coroutine, Generator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any, Generic, NoReturn, ParamSpec, Protocol, TypeVar, overload

from durable_workflow.payloads import bind_arguments
from durable_workflow.workflow._commands import (
    ActivityCommand,
    ChildWorkflowCommand,
    Command,
    ContinueAsNew,
    ContinueAsNewRequested,
    GatherCommand,
    SideEffectCommand,
    TimerCommand,
    UpsertSearchAttributesCommand,
    VersionCommand,
    WaitConditionCommand,
)
from durable_workflow.workflow._convert import return_annotation

__all__ = ["ActivityStub", "ChildWorkflowStub", "WorkflowContext", "WorkflowInfo"]

P = ParamSpec("P")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)
T = TypeVar("T")
A_ = TypeVar("A_")
B_ = TypeVar("B_")
C_ = TypeVar("C_")
D_ = TypeVar("D_")
E_ = TypeVar("E_")
F_ = TypeVar("F_")
G_ = TypeVar("G_")
H_ = TypeVar("H_")
I_ = TypeVar("I_")
J_ = TypeVar("J_")

REPLAY_LOGGER_NAME = "durable_workflow.workflow.replay"
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


@dataclass(frozen=True)
class WorkflowInfo:
    """Identity of the run being executed."""

    workflow_id: str
    run_id: str
    workflow_type: str
    task_queue: str
    namespace: str | None = None

    __module__ = "durable_workflow.workflow"


if TYPE_CHECKING:
    _AdapterBase = logging.LoggerAdapter[logging.Logger]
else:
    _AdapterBase = logging.LoggerAdapter


class _ReplayLogger(_AdapterBase):
    """A logger adapter that drops every record while the workflow is replaying."""

    def __init__(self, ctx: WorkflowContext) -> None:
        super().__init__(logging.getLogger(REPLAY_LOGGER_NAME), {})
        self._ctx = ctx

    def isEnabledFor(self, level: int) -> bool:
        return not self._ctx.is_replaying and self.logger.isEnabledFor(level)

    def process(self, msg: Any, kwargs: Any) -> tuple[Any, Any]:
        extra = dict(kwargs.get("extra") or {})
        extra.setdefault("workflow_id", self._ctx.info.workflow_id)
        extra.setdefault("run_id", self._ctx.info.run_id)
        kwargs["extra"] = extra
        return msg, kwargs


class _WorkflowWithRun(Protocol[P, R_co]):
    def run(
        self, ctx: WorkflowContext, /, *args: P.args, **kwargs: P.kwargs
    ) -> Generator[Any, Any, R_co]: ...


class ActivityStub(Generic[P, R]):
    """``ctx.activity(fn, **options)``: call it with the activity's arguments to get a command."""

    __module__ = "durable_workflow.workflow"

    def __init__(self, fn: Callable[..., Any], activity_type: str, options: dict[str, Any]) -> None:
        self._fn = fn
        self._type = activity_type
        self._options = options

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> ActivityCommand[R]:
        positional = bind_arguments(
            self._fn, args, kwargs, skip=0, where=f"activity {self._type!r}", trusted=True
        )
        return ActivityCommand(
            self._type, positional, result_annotation=return_annotation(self._fn), **self._options
        )


class ChildWorkflowStub(Generic[P, R]):
    """``ctx.child(WorkflowClass, **options)``: call it with the child's run arguments."""

    __module__ = "durable_workflow.workflow"

    def __init__(self, run: Callable[..., Any], workflow_type: str, options: dict[str, Any]) -> None:
        self._run = run
        self._type = workflow_type
        self._options = options

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> ChildWorkflowCommand[R]:
        positional = bind_arguments(self._run, args, kwargs, skip=2, where=f"child workflow {self._type!r}")
        return ChildWorkflowCommand(
            self._type, positional, result_annotation=return_annotation(self._run), **self._options
        )


class WorkflowContext:
    """Deterministic operations for workflow code: everything here is replay-safe.

    Methods that return commands do nothing until the command is yielded.
    """

    __module__ = "durable_workflow.workflow"

    def __init__(self, info: WorkflowInfo) -> None:
        self.info = info
        self._now = _EPOCH
        self._replaying = False
        seed = int(hashlib.sha256(info.run_id.encode()).hexdigest()[:16], 16)
        self._random = _random.Random(seed)
        self.logger: logging.LoggerAdapter[logging.Logger] = _ReplayLogger(self)

    @property
    def is_replaying(self) -> bool:
        """True while the code re-runs steps that history already recorded."""
        return self._replaying

    def now(self) -> datetime:
        """The current time as history saw it (UTC; see the docs for the exact rule)."""
        return self._now

    def random(self) -> _random.Random:
        """A random generator seeded from the run id: same numbers on every replay."""
        return self._random

    def uuid4(self) -> uuid.UUID:
        """A version-4 UUID drawn from `random()`, so replays produce the same values."""
        return uuid.UUID(int=self._random.getrandbits(128), version=4)

    def schedule_activity(
        self,
        activity_type: str,
        args: Sequence[Any] = (),
        *,
        queue: str | None = None,
        task_queue: str | None = None,
        retry_policy: Any = None,
        start_to_close_timeout: float | None = None,
        schedule_to_start_timeout: float | None = None,
        schedule_to_close_timeout: float | None = None,
        heartbeat_timeout: float | None = None,
    ) -> ActivityCommand[Any]:
        """Schedule an activity by type name; the result is plain JSON."""
        return ActivityCommand(
            activity_type,
            args,
            task_queue=task_queue or queue,
            retry_policy=retry_policy,
            start_to_close_timeout=start_to_close_timeout,
            schedule_to_start_timeout=schedule_to_start_timeout,
            schedule_to_close_timeout=schedule_to_close_timeout,
            heartbeat_timeout=heartbeat_timeout,
        )

    @overload
    def activity(
        self,
        fn: Callable[P, Coroutine[Any, Any, R]],
        *,
        task_queue: str | None = ...,
        retry_policy: Any = ...,
        start_to_close_timeout: float | None = ...,
        schedule_to_start_timeout: float | None = ...,
        schedule_to_close_timeout: float | None = ...,
        heartbeat_timeout: float | None = ...,
    ) -> ActivityStub[P, R]: ...
    @overload
    def activity(
        self,
        fn: Callable[P, R],
        *,
        task_queue: str | None = ...,
        retry_policy: Any = ...,
        start_to_close_timeout: float | None = ...,
        schedule_to_start_timeout: float | None = ...,
        schedule_to_close_timeout: float | None = ...,
        heartbeat_timeout: float | None = ...,
    ) -> ActivityStub[P, R]: ...
    def activity(self, fn: Callable[..., Any], **options: Any) -> ActivityStub[Any, Any]:
        """A typed stub for an `@activity.defn` function: ``yield from ctx.activity(greet)("Ada")``."""
        from durable_workflow.activity import get_definition

        return ActivityStub(fn, get_definition(fn).name, options)

    def start_timer(self, seconds: float) -> TimerCommand:
        """A durable timer of ``seconds`` (rounded up to whole seconds)."""
        return TimerCommand(seconds)

    def sleep(self, seconds: float) -> TimerCommand:
        """Same as `start_timer`: ``yield ctx.sleep(5)``."""
        return TimerCommand(seconds)

    def start_child_workflow(
        self,
        workflow_type: str,
        args: Sequence[Any] = (),
        *,
        task_queue: str | None = None,
        parent_close_policy: str | None = None,
        retry_policy: Any = None,
        execution_timeout_seconds: float | None = None,
        run_timeout_seconds: float | None = None,
    ) -> ChildWorkflowCommand[Any]:
        """Start a child workflow by type name and wait for its (plain JSON) result."""
        return ChildWorkflowCommand(
            workflow_type,
            args,
            task_queue=task_queue,
            parent_close_policy=parent_close_policy,
            retry_policy=retry_policy,
            execution_timeout_seconds=execution_timeout_seconds,
            run_timeout_seconds=run_timeout_seconds,
        )

    def child(
        self,
        workflow: type[_WorkflowWithRun[P, R]],
        *,
        task_queue: str | None = None,
        parent_close_policy: str | None = None,
        retry_policy: Any = None,
        execution_timeout_seconds: float | None = None,
        run_timeout_seconds: float | None = None,
    ) -> ChildWorkflowStub[P, R]:
        """A typed stub for a `@workflow.defn` class: ``yield from ctx.child(Child)(arg)``."""
        from durable_workflow.workflow._definition import get_definition

        definition = get_definition(workflow)
        options = {
            "task_queue": task_queue,
            "parent_close_policy": parent_close_policy,
            "retry_policy": retry_policy,
            "execution_timeout_seconds": execution_timeout_seconds,
            "run_timeout_seconds": run_timeout_seconds,
        }
        return ChildWorkflowStub(definition.run, definition.name, options)

    @overload
    def side_effect(self, fn: Callable[[], object], *, result_type: type[T]) -> SideEffectCommand[T]: ...
    @overload
    def side_effect(self, fn: Callable[[], T]) -> SideEffectCommand[T]: ...
    def side_effect(self, fn: Callable[[], Any], *, result_type: Any = None) -> SideEffectCommand[Any]:
        """Run ``fn`` once and record its value; replays return the recorded value.

        History keeps the value as JSON, so it comes back rebuilt into ``result_type`` or ``fn``'s
        return annotation. With neither (a lambda), ``fn`` must return plain JSON data: a UUID,
        model or datetime raises TypeError instead of silently coming back as a str or dict.
        """
        annotation = return_annotation(fn) if result_type is None else result_type
        return SideEffectCommand(fn, annotation)

    def get_version(self, change_id: str, min_supported: int, max_supported: int) -> VersionCommand:
        """The version of a code change this run follows (see the docs on versioning)."""
        return VersionCommand(change_id, min_supported, max_supported)

    def upsert_search_attributes(self, attributes: Mapping[str, Any]) -> UpsertSearchAttributesCommand:
        """Merge search attributes; a ``None`` value deletes the key."""
        return UpsertSearchAttributesCommand(attributes)

    def continue_as_new(
        self, *args: Any, workflow_type: str | None = None, task_queue: str | None = None
    ) -> NoReturn:
        """End this run and start a new one with ``args``; the code after it never runs.

        It raises a control-flow exception the engine catches (a `BaseException`, so
        ``except Exception`` does not swallow it); ``return ctx.continue_as_new(...)`` reads well
        and type-checks in any ``run``.
        """
        command = ContinueAsNew(arguments=list(args), workflow_type=workflow_type, task_queue=task_queue)
        raise ContinueAsNewRequested(command)

    def wait_condition(
        self, predicate: Callable[[], bool], timeout: float | None = None, key: str | None = None
    ) -> WaitConditionCommand:
        """Yield this: resumes with True once ``predicate()`` holds, or False when ``timeout`` fires."""
        return WaitConditionCommand(predicate, timeout, key)

    @overload
    def gather(self, commands: Sequence[Command[T]], /) -> GatherCommand[list[T]]: ...
    @overload
    def gather(self, a: Command[A_], /) -> GatherCommand[tuple[A_]]: ...
    @overload
    def gather(self, a: Command[A_], b: Command[B_], /) -> GatherCommand[tuple[A_, B_]]: ...
    @overload
    def gather(
        self, a: Command[A_], b: Command[B_], c: Command[C_], /
    ) -> GatherCommand[tuple[A_, B_, C_]]: ...
    @overload
    def gather(
        self, a: Command[A_], b: Command[B_], c: Command[C_], d: Command[D_], /
    ) -> GatherCommand[tuple[A_, B_, C_, D_]]: ...
    @overload
    def gather(
        self, a: Command[A_], b: Command[B_], c: Command[C_], d: Command[D_], e: Command[E_], /
    ) -> GatherCommand[tuple[A_, B_, C_, D_, E_]]: ...
    @overload
    def gather(
        self,
        a: Command[A_],
        b: Command[B_],
        c: Command[C_],
        d: Command[D_],
        e: Command[E_],
        f: Command[F_],
        /,
    ) -> GatherCommand[tuple[A_, B_, C_, D_, E_, F_]]: ...
    @overload
    def gather(
        self,
        a: Command[A_],
        b: Command[B_],
        c: Command[C_],
        d: Command[D_],
        e: Command[E_],
        f: Command[F_],
        g: Command[G_],
        /,
    ) -> GatherCommand[tuple[A_, B_, C_, D_, E_, F_, G_]]: ...
    @overload
    def gather(
        self,
        a: Command[A_],
        b: Command[B_],
        c: Command[C_],
        d: Command[D_],
        e: Command[E_],
        f: Command[F_],
        g: Command[G_],
        h: Command[H_],
        /,
    ) -> GatherCommand[tuple[A_, B_, C_, D_, E_, F_, G_, H_]]: ...
    @overload
    def gather(
        self,
        a: Command[A_],
        b: Command[B_],
        c: Command[C_],
        d: Command[D_],
        e: Command[E_],
        f: Command[F_],
        g: Command[G_],
        h: Command[H_],
        i: Command[I_],
        /,
    ) -> GatherCommand[tuple[A_, B_, C_, D_, E_, F_, G_, H_, I_]]: ...
    @overload
    def gather(
        self,
        a: Command[A_],
        b: Command[B_],
        c: Command[C_],
        d: Command[D_],
        e: Command[E_],
        f: Command[F_],
        g: Command[G_],
        h: Command[H_],
        i: Command[I_],
        j: Command[J_],
        /,
    ) -> GatherCommand[tuple[A_, B_, C_, D_, E_, F_, G_, H_, I_, J_]]: ...
    @overload
    def gather(self, *commands: Command[T]) -> GatherCommand[tuple[T, ...]]: ...
    def gather(self, *commands: Any) -> GatherCommand[Any]:
        """Run commands together; ``yield from`` gives their results in the order given.

        ``gather([c1, c2, ...])`` (one list) gives a list; ``gather(c1, c2, ...)`` gives a tuple,
        typed element by element for up to ten commands, and ``tuple[T, ...]`` beyond that or
        for ``gather(*commands)``.
        """
        if len(commands) == 1 and isinstance(commands[0], (list, tuple)):
            return GatherCommand(list(commands[0]), as_tuple=False)
        if not commands:
            raise TypeError("gather() needs at least one command")
        return GatherCommand(list(commands), as_tuple=True)

    def __repr__(self) -> str:
        return f"WorkflowContext(workflow_id={self.info.workflow_id!r}, run_id={self.info.run_id!r})"
