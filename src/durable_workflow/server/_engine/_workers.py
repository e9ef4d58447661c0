"""Worker registrations, namespaces and search-attribute definitions."""

from __future__ import annotations

from typing import Any

from durable_workflow.server._engine._core import EngineBase
from durable_workflow.server._engine._errors import EngineError, invalid
from durable_workflow.server._engine._model import Namespace, SearchAttribute, Worker

__all__ = ["AdminMixin", "SYSTEM_ATTRIBUTES"]

RUNTIMES = ("php", "python", "typescript", "go", "java")
SYSTEM_ATTRIBUTES = {
    "WorkflowType": "keyword",
    "WorkflowId": "keyword",
    "RunId": "keyword",
    "Status": "keyword",
    "StartTime": "datetime",
    "CloseTime": "datetime",
    "TaskQueue": "keyword",
    "BuildId": "keyword",
}
ATTRIBUTE_TYPES = ("keyword", "text", "int", "double", "bool", "datetime", "keyword_list")


def _validators(contracts: Any) -> dict[str, list[str]]:
    """workflow type -> ``update_validators`` names, from ``workflow_command_contracts``."""
    if not isinstance(contracts, dict):
        return {}
    found = {
        name: _strings(contract.get("update_validators"))
        for name, contract in contracts.items()
        if isinstance(name, str) and isinstance(contract, dict)
    }
    return {name: names for name, names in found.items() if names}


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


