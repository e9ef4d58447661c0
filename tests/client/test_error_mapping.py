"""Every server reason code maps to its documented exception (see docs/errors.md)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from durable_workflow import errors
from durable_workflow.client._errors import error_for_response

CASES: list[tuple[int, dict[str, Any], type[errors.ServerError]]] = [
    (401, {"reason": "unauthorized", "message": "Unauthorized."}, errors.Unauthorized),
    (403, {"reason": "forbidden", "role": "worker"}, errors.Forbidden),
    (404, {"reason": "instance_not_found"}, errors.WorkflowNotFound),
    (404, {"reason": "workflow_not_found"}, errors.WorkflowNotFound),
    (404, {"reason": "run_not_found"}, errors.WorkflowNotFound),
    (404, {"reason": "schedule_not_found"}, errors.ScheduleNotFound),
    (404, {"reason": "namespace_not_found"}, errors.NamespaceNotFound),
    (404, {"reason": "unknown_signal"}, errors.SignalFailed),
    (404, {"reason": "rejected_unknown_query"}, errors.QueryFailed),
    (404, {"reason": "query_not_found"}, errors.QueryFailed),
    (404, {"reason": "worker_not_found"}, errors.ServerError),
    (409, {"reason": "duplicate_not_allowed"}, errors.WorkflowAlreadyStarted),
    (409, {"outcome": "rejected_duplicate"}, errors.WorkflowAlreadyStarted),
    (409, {"reason": "workflow_id_reserved_in_namespace"}, errors.WorkflowAlreadyStarted),
    (409, {"reason": "schedule_already_exists"}, errors.ScheduleAlreadyExists),
    (409, {"reason": "run_not_active", "control_plane": {"operation": "signal"}}, errors.SignalFailed),
    (409, {"reason": "run_not_active", "control_plane": {"operation": "query"}}, errors.QueryFailed),
    (409, {"reason": "run_not_active", "control_plane": {"operation": "update"}}, errors.UpdateRejected),
    (409, {"reason": "run_not_active", "control_plane": {"operation": "cancel"}}, errors.ServerError),
    (409, {"reason": "query_rejected"}, errors.QueryFailed),
    (409, {"reason": "query_worker_unavailable"}, errors.QueryFailed),
    (409, {"reason": "query_workflow_state_unavailable"}, errors.QueryFailed),
    (409, {"reason": "update_rejected"}, errors.UpdateRejected),
    (422, {"reason": "validation_failed", "errors": {"workflow_type": ["required"]}}, errors.InvalidArgument),
    (422, {"reason": "invalid_signal_arguments"}, errors.SignalFailed),
    (422, {"reason": "invalid_query_arguments"}, errors.QueryFailed),
    (422, {"outcome": "update_failed", "failure_message": "boom"}, errors.UpdateRejected),
    (504, {"reason": "query_worker_timeout"}, errors.QueryFailed),
    (400, {"reason": "malformed_json"}, errors.ServerError),
    (413, {"reason": "payload_too_large"}, errors.ServerError),
    (500, {"message": "Server Error"}, errors.ServerError),
]


@pytest.mark.parametrize(("status", "body", "expected"), CASES)
def test_reason_maps_to_exception(
    status: int, body: dict[str, Any], expected: type[errors.ServerError]
) -> None:
    response = httpx.Response(status, json=body, request=httpx.Request("GET", "http://x/api/y"))
    error = error_for_response(response)
    assert type(error) is expected
    assert error.status_code == status
    assert error.reason == body.get("reason")
    assert error.body == body
    assert error.response is not None and error.response.content == response.content


def test_invalid_argument_exposes_field_errors_and_is_a_value_error() -> None:
    body = {"message": "bad", "reason": "validation_failed", "errors": {"task_queue": ["too long"]}}
    error = error_for_response(httpx.Response(422, json=body, request=httpx.Request("POST", "http://x")))
    assert isinstance(error, errors.InvalidArgument)
    assert isinstance(error, ValueError)
    assert error.errors == {"task_queue": ["too long"]}
    assert str(error) == "bad"


def test_non_json_error_body_keeps_the_text() -> None:
    response = httpx.Response(502, text="<html>bad gateway</html>", request=httpx.Request("GET", "http://x"))
    error = error_for_response(response)
    assert type(error) is errors.ServerError
    assert error.body == "<html>bad gateway</html>"
    assert error.reason is None


def test_worker_plane_error_text_is_used_as_message() -> None:
    body = {"error": "Lease expired.", "reason": "lease_expired"}
    error = error_for_response(httpx.Response(409, json=body, request=httpx.Request("POST", "http://x")))
    assert str(error) == "Lease expired."
