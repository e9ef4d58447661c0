"""Regenerate the screenshots of docs/ui.md: ``python -m tests.ui.make_screenshots``.

Starts a dev server with a worker, runs a few workflows and a schedule so every page has
something to show, and photographs the main pages with headless Chromium (Debian's package).
"""

from __future__ import annotations

import time
from pathlib import Path

from durable_workflow import ScheduleAction, ScheduleSpec
from durable_workflow.sync import Client
from tests._live import TASK_QUEUE, live_server
from tests.ui._browser import chromium

OUT = Path(__file__).resolve().parents[2] / "docs" / "img"


def populate(client: Client) -> None:
    client.start_workflow("greeter", TASK_QUEUE, "greeting-ada", ["Ada"]).result(timeout=20)
    client.start_workflow("greeter", TASK_QUEUE, "greeting-grace", ["Grace"]).result(timeout=20)
    client.start_workflow(
        "approval", TASK_QUEUE, "expense-1042", [{"amount": 240, "by": "sam"}], memo={"team": "finance"}
    )
    client.start_workflow("restock", TASK_QUEUE, "restock-mugs", ["mugs"])
    client.create_schedule(
        "nightly-report",
        spec=ScheduleSpec(cron_expressions=["0 2 * * *"]),
        action=ScheduleAction("greeter", task_queue=TASK_QUEUE, input=["night shift"]),
        note="report for the ops channel",
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # wait for the first retry of the flaky activity
        events = client.get_history("restock-mugs", str(client.describe_workflow("restock-mugs").run_id))
        if any(e["event_type"] == "ActivityRetryScheduled" for e in events):
            return
        time.sleep(0.2)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with live_server() as server, Client(server.url) as client, chromium() as browser:
        populate(client)
        page = browser.new_page()
        page.set_viewport_size({"width": 1280, "height": 860})
        shots = {
            "ui-workflows.png": "/namespaces/default/workflows",
            "ui-workflow.png": "/namespaces/default/workflows/restock-mugs",
            "ui-workflow-waiting.png": "/namespaces/default/workflows/expense-1042",
            "ui-task-queues.png": f"/namespaces/default/task-queues/{TASK_QUEUE}",
            "ui-schedule.png": "/namespaces/default/schedules/nightly-report",
        }
        for name, path in shots.items():
            page.goto(server.url + path)
            page.screenshot(path=str(OUT / name), full_page=True)
            print(f"wrote {OUT / name}")


if __name__ == "__main__":
    main()
