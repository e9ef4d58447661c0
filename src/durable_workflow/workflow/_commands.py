"""Commands that workflow code yields, and their exact wire shapes (wire-0.4.md §4.3).

Every command is also iterable: ``__iter__`` yields the command itself and returns what the
engine sends back, so ``x = yield from cmd`` carries the command's result type while a plain
``x = yield cmd`` keeps working. The engine converts results before sending them, so both
forms see the same (typed) value.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Protocol, TypeVar, cast

from durable_workflow._retry_policy import retry_policy_to_wire

__all__ = [
    "ActivityCommand",
    "ChildWorkflowCommand",
    "Command",
    "ContinueAsNew",
    "ContinueAsNewRequested",
    "GatherCommand",
    "SideEffectCommand",
    "TimerCommand",
    "UpsertSearchAttributesCommand",
    "VersionCommand",
    "WaitConditionCommand",
]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class WireEncoder(Protocol):
    """What a command needs to produce its wire dict."""

    task_queue: str

    def envelope(self, value: Any) -> dict[str, str]: ...

    def encode_blob(self, value: Any) -> str: ...


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


def _seconds(value: float | None, what: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} must be a number of seconds, got {value!r}")
    if value < 0:
        raise ValueError(f"{what} must be >= 0, got {value}")
    return math.ceil(value)


class Command(Generic[T_co]):
    """Base of everything workflow code can yield."""

    __module__ = "durable_workflow.workflow"

    kind: ClassVar[str] = "command"
    #: The code waits at this yield until history resolves the step.
    blocking: ClassVar[bool] = True
    #: Annotation the raw JSON result is rebuilt into.
    result_annotation: Any = Any

    def __iter__(self) -> Generator[Command[T_co], Any, T_co]:
        result = yield self
        return cast(T_co, result)

    def describe(self) -> str:
        return self.kind

    def to_wire(self, enc: WireEncoder) -> dict[str, Any]:
        raise NotImplementedError


class ActivityCommand(Command[T_co]):
    """Schedule an activity and wait for its result."""

    __module__ = "durable_workflow.workflow"

    kind = "activity"

    def __init__(
        self,
        activity_type: str,
        arguments: Sequence[Any],
        *,
        task_queue: str | None = None,
        retry_policy: Any = None,
        start_to_close_timeout: float | None = None,
        schedule_to_start_timeout: float | None = None,
        schedule_to_close_timeout: float | None = None,
        heartbeat_timeout: float | None = None,
        result_annotation: Any = Any,
    ) -> None:
        if not isinstance(activity_type, str) or not activity_type:
            raise TypeError(f"activity type must be a non-empty string, got {activity_type!r}")
        if isinstance(arguments, (str, bytes, Mapping)) or not isinstance(arguments, Sequence):
            raise TypeError(f"activity arguments must be a list, got {type(arguments).__name__}")
        self.activity_type = activity_type
        self.arguments = list(arguments)
        self.task_queue = task_queue
        self.retry_policy = retry_policy_to_wire(retry_policy)
        self.timeouts = {
            "start_to_close_timeout": _seconds(start_to_close_timeout, "start_to_close_timeout"),
            "schedule_to_start_timeout": _seconds(schedule_to_start_timeout, "schedule_to_start_timeout"),
            "schedule_to_close_timeout": _seconds(schedule_to_close_timeout, "schedule_to_close_timeout"),
            "heartbeat_timeout": _seconds(heartbeat_timeout, "heartbeat_timeout"),
        }
        self.result_annotation = result_annotation

    def describe(self) -> str:
        return f"activity {self.activity_type!r}"

    def to_wire(self, enc: WireEncoder) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "schedule_activity",
            "activity_type": self.activity_type,
            "queue": self.task_queue or enc.task_queue,
        }
        _put(out, "retry_policy", self.retry_policy)
        for key, value in self.timeouts.items():
            _put(out, key, value)
        out["arguments"] = enc.envelope(self.arguments)
        return out


class TimerCommand(Command[None]):
    """A durable timer."""

    __module__ = "durable_workflow.workflow"

    kind = "timer"

    def __init__(self, seconds: float) -> None:
        delay = _seconds(seconds, "timer seconds")
        self.delay_seconds = 0 if delay is None else delay

    def describe(self) -> str:
        return f"timer ({self.delay_seconds}s)"

    def to_wire(self, enc: WireEncoder) -> dict[str, Any]:
        return {"type": "start_timer", "delay_seconds": self.delay_seconds}


class ChildWorkflowCommand(Command[T_co]):
    """Start a child workflow and wait for its result."""

    __module__ = "durable_workflow.workflow"

    kind = "child"

    def __init__(
        self,
        workflow_type: str,
        arguments: Sequence[Any],
        *,
        task_queue: str | None = None,
        parent_close_policy: str | None = None,
        retry_policy: Any = None,
        execution_timeout_seconds: float | None = None,
        run_timeout_seconds: float | None = None,
        result_annotation: Any = Any,
    ) -> None:
        if not isinstance(workflow_type, str) or not workflow_type:
            raise TypeError(f"child workflow type must be a non-empty string, got {workflow_type!r}")
        if isinstance(arguments, (str, bytes, Mapping)) or not isinstance(arguments, Sequence):
            raise TypeError(f"child workflow arguments must be a list, got {type(arguments).__name__}")
        if parent_close_policy not in (None, "abandon", "request_cancel", "terminate"):
            raise ValueError(
                "parent_close_policy must be 'abandon', 'request_cancel' or 'terminate', "
                f"got {parent_close_policy!r}"
            )
        self.workflow_type = workflow_type
        self.arguments = list(arguments)
        self.task_queue = task_queue
        self.parent_close_policy = parent_close_policy
        self.retry_policy = retry_policy_to_wire(retry_policy)
        self.execution_timeout_seconds = _seconds(execution_timeout_seconds, "execution_timeout_seconds")
        self.run_timeout_seconds = _seconds(run_timeout_seconds, "run_timeout_seconds")
        self.result_annotation = result_annotation

    def describe(self) -> str:
        return f"child workflow {self.workflow_type!r}"

    def to_wire(self, enc: WireEncoder) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "start_child_workflow",
            "workflow_type": self.workflow_type,
            "queue": self.task_queue or enc.task_queue,
        }
        _put(out, "parent_close_policy", self.parent_close_policy)
        _put(out, "retry_policy", self.retry_policy)
        _put(out, "execution_timeout_seconds", self.execution_timeout_seconds)
        _put(out, "run_timeout_seconds", self.run_timeout_seconds)
        out["arguments"] = enc.envelope(self.arguments)
        return out


class SideEffectCommand(Command[T_co]):
    """Run ``fn`` once; replays return the recorded value instead of calling it again."""

    __module__ = "durable_workflow.workflow"

    kind = "side_effect"
    blocking = False

    def __init__(self, fn: Callable[[], Any], result_annotation: Any = Any) -> None:
        if not callable(fn):
            raise TypeError(f"side_effect needs a callable, got {fn!r}")
        self.fn = fn
        self.result_annotation = result_annotation
        self.value: Any = None  # JSON-compatible value, set when the function runs live

    def describe(self) -> str:
        return "side effect"

    def to_wire(self, enc: WireEncoder) -> dict[str, Any]:
        return {"type": "record_side_effect", "result": enc.encode_blob(self.value)}


class VersionCommand(Command[int]):
    """Record (or read back) which version of a code change a run follows."""

    __module__ = "durable_workflow.workflow"

    kind = "version"
    blocking = False

    def __init__(self, change_id: str, min_supported: int, max_supported: int) -> None:
        if not isinstance(change_id, str) or not change_id.strip():
            raise ValueError(f"change_id must be a non-empty string, got {change_id!r}")
        for name, value in (("min_supported", min_supported), ("max_supported", max_supported)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{name} must be an int, got {value!r}")
        if min_supported > max_supported:
            raise ValueError(f"min_supported ({min_supported}) must be <= max_supported ({max_supported})")
        self.change_id = change_id
        self.min_supported = min_supported
        self.max_supported = max_supported
        self.result_annotation = int

    def describe(self) -> str:
        return f"version marker {self.change_id!r}"

    def to_wire(self, enc: WireEncoder) -> dict[str, Any]:
        return {
            "type": "record_version_marker",
            "change_id": self.change_id,
            "version": self.max_supported,
            "min_supported": self.min_supported,
            "max_supported": self.max_supported,
        }


class UpsertSearchAttributesCommand(Command[None]):
    """Merge search attributes into the run's visibility record (``None`` deletes a key)."""

    __module__ = "durable_workflow.workflow"

    kind = "upsert"
    blocking = False

    def __init__(self, attributes: Mapping[str, Any]) -> None:
        if not isinstance(attributes, Mapping) or not attributes:
            raise ValueError("upsert_search_attributes needs a non-empty dict of attributes")
        if not all(isinstance(k, str) for k in attributes):
            raise TypeError("search attribute names must be strings")
        self.attributes = dict(attributes)

    def describe(self) -> str:
        return "search attributes upsert"

    def to_wire(self, enc: WireEncoder) -> dict[str, Any]:
        return {"type": "upsert_search_attributes", "attributes": self.attributes}


