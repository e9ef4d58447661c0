"""The request pipeline every route goes through.

declared size (413) → authenticate (401) → role gate (403) → body read with the limit enforced
while streaming (413) / media type (415) / JSON syntax (400) → version header (400) → protocol
checks of path and body (422: nesting, Unicode, control characters) → namespace (404) → handler
(422 validation, then domain errors). Nothing of the body is read before the caller is known.
Responses get the plane's envelope: worker-plane bodies carry ``protocol_version`` and
``server_capabilities``; control-plane ``/workflows*`` bodies carry the ``control_plane`` object.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from durable_workflow.server._auth import FULL_ACCESS, Auth
from durable_workflow.server._cluster import (
    CONTROL_PLANE_VERSION,
    advertised_protocol,
    is_current_request,
    server_capabilities,
)
from durable_workflow.server._engine import Engine, EngineError, EngineOps
from durable_workflow.server._paths import decode_path_params
from durable_workflow.server._protocol import (
    BodyTooLarge,
    SafeJSONResponse,
    check_texts,
    check_tree,
    digits,
    read_limited,
)

__all__ = ["Call", "ServerState", "Spec", "api_route", "control_plane_object", "error_response"]

log = logging.getLogger("durable_workflow.server")

CP_HEADER = "X-Durable-Workflow-Control-Plane-Version"
WP_HEADER = "X-Durable-Workflow-Protocol-Version"
_STATUS = {
    "bad_request": 400,
    "not_found": 404,
    "conflict": 409,
    "precondition": 412,
    "invalid": 422,
    "too_many": 429,
    "unavailable": 503,
    "timeout": 504,
}
OPERATOR = ("operator", "admin")
_CONTRACT_BASE = {
    "schema": "durable-workflow.v2.control-plane-response.contract",
    "version": 1,
    "legacy_field_policy": "reject_non_canonical",
    "legacy_fields": {
        "query": "query_name",
        "signal": "signal_name",
        "update": "update_name",
        "wait_policy": "wait_for",
    },
}
_PROJECTED = (
    "run_id",
    "workflow_type",
    "namespace",
    "business_key",
    "status",
    "status_bucket",
    "is_terminal",
    "task_queue",
    "run_number",
    "run_count",
    "workflow_count",
    "is_current_run",
    "compatibility",
    "started_at",
    "closed_at",
    "last_progress_at",
    "wait_kind",
    "wait_reason",
    "next_page_token",
    "command_id",
    "command_status",
    "command_source",
    "target_scope",
    "outcome",
    "reason",
    "rejection_reason",
    "validation_errors",
    "result",
    "result_envelope",
    "update_id",
    "update_status",
    "wait_for",
    "wait_timed_out",
    "wait_timeout_seconds",
    "blocked_reason",
    "message",
    "diagnostic_status",
)
_OPERATIONS: dict[str, tuple[str | None, list[str], list[str]]] = {
    "list": (None, [], []),
    "start": (None, [], ["workflow_id", "outcome"]),
    "describe": (None, ["workflow_id"], []),
    "list_runs": (None, ["workflow_id"], []),
    "describe_run": (None, ["workflow_id"], ["run_id"]),
    "history": (None, ["workflow_id", "run_id"], ["next_page_token"]),
    "signal": ("signal_name", ["workflow_id", "operation_name", "operation_name_field"], ["outcome"]),
    "query": ("query_name", ["workflow_id", "operation_name", "operation_name_field"], ["result"]),
    "update": ("update_name", ["workflow_id", "operation_name", "operation_name_field"], ["outcome"]),
    "cancel": (None, ["workflow_id"], ["outcome"]),
    "terminate": (None, ["workflow_id"], ["outcome"]),
}


@dataclass
class ServerState:
    """What routes need: the engine, auth and limits."""

    engine: Engine
    auth: Auth
    max_body_bytes: int

    @property
    def ops(self) -> EngineOps:
        """The engine's locked public operations (what handlers call)."""
        ops = self.__dict__.get("_ops")
        if ops is None:
            ops = self.__dict__["_ops"] = EngineOps(self.engine)
        return ops


