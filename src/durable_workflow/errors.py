"""Every exception the SDK raises, in one tree.

```
DurableWorkflowError
├── TransportError                  the server could not be reached (after retries); .request
│   └── RequestTimeout              no complete answer within the call's deadline (also a TimeoutError)
├── ServerError                     the server answered with an error; .status_code .reason .body
│   ├── InvalidResponse             the answer was malformed: not JSON, too deep, too big, a 3xx, ...
│   ├── Unauthorized                401
│   ├── Forbidden                   403 (role gate)
│   ├── InvalidArgument             422 (also a ValueError); .errors
│   ├── WorkflowNotFound            404 instance_not_found / workflow_not_found / run_not_found
│   ├── ScheduleNotFound            404 schedule_not_found
│   ├── NamespaceNotFound           404 namespace_not_found
│   ├── WorkflowAlreadyStarted      409 duplicate_not_allowed
│   ├── ScheduleAlreadyExists       409 schedule_already_exists
│   ├── SignalFailed                signal rejected (unknown signal, run not active, bad arguments)
│   ├── QueryFailed                 query rejected, unknown, timed out or no worker
│   └── UpdateRejected              update rejected by its validator or failed
├── WorkflowOutcomeError            raised by WorkflowHandle.result(); .workflow_id .run_id
│   ├── WorkflowFailed              .message .exception_type .exception_class .details
│   ├── WorkflowCancelled           .reason
│   ├── WorkflowTerminated          .reason
│   └── WorkflowTimedOut            execution or run timeout
├── WorkflowResultTimeout           result() gave up waiting (also a TimeoutError)
├── ActivityFailed                  thrown into workflow code when an activity fails
├── ChildWorkflowFailed             thrown into workflow code when a child fails/cancels/terminates
├── NonRetryableError               raised by activity code to stop retries
├── ReplayError                     workflow code could not be replayed
│   └── NonDeterminismError         code and history disagree; .site .expected .actual
├── PayloadError                    a payload could not be encoded, decoded or converted (ValueError)
│   ├── PayloadDecodeError          malformed frame; .code = invalid_payload_framing / ...
│   └── PayloadConversionError      value does not fit the annotated type; names the parameter
└── ServerCompatibilityError        the server does not speak the protocol this SDK needs

ActivityCancelled (BaseException)   raised inside an activity when its cancellation is requested
```

`ActivityCancelled` derives from `BaseException`, like `asyncio.CancelledError`, so that a broad
`except Exception` in activity code does not swallow a cancellation.

Usage mistakes (wrong decorator use, bad options) raise plain `TypeError`/`ValueError`
subclasses at the call site.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

__all__ = [
    "ActivityCancelled",
    "ActivityFailed",
    "ChildWorkflowFailed",
    "DurableWorkflowError",
    "Forbidden",
    "InvalidArgument",
    "InvalidResponse",
    "NamespaceNotFound",
    "NonDeterminismError",
    "NonRetryableError",
    "PayloadConversionError",
    "PayloadDecodeError",
    "PayloadError",
    "QueryFailed",
    "ReplayError",
    "RequestTimeout",
    "ScheduleAlreadyExists",
    "ScheduleNotFound",
    "ServerCompatibilityError",
    "ServerError",
    "SignalFailed",
    "TransportError",
    "Unauthorized",
    "UpdateRejected",
    "WorkflowAlreadyStarted",
    "WorkflowCancelled",
    "WorkflowFailed",
    "WorkflowNotFound",
    "WorkflowOutcomeError",
    "WorkflowResultTimeout",
    "WorkflowTerminated",
    "WorkflowTimedOut",
]


class DurableWorkflowError(Exception):
    """Base of every error the SDK raises (except `ActivityCancelled`)."""

    __module__ = "durable_workflow"


class TransportError(DurableWorkflowError):
    """The server could not be reached, even after the transport retries."""

    __module__ = "durable_workflow"

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.request = request


class RequestTimeout(TransportError, TimeoutError):
    """No complete answer arrived within the call's overall deadline (connect, headers and body)."""

    __module__ = "durable_workflow"