class WaitConditionCommand(Command[bool]):
    """Wait until ``predicate()`` is true (after signals/updates), or until the timeout fires."""

    __module__ = "durable_workflow.workflow"

    kind = "wait"

    def __init__(
        self, predicate: Callable[[], bool], timeout: float | None = None, key: str | None = None
    ) -> None:
        if not callable(predicate):
            raise TypeError(f"wait_condition needs a callable predicate, got {predicate!r}")
        if key is not None and not isinstance(key, str):
            raise TypeError(f"wait_condition key must be a string, got {key!r}")
        self.predicate = predicate
        self.timeout_seconds = _seconds(timeout, "wait_condition timeout")
        self.key = key
        self.result_annotation = bool
        #: Step index where this logical wait was first opened (set by the engine).
        self.ordinal = 0

    def fingerprint(self) -> str:
        """Identifies this logical wait: the predicate's code and where the wait was first opened.

        The server treats an ``open_condition_wait`` with the same key and fingerprint as a re-open
        of the wait it has open, and any other completion as satisfying it; a distinct fingerprint
        per wait keeps "re-opened" and "satisfied, then a new wait" apart in history.
        """
        code = getattr(self.predicate, "__code__", None)
        source = f"{code.co_name}:{code.co_firstlineno}" if code else type(self.predicate).__qualname__
        return "sha256:" + hashlib.sha256(f"{source}#{self.ordinal}".encode()).hexdigest()

    def describe(self) -> str:
        return f"condition wait{f' {self.key!r}' if self.key else ''}"

    def to_wire(self, enc: WireEncoder) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "open_condition_wait"}
        _put(out, "condition_key", self.key)
        out["condition_definition_fingerprint"] = self.fingerprint()
        _put(out, "timeout_seconds", self.timeout_seconds)
        return out


