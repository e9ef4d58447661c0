"""Health, readiness, discovery, namespaces, search attributes, task queues and workers."""

from __future__ import annotations

import re
from typing import Any

from starlette.routing import Route

from durable_workflow.server._cluster import cluster_info
from durable_workflow.server._engine import ATTRIBUTE_TYPES, SYSTEM_ATTRIBUTES, Namespace
from durable_workflow.server._http import Call, Spec, api_route
from durable_workflow.server._ids import iso_offset
from durable_workflow.server._protocol import Fields

__all__ = ["routes"]

OPEN = Spec(plane="open", namespace=False, roles=())
INFO = Spec(plane="info", namespace=False, roles=("worker", "operator", "admin"))
NS_READ = Spec(plane="control", namespace=False)
NS_ADMIN = Spec(plane="control", namespace=False, roles=("admin",))
CONTROL = Spec(plane="control")
ADMIN = Spec(plane="control", roles=("admin",))
_NAME = re.compile(r"^[A-Za-z0-9._-]+$")
_ATTR = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _now(call: Call) -> str | None:
    return iso_offset(call.engine.clock.now())


async def health(call: Call) -> tuple[int, dict[str, Any]]:
    """Never touches the database; reports the last commit failure until a commit succeeds again."""
    error = call.engine.storage.last_error
    if error is not None:
        checks = {"database": "error", "database_error": error}
        return 503, {"status": "not_serving", "timestamp": _now(call), "checks": checks}
    return 200, {"status": "serving", "timestamp": _now(call), "checks": {"database": "ok"}}


async def ready(call: Call) -> tuple[int, dict[str, Any]]:
    checks = {
        name: {"status": "ok"} for name in ("database", "migrations", "default_namespace", "cache", "auth")
    }
    return 200, {"status": "ready", "timestamp": _now(call), "checks": checks}


async def info(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, cluster_info(call.engine.config, call.state.max_body_bytes)


def _namespace(ns: Namespace) -> dict[str, Any]:
    return {
        "name": ns.name,
        "description": ns.description,
        "retention_days": ns.retention_days,
        "status": ns.status,
        "external_payload_storage": ns.external_payload_storage,
        "created_at": iso_offset(ns.created_at),
        "updated_at": iso_offset(ns.updated_at),
    }


async def list_namespaces(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"namespaces": [_namespace(ns) for ns in await call.ops.list_namespaces()]}


async def create_namespace(call: Call) -> tuple[int, dict[str, Any]]:
    f = Fields(call.body)
    name = f.string("name", required=True, max_len=128, pattern=_NAME)
    description = f.string("description", max_len=1000)
    retention = f.integer("retention_days", minimum=1, maximum=365)
    f.done()
    ns = await call.ops.create_namespace(str(name), description, retention or 30)
    return 201, _namespace(ns)


async def describe_namespace(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, _namespace(await call.ops.describe_namespace(call.params["name"]))


async def update_namespace(call: Call) -> tuple[int, dict[str, Any]]:
    f = Fields(call.body)
    description = f.string("description", max_len=1000)
    retention = f.integer("retention_days", minimum=1, maximum=365)
    f.done()
    changes = {"description": description, "retention_days": retention}
    ns = await call.ops.update_namespace(call.params["name"], changes)
    return 200, _namespace(ns)


async def external_storage(call: Call) -> tuple[int, dict[str, Any]]:
    f = Fields(call.body)
    driver = f.choice(
        "driver", ("local", "s3", "gcs", "azure"), "The driver must be local, s3, gcs or azure."
    )
    if driver is None and "driver" not in call.body:
        f.add("driver", "The driver field is required.")
    threshold = f.integer("threshold_bytes")
    config = f.mapping("config")
    f.done()
    policy = {
        "driver": driver,
        "enabled": bool(call.body.get("enabled", True)),
        "threshold_bytes": threshold,
        "config": config or {},
    }
    ns = await call.ops.update_namespace(call.params["name"], {"external_payload_storage": policy})
    return 200, _namespace(ns)


async def list_attributes(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {
        "system_attributes": SYSTEM_ATTRIBUTES,
        "custom_attributes": await call.ops.custom_attributes(call.namespace),
    }


async def create_attribute(call: Call) -> tuple[int, dict[str, Any]]:
    f = Fields(call.body)
    name = f.string("name", required=True, max_len=128, pattern=_ATTR)
    type_ = f.choice("type", ATTRIBUTE_TYPES, f"The type must be one of {', '.join(ATTRIBUTE_TYPES)}.")
    if "type" not in call.body:
        f.add("type", "The type field is required.")
    f.done()
    attr = await call.ops.create_search_attribute(call.namespace, str(name), str(type_))
    return 201, {"name": attr.name, "type": attr.type, "outcome": "created"}


async def delete_attribute(call: Call) -> tuple[int, dict[str, Any]]:
    await call.ops.delete_search_attribute(call.namespace, call.params["name"])
    return 200, {"name": call.params["name"], "outcome": "deleted"}


async def list_queues(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, {"namespace": call.namespace, "task_queues": await call.ops.list_queues(call.namespace)}


async def describe_queue(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, await call.ops.describe_queue(call.namespace, call.params["name"])


async def list_workers(call: Call) -> tuple[int, dict[str, Any]]:
    workers = await call.ops.list_workers(
        call.namespace, call.query.get("task_queue"), call.query.get("status")
    )
    return 200, {
        "namespace": call.namespace,
        "workers": workers,
        "stale_after_seconds": int(call.engine.config.worker_stale_after_seconds),
    }


async def describe_worker(call: Call) -> tuple[int, dict[str, Any]]:
    return 200, await call.ops.describe_worker(call.namespace, call.params["worker_id"])


async def delete_worker(call: Call) -> tuple[int, dict[str, Any]]:
    await call.ops.deregister_worker(call.namespace, call.params["worker_id"])
    return 200, {"worker_id": call.params["worker_id"], "outcome": "deregistered"}


def routes() -> list[Route]:
    return [
        api_route("/health", ["GET"], OPEN, health),
        api_route("/ready", ["GET"], OPEN, ready),
        api_route("/cluster/info", ["GET"], INFO, info),
        api_route("/namespaces", ["GET"], NS_READ, list_namespaces),
        api_route("/namespaces", ["POST"], NS_ADMIN, create_namespace),
        api_route("/namespaces/{name}", ["GET"], NS_READ, describe_namespace),
        api_route("/namespaces/{name}", ["PUT"], NS_ADMIN, update_namespace),
        api_route("/namespaces/{name}/external-storage", ["PUT"], NS_ADMIN, external_storage),
        api_route("/search-attributes", ["GET"], CONTROL, list_attributes),
        api_route("/search-attributes", ["POST"], CONTROL, create_attribute),
        api_route("/search-attributes/{name}", ["DELETE"], CONTROL, delete_attribute),
        api_route("/task-queues", ["GET"], CONTROL, list_queues),
        api_route("/task-queues/{name}", ["GET"], CONTROL, describe_queue),
        api_route("/workers", ["GET"], CONTROL, list_workers),
        api_route("/workers/{worker_id}", ["GET"], CONTROL, describe_worker),
        api_route("/workers/{worker_id}", ["DELETE"], ADMIN, delete_worker),
    ]