class ServerError(DurableWorkflowError):
    """The server answered with an error status.

    Attributes:
        status_code: the HTTP status.
        reason: the server's machine-readable reason code (``body["reason"]``), if any.
        body: the decoded JSON body (or the raw text when the body was not JSON).
        response: the `httpx.Response`, when there was one.
    """

    __module__ = "durable_workflow"

    def __init__(
        self,
        message: str = "",
        *,
        status_code: int = 0,
        reason: str | None = None,
        body: Any = None,
        response: httpx.Response | None = None,
    ) -> None:
        super().__init__(message or reason or f"server error {status_code}")
        self.message = message
        self.status_code = status_code
        self.reason = reason
        self.body = body
        self.response = response
        #: how many attempts the transport made; > 1 means an earlier attempt may have reached the server
        self.attempts = 1

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status_code={self.status_code}, reason={self.reason!r})"


class InvalidResponse(ServerError):
    """The server's answer could not be used: not JSON, nested too deep, larger than the size cap,
    a redirect, or not the shape the operation expects.

    ``reason`` names the problem (``invalid_json_response``, ``response_too_deep``,
    ``response_too_large``, ``unexpected_redirect``, ``invalid_response_shape``,
    ``invalid_content_encoding``); ``body`` holds
    an excerpt of what was received.
    """

    __module__ = "durable_workflow"


class Unauthorized(ServerError):
    """Authentication failed (HTTP 401): missing or wrong bearer token."""

    __module__ = "durable_workflow"


class Forbidden(ServerError):
    """The token is valid but its role may not use this route (HTTP 403)."""

    __module__ = "durable_workflow"


class InvalidArgument(ServerError, ValueError):
    """The server rejected the request's fields (HTTP 422).

    ``errors`` maps each field name to its messages.
    """

    __module__ = "durable_workflow"

    @property
    def errors(self) -> dict[str, list[str]]:
        body = self.body if isinstance(self.body, Mapping) else {}
        found = body.get("errors") or body.get("validation_errors") or {}
        return dict(found) if isinstance(found, Mapping) else {}


class WorkflowNotFound(ServerError):
    """No workflow (or run) with this id exists in the namespace."""

    __module__ = "durable_workflow"


class ScheduleNotFound(ServerError):
    """No schedule with this id exists in the namespace."""

    __module__ = "durable_workflow"


class NamespaceNotFound(ServerError):
    """The namespace does not exist on the server."""

    __module__ = "durable_workflow"


class WorkflowAlreadyStarted(ServerError):
    """A workflow with this id exists and the duplicate policy forbids another start."""

    __module__ = "durable_workflow"


class ScheduleAlreadyExists(ServerError):
    """A schedule with this id already exists."""

    __module__ = "durable_workflow"


class SignalFailed(ServerError):
    """The signal was not accepted (unknown signal, closed run, invalid arguments)."""

    __module__ = "durable_workflow"


class QueryFailed(ServerError):
    """The query failed: unknown query, handler error, no live worker, or a timeout."""

    __module__ = "durable_workflow"


class UpdateRejected(ServerError):
    """The update was rejected by its validator, or its handler failed."""

    __module__ = "durable_workflow"


