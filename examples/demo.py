"""`make demo`: start the dev server, run the quickstart greeter through a worker, say what happened.

python examples/demo.py [--db PATH] [--port N]

In a terminal the server stays up afterwards (open the UI, try the CLI) until you press Enter;
elsewhere (CI, a pipe) it stops and prints the command that shows the workflow again later.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `examples.greeter` from any cwd

from examples.greeter import GreeterWorkflow, greet

from durable_workflow import Client, Worker
from durable_workflow.server import DevServer

WORKFLOW_ID = "greeting-1"


def free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def say(text: str) -> None:
    print(text, flush=True)


def fresh_db(path: str | None) -> str | None:
    if path is None:
        return None
    for suffix in ("", "-wal", "-shm"):
        Path(path + suffix).unlink(missing_ok=True)  # the demo starts from an empty database
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return path


async def run_greeter(server: DevServer) -> tuple[object, int, float]:
    async with Client(server.base_url) as client:
        stub = client.workflow(GreeterWorkflow, workflow_id=WORKFLOW_ID, task_queue="default")
        started = time.perf_counter()
        handle = await stub.start("world")
        say(f"▶ Started workflow {WORKFLOW_ID} (type greeter, task queue default) with input 'world'")
        worker = Worker(client, task_queue="default", workflows=[GreeterWorkflow], activities=[greet])
        await worker.run_until(workflow_id=WORKFLOW_ID, timeout=30.0)
        result = await handle.result(timeout=10.0)
        elapsed = time.perf_counter() - started
        events = await handle.history()
        return result, len(events), elapsed


async def main(db: str | None, port: int | None, interactive: bool) -> None:
    if port is None:
        port = 8080 if free(8080) else 0
    async with DevServer(port=port, db_path=fresh_db(db)) as server:
        url = server.base_url
        say(f"▶ Dev server running: web UI {url}/  ·  API {url}/api  ·  SQLite {server.db_path}")
        result, events, elapsed = await run_greeter(server)
        took = f"{events} history events, {elapsed * 1000:.0f} ms"
        say(f"▶ A worker ran it: activity 'greet', then the workflow completed ({took})")
        say(f"▶ Result: {result}")
        cli = Path(sys.executable).parent / "durable-workflow"
        cli_name = os.path.relpath(cli) if cli.exists() else "durable-workflow"
        page = f"{url}/namespaces/default/workflows/{WORKFLOW_ID}"
        if interactive:
            say(f"\nLook at it now: open {page}")
            say(f"  or, in another terminal: {cli_name} workflow describe {WORKFLOW_ID} --server {url}")
            say("Press Enter to stop the server.")
            await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
            return
    if db is not None:
        say(f"\nTo look at it later: {cli_name} server start-dev --db {db}")
        say(f"  then open http://127.0.0.1:8080/namespaces/default/workflows/{WORKFLOW_ID}")
        say(f"  (or run `{cli_name} workflow describe {WORKFLOW_ID}` while it runs)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help="SQLite file to keep (default: a temporary one)")
    parser.add_argument("--port", type=int, default=None, help="default: 8080 when free, else any")
    args = parser.parse_args()
    interactive = sys.stdin.isatty() and not os.environ.get("CI")
    asyncio.run(main(args.db, args.port, interactive))
