"""The auth matrix: driver x plane x credential x namespace, each refused with the upstream status and
reason (control-plane.md §1.4-§1.5, worker-plane.md §1.4-§1.6), in the upstream order: 401 before
403 before the namespace check, so a wrong token or role never learns whether a namespace exists.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from durable_workflow.server import DevServer
from tests.faults._support import CP, WP

TOKENS = {"admin": "t-admin", "operator": "t-operator", "worker": "t-worker", "shared": "t-shared"}
DRIVERS: dict[str, dict[str, Any]] = {
    "none": {"auth_driver": "none"},
    "token": {"auth_driver": "token", "token": TOKENS["shared"]},
    "roles": {
        "auth_driver": "roles",
        "token": TOKENS["shared"],  # with role tokens configured, the shared token is a plain admin
        "admin_token": TOKENS["admin"],
        "operator_token": TOKENS["operator"],
        "worker_token": TOKENS["worker"],
    },
}
CREDENTIALS = ("admin", "operator", "worker", "shared", "missing", "wrong")
PLANES = {
    # plane: (method, path, body, headers, success status, allowed roles)
    "control": ("GET", "/api/workflows", None, CP, 200, ["operator", "admin"]),
    "worker": ("POST", "/api/worker/register", {"task_queue": "q", "runtime": "python"}, WP, 201, ["worker"]),
}
NAMESPACES = ("default", "other", "missing")

UNAUTHORIZED = (401, "unauthorized", "Invalid or missing authentication token.")
FORBIDDEN = (403, "forbidden", "Authenticated role is not allowed to access this endpoint.")


def _role(driver: str, credential: str) -> str | None:
    """The principal the server must derive: '*' (full access), a role, or None (unauthenticated)."""
    if driver == "none":
        return "*"
    token = TOKENS.get(credential)
    if driver == "token":
        return "*" if token == TOKENS["shared"] else None
    if credential == "shared":
        return "admin"
    return credential if token else None


def expected(driver: str, plane: str, credential: str, namespace: str) -> tuple[int, str | None, str | None]:
    role = _role(driver, credential)
    if role is None:
        return UNAUTHORIZED
    if role != "*" and role not in PLANES[plane][5]:
        return FORBIDDEN
    if namespace == "missing":
        return 404, "namespace_not_found", f"Namespace '{namespace}' does not exist."
    return PLANES[plane][4], None, None


@dataclass
class Case:
    driver: str
    plane: str
    credential: str
    namespace: str

    @property
    def id(self) -> str:
        return f"{self.driver}-{self.plane}-{self.credential}-{self.namespace}"


CASES = [Case(*combo) for combo in itertools.product(DRIVERS, PLANES, CREDENTIALS, NAMESPACES)]


@pytest.fixture(params=list(DRIVERS))
async def server(request: pytest.FixtureRequest) -> AsyncIterator[tuple[str, httpx.AsyncClient]]:
    async with (
        DevServer(serve_http=False, **DRIVERS[request.param]) as srv,
        httpx.AsyncClient(base_url="http://dev", transport=srv.asgi_transport()) as http,
    ):
        admin = {"Authorization": f"Bearer {TOKENS['admin' if request.param == 'roles' else 'shared']}"}
        created = await http.post("/api/namespaces", json={"name": "other"}, headers={**CP, **admin})
        assert created.status_code == 201, created.text
        yield request.param, http


def _headers(case: Case) -> dict[str, str]:
    headers = {**PLANES[case.plane][3], "X-Namespace": case.namespace}
    if case.credential == "wrong":
        headers["Authorization"] = "Bearer not-a-token"
    elif case.credential != "missing":
        headers["Authorization"] = f"Bearer {TOKENS[case.credential]}"
    return headers


async def test_auth_matrix(server: tuple[str, httpx.AsyncClient]) -> None:
    driver, http = server
    mismatches = []
    for case in (c for c in CASES if c.driver == driver):
        method, path, body, _, _, allowed = PLANES[case.plane]
        response = await http.request(method, path, json=body, headers=_headers(case))
        status, reason, message = expected(case.driver, case.plane, case.credential, case.namespace)
        got: dict[str, Any] = response.json()
        problems = _check_body(case, response, got, status, reason, message, allowed)
        if response.status_code != status or problems:
            mismatches.append((case.id, response.status_code, status, problems, got.get("reason")))
    assert not mismatches, "\n".join(map(str, mismatches))


def _check_body(
    case: Case,
    response: httpx.Response,
    got: dict[str, Any],
    status: int,
    reason: str | None,
    message: str | None,
    allowed: list[str],
) -> list[str]:
    problems = []
    if reason is not None and (got.get("reason"), got.get("message")) != (reason, message):
        problems.append(f"body {got.get('reason')!r} {got.get('message')!r}")
    if status == 403 and (got.get("role"), got.get("allowed_roles")) != (
        _role(case.driver, case.credential),
        allowed,
    ):
        problems.append(f"403 details {got.get('role')!r} {got.get('allowed_roles')!r}")
    if status == 404 and got.get("namespace") != case.namespace:
        problems.append("404 without the namespace")
    if case.plane == "worker":
        if (
            response.headers.get("X-Durable-Workflow-Protocol-Version") != "1.20"
            or "server_capabilities" not in got
        ):
            problems.append("worker envelope missing")
        if reason is not None and got.get("error") != message:
            problems.append("worker error text missing")
    elif (
        response.headers.get("X-Durable-Workflow-Control-Plane-Version") != "2" or "control_plane" not in got
    ):
        problems.append("control-plane envelope missing")
    return problems


def test_the_matrix_covers_every_outcome() -> None:
    outcomes = {expected(c.driver, c.plane, c.credential, c.namespace)[0] for c in CASES}
    assert outcomes == {200, 201, 401, 403, 404}
    assert len(CASES) == 3 * 2 * 6 * 3


async def test_one_namespace_cannot_see_or_take_another_namespace_workflow() -> None:
    from tests.server.helpers import env

    async with (
        DevServer(serve_http=False) as srv,
        httpx.AsyncClient(base_url="http://dev", transport=srv.asgi_transport(), headers=CP) as http,
    ):
        assert (await http.post("/api/namespaces", json={"name": "other"})).status_code == 201
        start = {"workflow_id": "mine", "workflow_type": "t", "task_queue": "q", "input": env([])}
        assert (await http.post("/api/workflows", json=start)).status_code == 201
        other = {"X-Namespace": "other"}
        seen = await http.get("/api/workflows/mine", headers=other)
        assert (seen.status_code, seen.json()["reason"]) == (404, "instance_not_found")
        taken = await http.post("/api/workflows", json=start, headers=other)
        assert (taken.status_code, taken.json()["reason"]) == (409, "workflow_id_reserved_in_namespace")
        signal = await http.post("/api/workflows/mine/signal/go", json={}, headers=other)
        assert (signal.status_code, signal.json()["reason"]) == (404, "instance_not_found")