class WorkflowOutcomeError(DurableWorkflowError):
    """A workflow ended without a result; raised by `WorkflowHandle.result()`."""

    __module__ = "durable_workflow"

    def __init__(self, message: str, *, workflow_id: str = "", run_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.workflow_id = workflow_id
        self.run_id = run_id


class WorkflowFailed(WorkflowOutcomeError):
    """The workflow failed. Carries the failure as the workflow reported it."""

    __module__ = "durable_workflow"

    def __init__(
        self,
        message: str,
        *,
        workflow_id: str = "",
        run_id: str | None = None,
        exception_type: str | None = None,
        exception_class: str | None = None,
        details: Any = None,
    ) -> None:
        super().__init__(message, workflow_id=workflow_id, run_id=run_id)
        self.exception_type = exception_type
        self.exception_class = exception_class
        self.details = details


class WorkflowCancelled(WorkflowOutcomeError):
    """The workflow was cancelled."""

    __module__ = "durable_workflow"

    def __init__(
        self, reason: str | None = None, *, workflow_id: str = "", run_id: str | None = None
    ) -> None:
        super().__init__(reason or "workflow cancelled", workflow_id=workflow_id, run_id=run_id)
        self.reason = reason


class WorkflowTerminated(WorkflowOutcomeError):
    """The workflow was terminated."""

    __module__ = "durable_workflow"

    def __init__(
        self, reason: str | None = None, *, workflow_id: str = "", run_id: str | None = None
    ) -> None:
        super().__init__(reason or "workflow terminated", workflow_id=workflow_id, run_id=run_id)
        self.reason = reason


class WorkflowTimedOut(WorkflowOutcomeError):
    """The workflow hit its execution or run timeout."""

    __module__ = "durable_workflow"


class WorkflowResultTimeout(DurableWorkflowError, TimeoutError):
    """`WorkflowHandle.result(timeout=...)` gave up before the workflow closed.

    ``diagnosis`` names the cause when the server could tell one (e.g. no worker polls the
    workflow's task queue); the message includes it too.
    """

    __module__ = "durable_workflow"

    def __init__(self, message: str, *, diagnosis: str | None = None) -> None:
        super().__init__(message)
        self.diagnosis = diagnosis


class ActivityFailed(DurableWorkflowError):
    """An activity failed for good; thrown into workflow code at the ``yield`` that awaited it."""

    __module__ = "durable_workflow"

    def __init__(
        self,
        message: str,
        *,
        activity_type: str | None = None,
        exception_type: str | None = None,
        exception_class: str | None = None,
        non_retryable: bool = False,
        details: Any = None,
        timed_out: bool = False,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.activity_type = activity_type
        self.exception_type = exception_type
        self.exception_class = exception_class
        self.non_retryable = non_retryable
        self.details = details
        self.timed_out = timed_out


class ChildWorkflowFailed(DurableWorkflowError):
    """A child workflow failed, was cancelled or terminated; thrown into the parent's code.

    ``status`` is ``"failed"``, ``"cancelled"`` or ``"terminated"``.
    """

    __module__ = "durable_workflow"

    def __init__(
        self,
        message: str,
        *,
        status: str = "failed",
        workflow_type: str | None = None,
        run_id: str | None = None,
        exception_type: str | None = None,
        exception_class: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.workflow_type = workflow_type
        self.run_id = run_id
        self.exception_type = exception_type
        self.exception_class = exception_class


class NonRetryableError(DurableWorkflowError):
    """Raise from an activity to fail it at once, without further retries."""

    __module__ = "durable_workflow"

    def __init__(self, message: str = "", *, details: Any = None) -> None:
        super().__init__(message)
        self.details = details


class ReplayError(DurableWorkflowError):
    """Workflow code could not be replayed against its history."""

    __module__ = "durable_workflow"


class NonDeterminismError(ReplayError):
    """Workflow code yielded something other than what its history recorded.

    Attributes:
        workflow_type: the workflow's type name.
        site: ``file:line`` of the ``yield`` that disagreed, when known.
        expected: what history recorded at that step.
        actual: what the code yielded.
    """

    __module__ = "durable_workflow"

    def __init__(
        self,
        message: str,
        *,
        workflow_type: str | None = None,
        site: str | None = None,
        expected: str | None = None,
        actual: str | None = None,
    ) -> None:
        super().__init__(message)
        self.workflow_type = workflow_type
        self.site = site
        self.expected = expected
        self.actual = actual


class PayloadError(DurableWorkflowError, ValueError):
    """A payload could not be encoded, decoded or converted."""

    __module__ = "durable_workflow"


class PayloadDecodeError(PayloadError):
    """A blob is not a frame this SDK can read.

    ``code`` names the problem: ``invalid_payload_framing``, ``unsupported_payload_schema``,
    ``unsupported_payload_codec`` or ``invalid_base64``.
    """

    __module__ = "durable_workflow"

    def __init__(self, message: str, *, code: str = "invalid_payload_framing") -> None:
        super().__init__(message)
        self.code = code


class PayloadConversionError(PayloadError):
    """A value does not fit the type that a signature annotates (or cannot be made JSON)."""

    __module__ = "durable_workflow"


class ServerCompatibilityError(DurableWorkflowError):
    """The server's cluster info shows it does not speak the protocol this SDK needs."""

    __module__ = "durable_workflow"


class ActivityCancelled(BaseException):
    """Raised inside an activity once the server reports its cancellation was requested."""

    __module__ = "durable_workflow"
