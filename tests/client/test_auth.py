"""Bearer tokens per plane against the dev server's token and role drivers."""

from __future__ import annotations

import pytest

from durable_workflow import Client, Forbidden, Unauthorized
from durable_workflow.server import DevServer
from tests.client._worker_plane import BareWorker


async def test_shared_token_driver() -> None:
    async with DevServer(serve_http=False, auth_driver="token", token="s3cret") as server:
        async with Client(server.base_url, transport=server.asgi_transport()) as anonymous:
            with pytest.raises(Unauthorized) as info:
                await anonymous.start_workflow("w", "q", "auth-1", [])
            assert info.value.status_code == 401
        async with Client(server.base_url, token="wrong", transport=server.asgi_transport()) as wrong:
            with pytest.raises(Unauthorized):
                await wrong.describe_workflow("auth-1")
        async with Client(server.base_url, token="s3cret", transport=server.asgi_transport()) as good:
            handle = await good.start_workflow("w", "q", "auth-1", [])
            assert (await handle.describe()).workflow_id == "auth-1"
            await BareWorker(good).register(["w"])  # the shared token opens the worker plane too


async def test_role_tokens_are_plane_strict() -> None:
    async with DevServer(
        serve_http=False, auth_driver="roles", admin_token="adm", operator_token="ops", worker_token="wrk"
    ) as server:
        async with Client(
            server.base_url, control_token="ops", worker_token="wrk", transport=server.asgi_transport()
        ) as client:
            await client.start_workflow("w", "q", "roles-1", [])
            await BareWorker(client).register(["w"])
        async with Client(server.base_url, token="wrk", transport=server.asgi_transport()) as worker_only:
            with pytest.raises(Forbidden) as info:
                await worker_only.start_workflow("w", "q", "roles-2", [])
            assert info.value.status_code == 403
        async with Client(server.base_url, token="ops", transport=server.asgi_transport()) as operator_only:
            with pytest.raises(Forbidden):
                await BareWorker(operator_only).register(["w"])
