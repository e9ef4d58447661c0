"""Route templates for metric tags, so ids never explode label cardinality."""

from __future__ import annotations

_NAMED = {"signal", "query", "update"}


def _workflows(parts: list[str]) -> str:
    out = ["workflows"]
    if len(parts) > 1:
        out.append("{workflow_id}")
    rest = parts[2:]
    while rest:
        head = rest[0]
        if head in _NAMED and len(rest) > 1:
            out += [head, "{name}"]
            rest = rest[2:]
        elif head == "runs" and len(rest) > 1:
            out += ["runs", "{run_id}"]
            rest = rest[2:]
        else:
            out.append(head)
            rest = rest[1:]
    return "/" + "/".join(out)


def route_template(path: str) -> str:
    """`/workflows/order-1/signal/approve` → `/workflows/{workflow_id}/signal/{name}`."""
    path = path.split("?", 1)[0]
    parts = [p for p in path.split("/") if p]
    if not parts:
        return "/"
    head = parts[0]
    if head == "workflows":
        return _workflows(parts)
    if head == "schedules" and len(parts) > 1:
        return "/" + "/".join(["schedules", "{schedule_id}", *parts[2:]])
    if head in ("namespaces", "search-attributes") and len(parts) > 1:
        return "/" + "/".join([head, "{name}", *parts[2:]])
    if head == "workers" and len(parts) > 1:
        return "/" + "/".join(["workers", "{worker_id}", *parts[2:]])
    if head == "worker" and len(parts) > 2 and parts[1].endswith("-tasks"):
        if parts[2] == "poll":
            return f"/worker/{parts[1]}/poll"
        return "/" + "/".join(["worker", parts[1], "{task_id}", *parts[3:]])
    return "/" + "/".join(parts)
