"""The workflows component: start, describe, list, signal, cancel, terminate, history (control plane)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from typing import TYPE_CHECKING, Any

from durable_workflow.server._engine._errors import EngineError, invalid
from durable_workflow.server._engine._inputs import (
    WORKFLOW_ID,
    Fields,
    args_blob,
    check_memo_and_attributes,
    check_operation_name,
    not_found_instance,
)
from durable_workflow.server._engine._model import Instance, Run, status_bucket
from durable_workflow.server._engine._wftasks import decode_page_token, encode_page_token
from durable_workflow.server._ids import iso, iso_offset, new_id
from durable_workflow.server._payload import CODEC, PayloadInvalid, decode_blob, envelope
from durable_workflow.server._scalars import digits
from durable_workflow.server._storage import EventRow

if TYPE_CHECKING:
    from durable_workflow.server._engine._engine import Engine

__all__ = ["Workflows", "status_bucket"]

_REJECTED_START_FIELDS = (
    "workflow_execution_timeout",
    "workflow_run_timeout",
    "workflow_task_timeout",
    "retry_policy",
    "idempotency_key",
    "request_id",
)
MAX_QUERY_CHARS = 2048
_PREDICATE = re.compile(r'^\s*([A-Za-z][A-Za-z0-9_]*)\s*=\s*("(?:[^"\\]|\\.)*"|\'[^\']*\'|[^\s]+)\s*$')


def _decoded(blob: str | None) -> Any:
    try:
        return decode_blob(blob)
    except PayloadInvalid:
        return None


class Workflows:
    """Workflow operations of the control plane: a component over the engine's unit of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # -- lookups -----------------------------------------------------------------------------

    def instance(self, namespace: str, workflow_id: str) -> Instance:
        instance = self.engine.instances.get(workflow_id)
        if instance is None or instance.namespace != namespace:
            raise not_found_instance(workflow_id)
        return instance

    def current_run(self, namespace: str, workflow_id: str) -> Run:
        return self.engine.runs[self.instance(namespace, workflow_id).current_run_id]

    def run_of(self, namespace: str, workflow_id: str, run_id: str) -> Run:
        instance = self.instance(namespace, workflow_id)
        if run_id not in instance.run_ids:
            raise EngineError(
                "not_found",
                "run_not_found",
                "Workflow run not found.",
                workflow_id=workflow_id,
                run_id=run_id,
            )
        return self.engine.runs[run_id]

    def open_run(self, namespace: str, workflow_id: str, operation: str) -> Run:
        run = self.current_run(namespace, workflow_id)
        if run.is_terminal:
            raise EngineError(
                "conflict",
                "run_not_active",
                "The workflow run is not active.",
                workflow_id=workflow_id,
                run_id=run.run_id,
                outcome="rejected_not_active",
                command_status="rejected",
                rejection_reason="run_not_active",
                control_plane_operation=operation,
            )
        return run

    # -- start -------------------------------------------------------------------------------

    def start_workflow(self, namespace: str, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """Start a workflow; returns (outcome, response fields)."""
        f = Fields(body)
        for name in _REJECTED_START_FIELDS:
            if name in body:
                f.add(name, f"The {name} field is not supported by this server.")
        workflow_type = f.string("workflow_type", required=True)
        workflow_id = f.string("workflow_id", max_len=128, pattern=WORKFLOW_ID) or new_id()
        queue = f.string("task_queue") or "default"
        business_key = f.string("business_key")
        policy = (
            f.choice(
                "duplicate_policy",
                ("fail", "use-existing"),
                "The duplicate policy only supports fail or use-existing.",
            )
            or "fail"
        )
        execution_timeout = f.integer("execution_timeout_seconds")
        run_timeout = f.integer("run_timeout_seconds")
        memo, attrs = check_memo_and_attributes(f)
        blob = args_blob(f, require_list=False, framing=self.engine.default_framing())
        f.done()
        assert workflow_type is not None
        existing = self.engine.instances.get(workflow_id)
        if existing is not None:
            return self._duplicate_start(namespace, existing, workflow_type, policy)
        instance = Instance(
            workflow_id=workflow_id,
            namespace=namespace,
            workflow_type=workflow_type,
            created_at=self.engine.clock.now(),
        )
        run = self.engine.new_run(
            instance,
            workflow_type,
            queue,
            blob,
            start_accepted={"outcome": "started_new"},
            memo=memo or {},
            search_attributes=attrs or {},
            business_key=business_key,
            execution_timeout_seconds=execution_timeout,
            run_timeout_seconds=run_timeout,
        )
        return "started_new", self._start_body(run, "started_new")

    def _duplicate_start(
        self, namespace: str, instance: Instance, workflow_type: str, policy: str
    ) -> tuple[str, dict[str, Any]]:
        if instance.namespace != namespace:
            raise EngineError(
                "conflict",
                "workflow_id_reserved_in_namespace",
                f"Workflow [{instance.workflow_id}] is already reserved in another namespace.",
                workflow_id=instance.workflow_id,
            )
        if instance.workflow_type != workflow_type:
            raise EngineError(
                "invalid",
                "validation_failed",
                f"Workflow id [{instance.workflow_id}] is reserved for durable type "
                f"[{instance.workflow_type}] and cannot be reused for [{workflow_type}].",
                errors={"workflow_type": ["The workflow id is reserved for another type."]},
                validation_errors={"workflow_type": ["The workflow id is reserved for another type."]},
            )
        run = self.engine.runs[instance.current_run_id]
        base = {
            "workflow_instance_id": run.workflow_id,
            "workflow_run_id": run.run_id,
            "workflow_type": workflow_type,
            "workflow_class": workflow_type,
        }
        if policy == "use-existing" and not run.is_terminal:
            self.engine.append_event(run, "StartAccepted", {**base, "outcome": "returned_existing_active"})
            return "returned_existing_active", self._start_body(run, "returned_existing_active")
        if not run.is_terminal:
            self.engine.append_event(
                run,
                "StartRejected",
                {**base, "outcome": "rejected_duplicate", "rejection_reason": "instance_already_started"},
            )
            raise _refusal_after_record(run, self._start_body(run, "rejected_duplicate"))
        raise EngineError(
            "conflict",
            "duplicate_not_allowed",
            f"Workflow [{run.workflow_id}] already exists.",
            **self._start_body(run, "rejected_duplicate"),
            rejection_reason="instance_already_started",
        )

    def _start_body(self, run: Run, outcome: str) -> dict[str, Any]:
        return {
            "workflow_id": run.workflow_id,
            "run_id": run.run_id,
            "workflow_type": run.workflow_type,
            "namespace": run.namespace,
            "status": run.status,
            "business_key": run.business_key,
            "payload_codec": CODEC,
            "outcome": outcome,
        }

    # -- views -------------------------------------------------------------------------------

    def run_summary(self, run: Run) -> dict[str, Any]:
        instance = self.engine.instances[run.workflow_id]
        return {
            "workflow_id": run.workflow_id,
            "run_id": run.run_id,
            "namespace": run.namespace,
            "workflow_type": run.workflow_type,
            "business_key": run.business_key,
            "status": run.status,
            "status_bucket": status_bucket(run.status),
            "is_terminal": run.is_terminal,
            "closed_reason": run.closed_reason,
            "task_queue": run.task_queue,
            "run_number": run.run_number,
            "run_count": len(instance.run_ids),
            "is_current_run": instance.current_run_id == run.run_id,
            "compatibility": None,
            "payload_codec": CODEC,
            "memo": run.memo,
            "search_attributes": run.search_attributes,
            "started_at": iso(run.started_at),
            "closed_at": iso(run.closed_at),
            "last_progress_at": iso_offset(run.last_progress_at),
            "wait_kind": run.wait_kind,
            "wait_reason": run.wait_reason,
        }

    def describe_run(self, run: Run) -> dict[str, Any]:
        open_ = not run.is_terminal
        return {
            **self.run_summary(run),
            "execution_timeout_seconds": run.execution_timeout_seconds,
            "run_timeout_seconds": run.run_timeout_seconds,
            "execution_deadline_at": iso_offset(run.execution_deadline_at),
            "run_deadline_at": iso_offset(run.run_deadline_at),
            "input": _decoded(run.input_blob),
            "output": _decoded(run.output_blob),
            "input_envelope": envelope(run.input_blob),
            "output_envelope": envelope(run.output_blob),
            "status_bucket": status_bucket(run.status),
            "actions": {
                "can_signal": open_,
                "can_query": False,
                "can_update": False,
                "can_cancel": open_,
                "can_terminate": open_,
                "can_repair": open_,
                "can_archive": not open_,
            },
        }

    def list_workflows(self, namespace: str, params: dict[str, Any]) -> dict[str, Any]:
        f = Fields(params)
        status = f.choice(
            "status",
            ("running", "completed", "failed"),
            "The status filter must be running, completed or failed.",
        )
        size = f.integer("page_size", minimum=1, maximum=200) or 50
        query = str(params.get("query") or "")
        if len(query) > MAX_QUERY_CHARS:
            f.add("query", f"The query must not be longer than {MAX_QUERY_CHARS} characters.")
        f.done()
        offset = _offset_token(params.get("next_page_token"))
        workflow_type = params.get("workflow_type") or None
        if not query:  # the index pages by itself
            ids = list(self.engine.storage.run_page(namespace, workflow_type, status, offset, size + 1))
            page, more = self.engine.runs.get_many(ids[:size]), len(ids) > size
        else:
            page, more = self._matching_page(namespace, workflow_type, status, query, offset, size)
        token = base64.b64encode(str(offset + size).encode()).decode() if more else None
        self.engine.instances.get_many([r.workflow_id for r in page])  # one query instead of one per row
        return {
            "workflows": [self.run_summary(r) for r in page],
            "workflow_count": len(page),
            "next_page_token": token,
        }

    def _matching_page(
        self,
        namespace: str,
        workflow_type: str | None,
        status: str | None,
        query: str,
        offset: int,
        size: int,
    ) -> tuple[list[Run], bool]:
        """A page of the runs a ``query`` filter matches (checked run by run, newest first)."""
        page: list[Run] = []
        matched = 0
        more = False
        for run_id in self.engine.storage.run_page(namespace, workflow_type, status):
            run = self.engine.runs.get(run_id)
            if run is None or (query and not _matches(run, query)):
                continue
            matched += 1
            if matched > offset + size:
                more = True
                break
            if matched > offset:
                page.append(run)
        return page, more

    def list_runs(self, namespace: str, workflow_id: str) -> dict[str, Any]:
        instance = self.instance(namespace, workflow_id)
        return {
            "workflow_id": workflow_id,
            "run_count": len(instance.run_ids),
            "runs": [self.describe_run(self.engine.runs[r]) for r in instance.run_ids],
        }

    # -- commands ----------------------------------------------------------------------------

    def _command_body(self, run: Run, outcome: str, **extra: Any) -> dict[str, Any]:
        return {
            "outcome": outcome,
            "workflow_id": run.workflow_id,
            "run_id": run.run_id,
            "requested_run_id": None,
            "resolved_run_id": run.run_id,
            "command_id": new_id(),
            "command_sequence": run.last_sequence,
            "target_scope": "instance",
            "workflow_type": run.workflow_type,
            "command_status": "accepted",
            "command_source": "control_plane",
            "reason": None,
            "rejection_reason": None,
            "validation_errors": [],
            **extra,
        }

    def signal_workflow(
        self, namespace: str, workflow_id: str, name: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        check_operation_name(name, "signal_name")
        f = Fields(body)
        blob = args_blob(f, framing=self.engine.framing_for(namespace, workflow_id))
        request_id = f.string("request_id")
        f.done()
        run = self.open_run(namespace, workflow_id, "signal")
        if request_id and request_id in run.signal_requests:
            command_id = run.signal_requests[request_id]
            return self._command_body(run, "signal_received", signal_name=name, command_id=command_id)
        command_id = new_id()
        if request_id:
            run.signal_requests[request_id] = command_id
            self.engine.save(run)
        self.engine.append_event(
            run,
            "SignalReceived",
            {
                "workflow_command_id": command_id,
                "signal_id": new_id(),
                "workflow_instance_id": run.workflow_id,
                "workflow_run_id": run.run_id,
                "signal_name": name,
                "signal_wait_id": None,
                "arguments": blob,
                "payload_codec": CODEC,
            },
            command_id=command_id,
        )
        run.last_progress_at = self.engine.clock.now()
        if not run.batch:
            self.engine.request_wake(run, "signal")
        return self._command_body(run, "signal_received", signal_name=name, command_id=command_id)

    def stop_workflow(
        self, namespace: str, workflow_id: str, body: dict[str, Any], *, kind: str
    ) -> dict[str, Any]:
        """Cancel (kind="cancel") or terminate the current run."""
        f = Fields(body)
        reason = f.string("reason", max_len=1000)
        f.string("request_id")
        f.done()
        run = self.open_run(namespace, workflow_id, kind)
        self.engine.terminate_run(run, reason, kind=kind)
        return self._command_body(run, "cancelled" if kind == "cancel" else "terminated", reason=reason)

    # -- history -----------------------------------------------------------------------------

    def history_page(self, run: Run, params: dict[str, Any]) -> tuple[list[EventRow], str | None]:
        f = Fields(params)
        size = f.integer("page_size", minimum=1, maximum=1000)
        f.done()
        token = params.get("next_page_token")
        after = decode_page_token(token) if token else 0
        events = self.engine.storage.events(run.run_id, after, size)
        more = size is not None and bool(events) and events[-1].sequence < run.last_sequence
        return events, (encode_page_token(events[-1].sequence) if more else None)

    def export_history(self, run: Run) -> dict[str, Any]:
        """The run's history export bundle (with a SHA-256 integrity checksum)."""
        events = [
            {
                "id": e.id,
                "sequence": e.sequence,
                "type": e.event_type,
                "workflow_task_id": e.workflow_task_id,
                "workflow_command_id": e.workflow_command_id,
                "recorded_at": e.recorded_at,
                "payload": e.payload,
            }
            for e in self.engine.storage.events(run.run_id)
        ]
        bundle: dict[str, Any] = {
            "schema": "durable-workflow.v2.history-export",
            "schema_version": 1,
            "exported_at": iso(self.engine.clock.now()),
            "dedupe_key": f"{run.run_id}:{run.last_sequence}",
            "history_complete": run.is_terminal,
            "workflow": self._export_workflow(run),
            "payloads": {
                "codec": CODEC,
                "arguments": {"available": run.input_blob is not None, "data": run.input_blob},
                "output": {"available": run.output_blob is not None, "data": run.output_blob},
            },
            "history_events": events,
        }
        canonical = json.dumps(bundle, sort_keys=True, separators=(",", ":"))
        bundle["integrity"] = {
            "canonicalization": "json-recursive-ksort-v1",
            "checksum_algorithm": "sha256",
            "checksum": hashlib.sha256(canonical.encode()).hexdigest(),
            "signature_algorithm": None,
            "signature": None,
            "key_id": None,
        }
        return bundle

    def _export_workflow(self, run: Run) -> dict[str, Any]:
        current = self.engine.instances[run.workflow_id].current_run_id
        return {
            "instance_id": run.workflow_id,
            "run_id": run.run_id,
            "run_number": run.run_number,
            "is_current_run": current == run.run_id,
            "current_run_id": current,
            "workflow_type": run.workflow_type,
            "workflow_class": run.workflow_type,
            "business_key": run.business_key,
            "memo": run.memo,
            "search_attributes": run.search_attributes,
            "status": run.status,
            "status_bucket": status_bucket(run.status),
            "closed_reason": run.closed_reason,
            "queue": run.task_queue,
            "last_history_sequence": run.last_sequence,
            "started_at": iso(run.started_at),
            "closed_at": iso(run.closed_at),
        }


def _refusal_after_record(run: Run, body: dict[str, Any]) -> EngineError:
    from durable_workflow.server._engine._errors import RecordedRefusal

    return RecordedRefusal(
        "conflict",
        "duplicate_not_allowed",
        f"Workflow [{run.workflow_id}] already exists.",
        **body,
        rejection_reason="instance_already_started",
    )


def _offset_token(token: Any) -> int:
    if not token:
        return 0
    try:
        offset = digits(base64.b64decode(str(token), validate=True).decode())
    except (ValueError, UnicodeDecodeError):
        offset = None
    if offset is None:
        raise invalid({"next_page_token": ["The next page token is invalid."]})
    return offset


def _matches(run: Run, query: str) -> bool:
    """Substring match on id/business key, or ``Key = "value" AND ...`` over attributes."""
    parts = re.split(r"\s+and\s+", query.strip(), flags=re.IGNORECASE)
    predicates = [_PREDICATE.match(p) for p in parts]
    if not all(predicates):
        return query in run.workflow_id or query in (run.business_key or "")
    fields = {
        **run.search_attributes,
        "WorkflowType": run.workflow_type,
        "WorkflowId": run.workflow_id,
        "RunId": run.run_id,
        "Status": run.status,
        "TaskQueue": run.task_queue,
    }
    for match in predicates:
        assert match is not None
        key, raw = match.group(1), match.group(2)
        wanted: Any = raw[1:-1] if raw[:1] in "\"'" else json.loads(raw) if _is_json(raw) else raw
        if key not in fields or (fields[key] != wanted and str(fields[key]) != str(wanted)):
            return False
    return True


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except (ValueError, RecursionError):
        return False
    return True
