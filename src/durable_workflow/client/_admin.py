"""Namespace, search-attribute, task-queue and worker management methods of `Client`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from durable_workflow.client._models import NamespaceDescription
from durable_workflow.client._routes import api_path, expect_object, listed


class AdminMixin:
    """Management calls; they need an operator or admin token on servers with role auth."""

    async def _control(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        subject: str | None = None,
    ) -> Any:
        raise NotImplementedError

    # -- namespaces ------------------------------------------------------------------------

    async def list_namespaces(self) -> list[NamespaceDescription]:
        """Every namespace on the server."""
        body = expect_object(await self._control("GET", "/namespaces"), "namespaces")
        return [
            NamespaceDescription.from_body(n) for n in listed(body.get("namespaces")) if isinstance(n, dict)
        ]

    async def describe_namespace(self, name: str) -> NamespaceDescription:
        """One namespace. Raises `NamespaceNotFound` if it does not exist."""
        body = await self._control("GET", api_path("namespaces", name))
        return NamespaceDescription.from_body(expect_object(body, "namespace"))

    async def create_namespace(
        self, name: str, *, description: str | None = None, retention_days: int = 30
    ) -> NamespaceDescription:
        """Create a namespace."""
        payload = {"name": name, "description": description, "retention_days": retention_days}
        body = await self._control("POST", "/namespaces", json=payload)
        return NamespaceDescription.from_body(expect_object(body, "namespace"))

    async def update_namespace(
        self, name: str, *, description: str | None = None, retention_days: int | None = None
    ) -> NamespaceDescription:
        """Change a namespace's description or retention."""
        payload: dict[str, Any] = {}
        if description is not None:
            payload["description"] = description
        if retention_days is not None:
            payload["retention_days"] = retention_days
        body = await self._control("PUT", api_path("namespaces", name), json=payload)
        return NamespaceDescription.from_body(expect_object(body, "namespace"))

    # -- search attributes -----------------------------------------------------------------

    async def list_search_attributes(self) -> dict[str, dict[str, Any]]:
        """``{"system_attributes": {...}, "custom_attributes": {...}}`` of the namespace."""
        body = expect_object(await self._control("GET", "/search-attributes"), "search attributes")
        return {
            key: dict(body[key]) if isinstance(body.get(key), dict) else {}
            for key in ("system_attributes", "custom_attributes")
        }

    async def create_search_attribute(self, name: str, type: str) -> dict[str, Any]:
        """Register a custom search attribute of a type such as ``keyword``, ``int`` or ``datetime``."""
        body = await self._control("POST", "/search-attributes", json={"name": name, "type": type})
        return expect_object(body, "search attribute")

    async def delete_search_attribute(self, name: str) -> dict[str, Any]:
        """Remove a custom search attribute."""
        body = await self._control("DELETE", api_path("search-attributes", name))
        return expect_object(body, "search attribute")

    # -- task queues and workers -----------------------------------------------------------

    async def list_task_queues(self) -> list[dict[str, Any]]:
        """Task queues of the namespace with their pollers and backlog."""
        body = expect_object(await self._control("GET", "/task-queues"), "task queues")
        return [q for q in listed(body.get("task_queues")) if isinstance(q, dict)]

    async def describe_task_queue(self, name: str) -> dict[str, Any]:
        """One task queue (an unknown name describes an empty queue)."""
        return expect_object(await self._control("GET", api_path("task-queues", name)), "task queue")

    async def list_workers(
        self, *, task_queue: str | None = None, status: str | None = None
    ) -> list[dict[str, Any]]:
        """Registered workers of the namespace."""
        params = {"task_queue": task_queue, "status": status}
        body = expect_object(await self._control("GET", "/workers", params=params), "workers")
        return [w for w in listed(body.get("workers")) if isinstance(w, dict)]

    async def describe_worker(self, worker_id: str) -> dict[str, Any]:
        """One registered worker."""
        return expect_object(await self._control("GET", api_path("workers", worker_id)), "worker")

    async def deregister_worker(self, worker_id: str) -> dict[str, Any]:
        """Remove a worker registration."""
        return expect_object(await self._control("DELETE", api_path("workers", worker_id)), "worker")