class GatherCommand(Generic[T_co]):
    """Several blocking commands run together; ``yield from`` returns their results in order."""

    __module__ = "durable_workflow.workflow"

    def __init__(self, commands: Sequence[Command[Any]], *, as_tuple: bool) -> None:
        self.commands = list(commands)
        self.as_tuple = as_tuple
        for cmd in self.commands:
            if not isinstance(cmd, (ActivityCommand, TimerCommand, ChildWorkflowCommand)):
                raise TypeError(f"gather() takes activity, timer and child workflow commands, got {cmd!r}")

    def __iter__(self) -> Generator[Any, Any, T_co]:
        results = yield self.commands
        return cast(T_co, tuple(results) if self.as_tuple else list(results))


@dataclass(frozen=True)
class ContinueAsNew:
    """Return (or yield) this to end the run and start a fresh one with new input and empty history."""

    arguments: Sequence[Any] = field(default_factory=list)
    workflow_type: str | None = None
    task_queue: str | None = None

    __module__ = "durable_workflow"

    def __post_init__(self) -> None:
        if isinstance(self.arguments, (str, bytes, Mapping)) or not isinstance(self.arguments, Sequence):
            raise TypeError(f"ContinueAsNew arguments must be a list, got {type(self.arguments).__name__}")

    def to_wire(self, enc: WireEncoder) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "continue_as_new", "queue": self.task_queue or enc.task_queue}
        _put(out, "workflow_type", self.workflow_type)
        out["arguments"] = enc.envelope(list(self.arguments))
        return out


class ContinueAsNewRequested(BaseException):
    """Raised by `WorkflowContext.continue_as_new`; the engine ends the run with ``command``.

    A `BaseException`, like `GeneratorExit`, so workflow code's ``except Exception`` lets it pass.
    """

    def __init__(self, command: ContinueAsNew) -> None:
        super().__init__("continue as new")
        self.command = command