@dataclass(frozen=True)
class Spec:
    """How a route is guarded and enveloped."""

    plane: str  # "worker" | "control" | "open" (health/ready) | "info" (cluster info)
    roles: tuple[str, ...] = OPERATOR
    namespace: bool = True
    operation: str | None = None


@dataclass
class Call:
    """One request, translated: path params, query params, JSON body and namespace."""

    request: Request
    engine: Engine
    state: ServerState
    params: dict[str, str]
    query: dict[str, str]
    body: dict[str, Any] = field(default_factory=dict)
    namespace: str = "default"

    @property
    def current_shapes(self) -> bool:
        """Does this worker-plane request (protocol 1.2+) expect the current generation's fields?"""
        return is_current_request(self.request.headers.get(WP_HEADER, "").strip())

    @property
    def ops(self) -> EngineOps:
        return self.state.ops


Handler = Callable[[Call], Awaitable[tuple[int, dict[str, Any]]]]


def control_plane_object(operation: str, body: dict[str, Any], name: str | None) -> dict[str, Any]:
    name_field, required, success = _OPERATIONS.get(operation, (None, [], []))
    obj: dict[str, Any] = {
        "schema": "durable-workflow.v2.control-plane-response",
        "version": 1,
        "operation": operation,
        "workflow_id": body.get("workflow_id"),
        "contract": {**_CONTRACT_BASE, "required_fields": required, "success_fields": success},
    }
    if name_field is not None:
        obj["operation_name"], obj["operation_name_field"] = name, name_field
    for key in _PROJECTED:
        if key in body:
            obj[key] = body[key]
    return obj


def _envelope(
    call_spec: Spec, request: Request, status: int, body: dict[str, Any], state: ServerState
) -> Response:
    headers: dict[str, str] = {}
    if call_spec.plane == "worker":
        advertised = advertised_protocol(state.engine.config)
        body = {
            **body,
            "protocol_version": advertised,
            "server_capabilities": server_capabilities(state.engine.config),
        }
        headers[WP_HEADER] = advertised
    elif call_spec.plane == "control":
        headers[CP_HEADER] = CONTROL_PLANE_VERSION
        if call_spec.operation is not None:
            params = request.path_params
            if "workflow_id" in params:
                body.setdefault("workflow_id", params["workflow_id"])
            if "run_id" in params:
                body.setdefault("run_id", params["run_id"])
            body["control_plane"] = control_plane_object(call_spec.operation, body, params.get("name"))
    return SafeJSONResponse(body, status_code=status, headers=headers)


