"""The async `Client`: start, observe and steer workflows over the control plane."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from types import TracebackType
from typing import Any, Literal, TypeVar, overload

import httpx
from typing_extensions import ParamSpec, Self

from durable_workflow import errors
from durable_workflow.client._admin import AdminMixin
from durable_workflow.client._handle import WorkflowHandle
from durable_workflow.client._models import HistoryPage, UpdateResult, WorkflowExecution, WorkflowList
from durable_workflow.client._negotiation import PayloadEncoding, WireGeneration, pick_generation
from durable_workflow.client._routes import api_path, check_workflow_id, expect_object, listed
from durable_workflow.client._schedules import ScheduleMixin
from durable_workflow.client._stub import HasRun, WorkflowStub
from durable_workflow.client._transport import DEFAULT_MAX_RESPONSE_BYTES, Transport, TransportRetryPolicy
from durable_workflow.metrics import MetricsRecorder, NoopMetrics
from durable_workflow.payloads import DataConverter, from_json_compatible, to_json_compatible

P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")

DuplicatePolicy = Literal["fail", "use-existing"]


class Client(AdminMixin, ScheduleMixin):
    """Talks to a Durable Workflow server (or the embedded dev server) over HTTP+JSON.

    Args:
        base_url: the server's address without ``/api``, e.g. ``http://localhost:8080``.
        token: one bearer token for both planes (servers with a shared token).
        control_token: token for control-plane calls (start, describe, signal, ...); wins over ``token``.
        worker_token: token for worker-plane calls (polling, completing tasks); wins over ``token``.
        namespace: sent as ``X-Namespace`` on every request.
        timeout: HTTP timeout in seconds for everything except long polls.
        metrics: a recorder with ``increment`` and ``record``; no-op by default.
        transport: an `httpx.AsyncBaseTransport`, e.g. ``httpx.ASGITransport`` for an in-process server.
        retry_policy: how transport faults (connection errors, 5xx, 429) are retried.
        payload_encoding: ``"auto"`` (the default) writes Avro ``Value`` v1 to servers of the
            current generation and the generic wrapper to seed-era servers, as ``GET
            /api/cluster/info`` says; ``"wrapper"`` or ``"value-v1"`` force one frame.
        max_response_bytes: the largest answer accepted (decoded); a larger one raises
            `InvalidResponse` with reason ``response_too_large``.
    """

    __module__ = "durable_workflow"

    def __init__(
        self,
        base_url: str,
        token: str | None = None,
        *,
        control_token: str | None = None,
        worker_token: str | None = None,
        namespace: str = "default",
        timeout: float = 60.0,
        metrics: MetricsRecorder | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        retry_policy: TransportRetryPolicy | None = None,
        payload_encoding: PayloadEncoding = "auto",
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        if base_url.rstrip("/").endswith("/api"):
            raise ValueError("base_url must not end with /api; the SDK adds it (e.g. http://localhost:8080)")
        self.base_url = base_url.rstrip("/")
        self.namespace = namespace
        self.metrics: MetricsRecorder = metrics if metrics is not None else NoopMetrics()
        if payload_encoding not in ("auto", "wrapper", "value-v1"):
            raise ValueError(f"payload_encoding must be auto, wrapper or value-v1, not {payload_encoding!r}")
        self.payload_encoding: PayloadEncoding = payload_encoding
        # Under "auto" the frame is settled by `negotiate`, before the first payload is written.
        self.converter = DataConverter(encoding="wrapper" if payload_encoding == "auto" else payload_encoding)
        self._generation: WireGeneration | None = None
        self._options = {
            "token": token,
            "control_token": control_token,
            "worker_token": worker_token,
            "timeout": timeout,
            "retry_policy": retry_policy,
            "payload_encoding": payload_encoding,
            "max_response_bytes": max_response_bytes,
        }
        self._transport = Transport(
            self.base_url,
            namespace=namespace,
            control_token=control_token or token or worker_token,
            worker_token=worker_token or token or control_token,
            timeout=timeout,
            metrics=self.metrics,
            retry_policy=retry_policy or TransportRetryPolicy(),
            transport=transport,
            max_response_bytes=max_response_bytes,
        )

    def __repr__(self) -> str:
        return f"Client({self.base_url!r}, namespace={self.namespace!r})"

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._transport.aclose()

    async def _control(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        subject: str | None = None,
    ) -> Any:
        return await self._transport.request(
            method, path, plane="control", json=json, params=params, subject=subject
        )

    # -- discovery ---------------------------------------------------------------------------

    async def health(self) -> dict[str, Any]:
        """``GET /api/health``."""
        return expect_object(await self._control("GET", "/health"), "health")

    async def get_cluster_info(self) -> dict[str, Any]:
        """``GET /api/cluster/info``: versions, capabilities and limits of the server."""
        return expect_object(await self._control("GET", "/cluster/info"), "cluster info")

    async def negotiate(self, info: Mapping[str, Any] | None = None) -> WireGeneration:
        """The wire generation spoken with this server, read once from ``GET /api/cluster/info``.

        Sets the worker protocol version of worker-plane calls and, under
        ``payload_encoding="auto"``, the Avro frame payloads are written in. A server that will not
        answer the discovery call (4xx/5xx) is spoken to as a seed-era server. ``info`` is a
        cluster-info body already read (the worker passes its own).
        """
        if self._generation is not None and info is None:
            return self._generation
        if info is None:
            try:
                info = await self.get_cluster_info()
            except errors.ServerError:
                info = {}
        generation = pick_generation(info)
        self._transport.worker_protocol_version = generation.worker_protocol
        if self.payload_encoding == "auto":
            self.converter.encoding = generation.encoding
        self._generation = generation
        return generation

    async def _payload_converter(self) -> DataConverter:
        """The converter to write payloads with, once the encoding is settled."""
        if self.payload_encoding == "auto" and self._generation is None:
            await self.negotiate()
        return self.converter

    # -- starting ----------------------------------------------------------------------------

    @overload
    async def start_workflow(
        self,
        workflow_type: str,
        task_queue: str,
        workflow_id: str,
        input: Sequence[Any] | None = None,
        *,
        execution_timeout_seconds: int | None = 3600,
        run_timeout_seconds: int | None = 600,
        duplicate_policy: DuplicatePolicy | None = None,
        memo: Mapping[str, Any] | None = None,
        search_attributes: Mapping[str, Any] | None = None,
        result_type: type[T],
    ) -> WorkflowHandle[T]: ...
    @overload
    async def start_workflow(
        self,
        workflow_type: str,
        task_queue: str,
        workflow_id: str,
        input: Sequence[Any] | None = None,
        *,
        execution_timeout_seconds: int | None = 3600,
        run_timeout_seconds: int | None = 600,
        duplicate_policy: DuplicatePolicy | None = None,
        memo: Mapping[str, Any] | None = None,
        search_attributes: Mapping[str, Any] | None = None,
        result_type: Any = ...,
    ) -> WorkflowHandle[Any]: ...
    async def start_workflow(
        self,
        workflow_type: str,
        task_queue: str,
        workflow_id: str,
        input: Sequence[Any] | None = None,
        *,
        execution_timeout_seconds: int | None = 3600,
        run_timeout_seconds: int | None = 600,
        duplicate_policy: DuplicatePolicy | None = None,
        memo: Mapping[str, Any] | None = None,
        search_attributes: Mapping[str, Any] | None = None,
        result_type: Any = Any,
    ) -> WorkflowHandle[Any]:
        """Start a workflow and return a handle to it.

        A start is idempotent by workflow id: when a transport fault forces a retry and the
        retry finds a run of the same type with the same input, that run is taken as this start's.

        Raises:
            WorkflowAlreadyStarted: the id is taken and ``duplicate_policy`` forbids another start.
        """
        check_workflow_id(workflow_id)
        args = [to_json_compatible(a) for a in (input or [])]
        converter = await self._payload_converter()
        body: dict[str, Any] = {
            "workflow_id": workflow_id,
            "workflow_type": workflow_type,
            "task_queue": task_queue,
            "input": converter.envelope(args),
        }
        optional = {
            "execution_timeout_seconds": execution_timeout_seconds,
            "run_timeout_seconds": run_timeout_seconds,
            "duplicate_policy": duplicate_policy,
            "memo": dict(memo) if memo is not None else None,
            "search_attributes": dict(search_attributes) if search_attributes is not None else None,
        }
        body.update({k: v for k, v in optional.items() if v is not None})
        try:
            answer = expect_object(await self._control("POST", "/workflows", json=body), "start")
        except errors.WorkflowAlreadyStarted as exc:
            answer = await self._own_earlier_start(exc, workflow_id, workflow_type, args)
        run_id = answer.get("run_id")
        return WorkflowHandle(
            self,
            workflow_id,
            run_id=run_id if isinstance(run_id, str) else None,
            workflow_type=workflow_type,
            result_type=result_type,
        )

    async def _own_earlier_start(
        self, exc: errors.WorkflowAlreadyStarted, workflow_id: str, workflow_type: str, args: list[Any]
    ) -> dict[str, Any]:
        """After an ambiguous first attempt, a duplicate may be our own start: check, or re-raise."""
        if exc.attempts < 2:
            raise exc
        current = await self.describe_workflow(workflow_id)
        if current.workflow_type != workflow_type or current.input != args:
            raise exc
        return {"workflow_id": workflow_id, "run_id": current.run_id}

    def workflow(
        self,
        workflow: type[HasRun[P, R]],
        *,
        workflow_id: str,
        task_queue: str,
        execution_timeout_seconds: int | None = 3600,
        run_timeout_seconds: int | None = 600,
        duplicate_policy: DuplicatePolicy | None = None,
        memo: Mapping[str, Any] | None = None,
        search_attributes: Mapping[str, Any] | None = None,
    ) -> WorkflowStub[P, R]:
        """A typed stub for a ``@workflow.defn`` class: ``start``/``execute`` check their
        arguments against the class's ``run`` and return ``WorkflowHandle[R]`` / ``R``."""
        return WorkflowStub(
            self,
            workflow,
            workflow_id=workflow_id,
            task_queue=task_queue,
            options={
                "execution_timeout_seconds": execution_timeout_seconds,
                "run_timeout_seconds": run_timeout_seconds,
                "duplicate_policy": duplicate_policy,
                "memo": memo,
                "search_attributes": search_attributes,
            },
        )

    @overload
    def get_workflow_handle(self, workflow_id: str, *, run_id: str | None = None) -> WorkflowHandle[Any]: ...

    @overload
    def get_workflow_handle(
        self, workflow_id: str, *, run_id: str | None = None, result_type: type[T]
    ) -> WorkflowHandle[T]: ...

    @overload
    def get_workflow_handle(
        self, workflow_id: str, *, run_id: str | None = None, result_type: Any
    ) -> WorkflowHandle[Any]: ...

    def get_workflow_handle(
        self, workflow_id: str, *, run_id: str | None = None, result_type: Any = Any
    ) -> WorkflowHandle[Any]:
        """A handle to an existing workflow; ``result_type`` types and rebuilds its result."""
        return WorkflowHandle(self, workflow_id, run_id=run_id, result_type=result_type)

    # -- observing ---------------------------------------------------------------------------

    async def describe_workflow(self, workflow_id: str) -> WorkflowExecution:
        """The workflow's current run: status, input, output, memo, search attributes."""
        answer = await self._control("GET", _workflow_path(workflow_id), subject=_subject(workflow_id))
        body = expect_object(answer, "describe")
        return self._execution(body)

    def _execution(self, body: Mapping[str, Any]) -> WorkflowExecution:
        codec = body.get("payload_codec") or "avro"
        input_value = body.get("input")
        if isinstance(body.get("input_envelope"), Mapping):
            input_value = self.converter.decode(body["input_envelope"], default_codec=codec)
        output = body.get("output")
        if isinstance(body.get("output_envelope"), Mapping):
            output = self.converter.decode(body["output_envelope"], default_codec=codec)
        inputs = list(input_value) if isinstance(input_value, list) else []
        return WorkflowExecution.from_body(body, input=inputs, output=output)

    async def list_runs(self, workflow_id: str) -> list[WorkflowExecution]:
        """Every run of the workflow, oldest first (a continue-as-new chain has several)."""
        path = _workflow_path(workflow_id, "runs")
        body = expect_object(await self._control("GET", path, subject=_subject(workflow_id)), "runs")
        return [self._execution(row) for row in body.get("runs") or [] if isinstance(row, Mapping)]

    async def list_workflows(
        self,
        *,
        workflow_type: str | None = None,
        status: str | None = None,
        query: str | None = None,
        page_size: int | None = None,
        next_page_token: str | None = None,
    ) -> WorkflowList:
        """One page of workflows, newest first; ``status`` filters by bucket (running/completed/failed)."""
        params = {
            "workflow_type": workflow_type,
            "status": status,
            "query": query,
            "page_size": page_size,
            "next_page_token": next_page_token,
        }
        body = expect_object(await self._control("GET", "/workflows", params=params), "list")
        rows = listed(body.get("workflows"))
        executions = [self._execution(row) for row in rows if isinstance(row, Mapping)]
        return WorkflowList(executions=executions, next_page_token=body.get("next_page_token"))

    async def get_history(
        self, workflow_id: str, run_id: str, *, page_size: int = 1000
    ) -> list[dict[str, Any]]:
        """Every history event of a run, following the server's pages to the end."""
        events: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = await self.get_history_page(
                workflow_id, run_id, next_page_token=token, page_size=page_size
            )
            events.extend(page.events)
            if page.next_page_token and (page.next_page_token == token or not page.events):
                raise errors.InvalidResponse(
                    f"the server's history of workflow {workflow_id!r} does not advance "
                    f"(page token {page.next_page_token!r} after {len(events)} events)",
                    reason="invalid_response_shape",
                )
            token = page.next_page_token
            if not token:
                return events

    async def get_history_page(
        self,
        workflow_id: str,
        run_id: str,
        *,
        next_page_token: str | None = None,
        page_size: int = 1000,
        wait_new_event: bool = False,
    ) -> HistoryPage:
        """One page of a run's history after ``next_page_token``.

        With ``wait_new_event`` the server holds the request (up to its long-poll timeout) until
        an event exists after the token, so a caller can follow a run without polling.
        """
        params: dict[str, Any] = {"page_size": page_size, "next_page_token": next_page_token}
        if wait_new_event:
            params["wait_new_event"] = 1
        path = _workflow_path(workflow_id, "runs", run_id, "history")
        answer = await self._control("GET", path, params=params, subject=_subject(workflow_id, run_id))
        body = expect_object(answer, "history")
        events = [e for e in listed(body.get("events")) if isinstance(e, dict)]
        token = body.get("next_page_token")
        return HistoryPage(events=events, next_page_token=token if isinstance(token, str) and token else None)

    async def export_history(self, workflow_id: str, run_id: str) -> dict[str, Any]:
        """The run's history export bundle (replayable with `durable_workflow.testing.replay`)."""
        path = _workflow_path(workflow_id, "runs", run_id, "history", "export")
        answer = await self._control("GET", path, subject=_subject(workflow_id, run_id))
        return expect_object(answer, "history export")

    # -- steering ----------------------------------------------------------------------------

    async def signal_workflow(
        self, workflow_id: str, signal_name: str, args: Sequence[Any] | None = None
    ) -> None:
        """Send a signal to the workflow's current run.

        Each call carries a fresh ``request_id``, so a transport retry after a lost answer is
        recognised by the server instead of delivering the signal twice.
        """
        body: dict[str, Any] = {"request_id": f"sdk-python-signal-{uuid.uuid4().hex}"}
        if args:
            body["input"] = (await self._payload_converter()).envelope(list(args))
        path = _workflow_path(workflow_id, "signal", signal_name)
        await self._control("POST", path, json=body, subject=_subject(workflow_id))

    async def query_workflow(
        self, workflow_id: str, query_name: str, args: Sequence[Any] | None = None, *, result_type: Any = Any
    ) -> Any:
        """Run a query handler on a live worker and return its answer, rebuilt into ``result_type``."""
        body = {"input": (await self._payload_converter()).envelope(list(args))} if args else {}
        path = _workflow_path(workflow_id, "query", query_name)
        answer = expect_object(
            await self._control("POST", path, json=body, subject=_subject(workflow_id)), "query"
        )
        value = answer.get("result")
        if isinstance(answer.get("result_envelope"), Mapping) and answer["result_envelope"].get("blob"):
            value = self.converter.decode(answer["result_envelope"])
        return from_json_compatible(value, result_type, where=f"query {query_name!r} result")

    async def update_workflow(
        self,
        workflow_id: str,
        update_name: str,
        args: Sequence[Any] | None = None,
        *,
        wait_for: Literal["accepted", "completed"] = "completed",
        wait_timeout_seconds: int | None = None,
        request_id: str | None = None,
        result_type: Any = Any,
    ) -> UpdateResult[Any]:
        """Send an update; wait until it is ``accepted`` (recorded) or ``completed`` (handled).

        Raises:
            UpdateRejected: the validator rejected the update, or its handler failed.
        """
        body: dict[str, Any] = {
            "wait_for": wait_for,
            "request_id": request_id or f"sdk-python-update-{uuid.uuid4().hex}",
        }
        if args:
            body["input"] = (await self._payload_converter()).envelope(list(args))
        if wait_timeout_seconds is not None:
            body["wait_timeout_seconds"] = wait_timeout_seconds
        path = _workflow_path(workflow_id, "update", update_name)
        answer = expect_object(
            await self._control("POST", path, json=body, subject=_subject(workflow_id)), "update"
        )
        value = answer.get("result")
        if isinstance(answer.get("result_envelope"), Mapping) and answer["result_envelope"].get("blob"):
            value = self.converter.decode(answer["result_envelope"])
        return UpdateResult(
            update_id=answer.get("update_id"),
            outcome=answer.get("outcome"),
            status=answer.get("update_status"),
            result=from_json_compatible(value, result_type, where=f"update {update_name!r} result"),
            wait_timed_out=bool(answer.get("wait_timed_out")),
            raw=answer,
        )

    async def cancel_workflow(self, workflow_id: str, *, reason: str | None = None) -> None:
        """Cancel the workflow's current run."""
        body = {"reason": reason} if reason else {}
        path = _workflow_path(workflow_id, "cancel")
        await self._control("POST", path, json=body, subject=_subject(workflow_id))

    async def terminate_workflow(self, workflow_id: str, *, reason: str | None = None) -> None:
        """Terminate the workflow's current run at once."""
        body = {"reason": reason} if reason else {}
        path = _workflow_path(workflow_id, "terminate")
        await self._control("POST", path, json=body, subject=_subject(workflow_id))


def _workflow_path(workflow_id: str, *rest: str) -> str:
    return api_path("workflows", workflow_id, *rest)


def _subject(workflow_id: str, run_id: str | None = None) -> str:
    return f"workflow {workflow_id!r}" + (f" run {run_id!r}" if run_id else "")