class AdminMixin(EngineBase):
    """Workers, namespaces, search attributes."""

    # -- workers -----------------------------------------------------------------------------

    def register_worker(self, namespace: str, body: dict[str, Any], worker_id: str) -> Worker:
        now = self.clock.now()
        existing = self.workers.get(f"{namespace}/{worker_id}")
        prints = body.get("workflow_definition_fingerprints")
        prints = {k: v for k, v in prints.items() if isinstance(v, str)} if isinstance(prints, dict) else {}
        if existing is not None and existing.status == "active" and self.worker_fresh(existing):
            for wf_type, fingerprint in prints.items():
                old = existing.workflow_definition_fingerprints.get(wf_type)
                if old is not None and old != fingerprint:
                    raise EngineError(
                        "conflict",
                        "workflow_definition_changed",
                        "Worker attempted to re-register a changed workflow definition.",
                        workflow_type=wf_type,
                        remediation="Use a new worker_id (or wait for the old registration to go stale).",
                    )
        worker = Worker(
            namespace=namespace,
            worker_id=worker_id,
            task_queue=body["task_queue"],
            runtime=body["runtime"],
            sdk_version=body.get("sdk_version"),
            build_id=body.get("build_id"),
            supported_workflow_types=_strings(body.get("supported_workflow_types")),
            supported_activity_types=_strings(body.get("supported_activity_types")),
            workflow_definition_fingerprints=prints,
            capabilities=_strings(body.get("capabilities")),
            update_validators=_validators(body.get("workflow_command_contracts")),
            max_concurrent_workflow_tasks=int(body.get("max_concurrent_workflow_tasks") or 100),
            max_concurrent_activity_tasks=int(body.get("max_concurrent_activity_tasks") or 100),
            last_heartbeat_at=now,
            registered_at=existing.registered_at if existing else now,
            updated_at=now,
        )
        self.save(worker)
        return worker

    def worker_status(self, worker: Worker) -> str:
        return worker.status if self.worker_fresh(worker) else "stale"

    def heartbeat_worker(self, namespace: str, worker_id: str) -> Worker:
        worker = self.workers.get(f"{namespace}/{worker_id}")
        if worker is None:
            raise EngineError(
                "not_found",
                "worker_not_registered",
                f"Worker [{worker_id}] is not registered.",
                worker_id=worker_id,
            )
        worker.last_heartbeat_at = worker.updated_at = self.clock.now()
        self.save(worker)
        return worker

    def polling_worker(self, namespace: str, worker_id: Any, task_queue: Any) -> Worker:
        """The registration a poll must present (412 unknown, 409 queue mismatch)."""
        errors: dict[str, list[str]] = {}
        if not isinstance(worker_id, str) or not worker_id:
            errors["worker_id"] = ["The worker id field is required."]
        if not isinstance(task_queue, str) or not task_queue:
            errors["task_queue"] = ["The task queue field is required."]
        if errors:
            raise invalid(errors)
        worker = self.workers.get(f"{namespace}/{worker_id}")
        if worker is None:
            raise EngineError(
                "precondition",
                "worker_not_registered",
                f"Worker [{worker_id}] is not registered. Register before polling.",
                worker_id=worker_id,
            )
        if worker.task_queue != task_queue:
            raise EngineError(
                "conflict",
                "task_queue_mismatch",
                f"Worker [{worker_id}] is registered for task queue [{worker.task_queue}].",
                worker_id=worker_id,
                registered_task_queue=worker.task_queue,
                requested_task_queue=task_queue,
            )
        return worker

    def deregister_worker(self, namespace: str, worker_id: str) -> None:
        key = f"{namespace}/{worker_id}"
        if key not in self.workers:
            raise EngineError(
                "not_found", "worker_not_found", f"Worker [{worker_id}] not found.", worker_id=worker_id
            )
        del self.workers[key]
        self._dirty[(Worker.KIND, key)] = None

    # -- namespaces --------------------------------------------------------------------------

    def ensure_namespace(self, name: str) -> None:
        if name not in self.namespaces:
            now = self.clock.now()
            self.save(Namespace(name=name, description="Default namespace", created_at=now, updated_at=now))

    def get_namespace(self, name: str) -> Namespace:
        ns = self.namespaces.get(name.lower())
        if ns is None:
            raise EngineError(
                "not_found",
                "namespace_not_found",
                f"Namespace '{name}' does not exist.",
                namespace=name,
                remediation="Create it with POST /api/namespaces.",
            )
        return ns

    def create_namespace(self, name: str, description: str | None, retention_days: int) -> Namespace:
        if name.lower() in self.namespaces:
            raise EngineError(
                "conflict",
                "namespace_already_exists",
                f"Namespace '{name}' already exists.",
                namespace=name.lower(),
            )
        now = self.clock.now()
        ns = Namespace(
            name=name.lower(),
            description=description,
            retention_days=retention_days,
            created_at=now,
            updated_at=now,
        )
        self.save(ns)
        return ns

    def update_namespace(self, name: str, changes: dict[str, Any]) -> Namespace:
        ns = self.get_namespace(name)
        for key in ("description", "retention_days", "external_payload_storage"):
            if changes.get(key) is not None:
                setattr(ns, key, changes[key])
        ns.updated_at = self.clock.now()
        self.save(ns)
        return ns

    # -- search attributes -------------------------------------------------------------------

    def custom_attributes(self, namespace: str) -> dict[str, str]:
        return {a.name: a.type for a in self.search_attributes.values() if a.namespace == namespace}

    def create_search_attribute(self, namespace: str, name: str, type_: str) -> SearchAttribute:
        if name in SYSTEM_ATTRIBUTES:
            raise EngineError(
                "conflict", "name_reserved", f"[{name}] is a reserved system attribute name.", name=name
            )
        existing = self.search_attributes.get(f"{namespace}/{name}")
        if existing is not None:
            raise EngineError(
                "conflict",
                "attribute_already_exists",
                f"Search attribute [{name}] already exists.",
                name=name,
                type=existing.type,
            )
        if len(self.custom_attributes(namespace)) >= 100:
            raise EngineError(
                "invalid",
                "search_attribute_limit_reached",
                "A namespace may define at most 100 custom search attributes.",
                limit=100,
            )
        attr = SearchAttribute(namespace=namespace, name=name, type=type_)
        self.save(attr)
        return attr

    def delete_search_attribute(self, namespace: str, name: str) -> None:
        if name in SYSTEM_ATTRIBUTES:
            raise EngineError("conflict", "system_attribute", f"[{name}] is a system attribute.", name=name)
        key = f"{namespace}/{name}"
        if key not in self.search_attributes:
            raise EngineError(
                "not_found", "attribute_not_found", f"Search attribute [{name}] not found.", name=name
            )
        del self.search_attributes[key]
        self._dirty[(SearchAttribute.KIND, key)] = None
