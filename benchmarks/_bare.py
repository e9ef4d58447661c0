"""A bare Starlette + uvicorn JSON endpoint: ``python -m benchmarks._bare PORT``."""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


async def echo(request: Request) -> Response:
    body = await request.json() if await request.body() else {}
    return JSONResponse({"ok": True, "echo": body})


async def health(request: Request) -> Response:
    return JSONResponse({"status": "serving"})


app = Starlette(routes=[Route("/echo", echo, methods=["POST"]), Route("/api/health", health)])

if __name__ == "__main__":
    uvicorn.run(
        app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False, lifespan="off"
    )