def error_response(
    code: int,
    reason: str | None,
    message: str,
    spec: Spec,
    request: Request,
    state: ServerState,
    /,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {"message": message, **({"reason": reason} if reason else {}), **extra}
    if spec.plane == "worker":
        body.setdefault("error", message)
    return _envelope(spec, request, code, body, state)


async def _read_body(request: Request, spec: Spec, state: ServerState) -> dict[str, Any] | Response:
    limit = state.max_body_bytes
    try:
        raw = await read_limited(request.stream(), limit)
    except BodyTooLarge:
        return _too_large(request, spec, state)
    if not raw.strip():
        return {}
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and not (
        ctype == "application/json" or (ctype.startswith("application/") and ctype.endswith("+json"))
    ):
        return error_response(
            415,
            "unsupported_media_type",
            "Request body must be JSON.",
            spec,
            request,
            state,
            accepted_content_types=["application/json", "application/*+json"],
        )
    try:
        parsed = json.loads(raw, parse_constant=_reject_constant)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return error_response(
            400,
            "malformed_json",
            "The request body is not valid JSON.",
            spec,
            request,
            state,
            json_error="Syntax error",
        )
    return parsed if isinstance(parsed, dict) else {}


def _too_large(request: Request, spec: Spec, state: ServerState) -> Response:
    limit = state.max_body_bytes
    message = f"Request payload exceeds the maximum allowed size of {limit} bytes."
    return error_response(413, "payload_too_large", message, spec, request, state, limit=limit)


def _declared_too_large(request: Request, state: ServerState) -> bool:
    length = request.headers.get("content-length", "")
    return digits(length) is not None and int(length) > state.max_body_bytes


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _version_problem(plane: str, sent: str, advertised: str) -> tuple[str, str] | None:
    """(reason, message) when the plane's version header is missing or unsupported.

    A worker request of any ``1.M`` up to the advertised ``1.N`` is accepted (each generation's
    SDKs announce versions in between); it is answered in its generation's shapes.
    """
    if plane == "worker":
        if not sent:
            return "missing_protocol_version", "Missing worker protocol version header."
        major, _, minor = sent.partition(".")
        if major != "1" or not minor.isdigit() or int(minor) > int(advertised.split(".")[1]):
            return "unsupported_protocol_version", "Unsupported worker protocol version."
    elif plane == "control":
        if not sent:
            return "missing_control_plane_version", "Missing control-plane version header."
        if sent != CONTROL_PLANE_VERSION:
            return "unsupported_control_plane_version", "Unsupported control-plane version."
    return None


def _check_version(request: Request, spec: Spec, state: ServerState) -> Response | None:
    advertised = advertised_protocol(state.engine.config)
    header, supported, hint = (
        (WP_HEADER, advertised, f"1.0 through {advertised}")
        if spec.plane == "worker"
        else (CP_HEADER, CONTROL_PLANE_VERSION, CONTROL_PLANE_VERSION)
    )
    sent = request.headers.get(header, "").strip()
    problem = _version_problem(spec.plane, sent, advertised)
    if problem is None:
        return None
    return error_response(
        400,
        problem[0],
        problem[1],
        spec,
        request,
        state,
        supported_version=supported,
        requested_version=sent or None,
        remediation=f"Send {header}: {hint}.",
    )


def _check_auth(request: Request, spec: Spec, state: ServerState) -> Response | None:
    if spec.plane == "open":
        return None
    role = state.auth.role_for(request.headers.get("authorization"))
    if role is None:
        return error_response(
            401, "unauthorized", "Invalid or missing authentication token.", spec, request, state
        )
    if role != FULL_ACCESS and role not in spec.roles:
        return error_response(
            403,
            "forbidden",
            "Authenticated role is not allowed to access this endpoint.",
            spec,
            request,
            state,
            role=role,
            allowed_roles=list(spec.roles),
        )
    return None


def resolve_namespace(request: Request, state: ServerState) -> str:
    name = request.headers.get("x-namespace") or request.query_params.get("namespace")
    return (name or state.engine.config.default_namespace).strip().lower()


def api_route(path: str, methods: list[str], spec: Spec, handler: Handler) -> Route:
    """Wrap a handler in the pipeline and mount it under ``/api``."""

    async def endpoint(request: Request) -> Response:
        decode_path_params(request.scope)
        state: ServerState = request.app.state.server
        # Refuse before reading anything: a declared oversize body, then an unauthenticated caller.
        if _declared_too_large(request, state):
            return _too_large(request, spec, state)
        rejected = _check_auth(request, spec, state)
        if rejected is not None:
            return rejected
        body = await _read_body(request, spec, state)
        if isinstance(body, Response):
            return body
        rejected = _check_version(request, spec, state)
        if rejected is not None:
            return rejected
        try:
            check_texts(dict(request.path_params), where="path")
            check_tree(body)
            call = Call(
                request,
                state.engine,
                state,
                dict(request.path_params),
                dict(request.query_params),
                body,
                resolve_namespace(request, state),
            )
            if spec.namespace:
                state.ops.check_namespace(call.namespace)
            status, out = await handler(call)
        except EngineError as exc:
            return error_response(
                _STATUS.get(exc.kind, 409), exc.reason, exc.message, spec, request, state, **exc.details
            )
        return _envelope(spec, request, status, out, state)

    return Route("/api" + path, endpoint, methods=methods)
