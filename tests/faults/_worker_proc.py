"""A worker in its own process: ``python -m tests.faults._worker_proc BASE_URL TASK_QUEUE``."""

from __future__ import annotations

import asyncio
import sys

from durable_workflow import Client, Worker
from tests.faults._workflows import Blocking, block_in_child


async def main(base_url: str, task_queue: str) -> None:
    async with Client(base_url) as client:
        worker = Worker(
            client, task_queue=task_queue, workflows=[Blocking], activities=[block_in_child], poll_timeout=1
        )
        await worker.run()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
