"""Namespaces, search attributes, task queues and workers through the client."""

from __future__ import annotations

import pytest

from durable_workflow import Client, NamespaceNotFound
from tests.client._worker_plane import BareWorker


async def test_namespaces_lifecycle(client: Client) -> None:
    names = [n.name for n in await client.list_namespaces()]
    assert "default" in names
    created = await client.create_namespace("orders", description="order team", retention_days=7)
    assert created.name == "orders"
    assert created.retention_days == 7
    updated = await client.update_namespace("orders", description="orders and refunds")
    assert updated.description == "orders and refunds"
    assert (await client.describe_namespace("orders")).description == "orders and refunds"
    with pytest.raises(NamespaceNotFound):
        await client.describe_namespace("ghost")


async def test_search_attributes_lifecycle(client: Client) -> None:
    await client.create_search_attribute("CustomerId", "keyword")
    listed = await client.list_search_attributes()
    assert "CustomerId" in listed["custom_attributes"]
    await client.delete_search_attribute("CustomerId")
    assert "CustomerId" not in (await client.list_search_attributes())["custom_attributes"]


async def test_workers_and_task_queues_are_listed(client: Client) -> None:
    await BareWorker(client, task_queue="billing", worker_id="w-billing").register(["invoice"])
    workers = await client.list_workers()
    assert [w["worker_id"] for w in workers] == ["w-billing"]
    assert (await client.describe_worker("w-billing"))["task_queue"] == "billing"
    queues = [q["name"] for q in await client.list_task_queues()]
    assert "billing" in queues
    await client.deregister_worker("w-billing")
    assert await client.list_workers() == []
