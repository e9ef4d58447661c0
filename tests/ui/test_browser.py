"""The web UI in a real headless Chromium against a live dev server with a worker."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest

from durable_workflow.sync import Client
from tests._live import TASK_QUEUE, LiveServer, live_server

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

HOSTILE = '<script>window.__xss = 1</script><img src="x" onerror="window.__xss = 2"><b>bold</b>'


@pytest.fixture
def page(browser: BrowserContext) -> Iterator[Page]:
    opened = browser.new_page()
    opened.set_default_timeout(15_000)
    yield opened
    opened.close()


def wait_status(client: Client, workflow_id: str, status: str, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while (current := client.describe_workflow(workflow_id).status) != status:
        assert time.monotonic() < deadline, f"{workflow_id} is {current}, not {status}"
        time.sleep(0.1)


def test_list_shows_a_started_workflow_and_its_page_the_history_and_result(
    page: Page, server: LiveServer, client: Client
) -> None:
    client.start_workflow("greeter", TASK_QUEUE, "browser-greeting", ["Browser"]).result(timeout=20)
    page.goto(f"{server.url}/")
    assert page.url.endswith("/namespaces/default/workflows")
    page.get_by_role("link", name="browser-greeting").click()
    page.wait_for_url("**/workflows/browser-greeting")
    assert page.inner_text("#wf-status") == "completed"
    output = page.inner_text("#wf-output")
    assert '"greeting": "Hello, Browser!"' in output and '"length": 7' in output
    history = page.inner_text("#history")
    for event in ("WorkflowStarted", "ActivityScheduled", "ActivityCompleted", "WorkflowCompleted"):
        assert event in history
    assert '"arguments": ["Browser"]' in history  # payloads decoded, not base64


def test_list_filters_by_status_and_type(page: Page, server: LiveServer, client: Client) -> None:
    client.start_workflow("approval", TASK_QUEUE, "browser-filter-open", ["x"])
    client.start_workflow("greeter", TASK_QUEUE, "browser-filter-done", ["y"]).result(timeout=20)
    page.goto(f"{server.url}/namespaces/default/workflows?status=running&type=approval")
    table = page.inner_text("table")
    assert "browser-filter-open" in table and "browser-filter-done" not in table
    page.select_option("select[name=status]", "completed")
    page.fill("input[name=type]", "")
    page.click("button:has-text('Filter')")
    page.wait_for_url("**status=completed**")
    assert "browser-filter-done" in page.inner_text("table")


def test_signal_from_the_ui_reaches_the_workflow(page: Page, server: LiveServer, client: Client) -> None:
    handle = client.start_workflow("approval", TASK_QUEUE, "browser-signal", [{"amount": 12}])
    page.goto(f"{server.url}/namespaces/default/workflows/browser-signal")
    page.fill("form.signal input[name=name]", "decide")
    page.fill("form.signal input[name=args]", '["approved"]')
    page.click("form.signal button")
    page.wait_for_selector("text=Signal sent.")
    assert handle.result(timeout=15) == {"request": {"amount": 12}, "decision": "approved"}
    page.reload()
    assert page.inner_text("#wf-status") == "completed"
    assert "SignalReceived" in page.inner_text("#history")


def test_cancel_and_terminate_ask_first_and_take_effect(
    page: Page, server: LiveServer, client: Client
) -> None:
    client.start_workflow("approval", TASK_QUEUE, "browser-cancel", ["c"])
    client.start_workflow("approval", TASK_QUEUE, "browser-terminate", ["t"])
    page.goto(f"{server.url}/namespaces/default/workflows/browser-terminate")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("button:has-text('Terminate')")
    time.sleep(0.5)
    assert client.describe_workflow("browser-terminate").status != "terminated"  # the user said no

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Terminate')")
    page.wait_for_selector("text=Workflow terminated.")
    wait_status(client, "browser-terminate", "terminated")

    page.goto(f"{server.url}/namespaces/default/workflows/browser-cancel")
    page.fill("form[action$='/cancel'] input[name=reason]", "ordered twice")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Cancel')")
    page.wait_for_selector("text=Cancellation requested.")
    wait_status(client, "browser-cancel", "cancelled")
    page.reload()
    assert page.inner_text("#wf-status") == "cancelled"
    assert "ordered twice" in page.inner_text("#history")


def test_the_page_updates_itself_while_the_workflow_runs(
    page: Page, server: LiveServer, client: Client
) -> None:
    client.start_workflow("approval", TASK_QUEUE, "browser-live", ["l"])
    wait_status(client, "browser-live", "waiting")
    page.goto(f"{server.url}/namespaces/default/workflows/browser-live")
    assert page.inner_text("#wf-status") == "waiting"
    client.signal_workflow("browser-live", "decide", ["later"])
    from playwright.sync_api import expect

    expect(page.locator("#wf-status")).to_have_text("completed", timeout=15_000)  # no reload by the test


def test_html_in_input_and_memo_is_shown_as_text(page: Page, server: LiveServer, client: Client) -> None:
    client.start_workflow("approval", TASK_QUEUE, "browser-xss", [HOSTILE], memo={"note": HOSTILE})
    page.goto(f"{server.url}/namespaces/default/workflows/browser-xss")
    as_json = json.dumps(HOSTILE)  # shown as the JSON text of the value, character for character
    assert as_json in page.inner_text("#wf-input")
    assert as_json in page.inner_text("#wf-memo")
    assert page.locator("main b").count() == 0 and page.locator("main img").count() == 0
    page.fill("form.signal input[name=name]", HOSTILE)  # reflected back in the refusal
    page.fill("form.signal input[name=args]", "not json")
    page.click("form.signal button")
    page.wait_for_selector("text=Arguments are not JSON")
    assert page.locator("main b").count() == 0
    assert page.evaluate("() => window.__xss") is None


def test_with_token_auth_the_ui_asks_for_the_token_and_refuses_without_it(browser: BrowserContext) -> None:
    with live_server(token="s3cret-token") as server, Client(server.url, server.token) as client:
        client.start_workflow("approval", TASK_QUEUE, "browser-auth", ["a"])
        wait_status(client, "browser-auth", "waiting")
        page = browser.new_page()
        try:
            response = page.goto(f"{server.url}/namespaces/default/workflows/browser-auth")
            assert response is not None and response.status == 401
            assert "browser-auth" not in page.inner_text("main")
            page.fill("input[name=token]", "wrong")
            page.click("button:has-text('Sign in')")
            page.wait_for_selector("text=That token was refused.")

            page.fill("input[name=token]", "s3cret-token")
            page.click("button:has-text('Sign in')")
            page.wait_for_url("**/workflows/browser-auth")
            assert "s3cret" not in page.url
            assert page.inner_text("#wf-status") == "waiting"
            assert "s3cret" not in page.evaluate("() => document.cookie")  # HttpOnly

            # A request without the token cookie is refused, even with a valid CSRF pair.
            csrf = next(c["value"] for c in browser.cookies() if c["name"] == "dw_ui_csrf")
            refused = httpx.post(
                f"{server.url}/namespaces/default/workflows/browser-auth/terminate",
                data={"csrf": csrf},
                cookies={"dw_ui_csrf": csrf},
            )
            assert refused.status_code == 401
            assert client.describe_workflow("browser-auth").status == "waiting"

            page.click("button:has-text('Log out')")
            page.wait_for_url("**/login")
            assert page.goto(f"{server.url}/namespaces/default/workflows").status == 401  # type: ignore[union-attr]
        finally:
            page.close()
            browser.clear_cookies()


def test_schedules_pause_resume_and_trigger_from_the_ui(
    page: Page, server: LiveServer, client: Client
) -> None:
    from durable_workflow import ScheduleAction, ScheduleSpec

    client.create_schedule(
        "browser-schedule",
        spec=ScheduleSpec(cron_expressions=["0 3 * * *"]),
        action=ScheduleAction("greeter", task_queue=TASK_QUEUE, input=["scheduled"]),
    )
    page.goto(f"{server.url}/namespaces/default/schedules")
    page.get_by_role("link", name="browser-schedule").click()
    page.click("button:has-text('Pause')")
    page.wait_for_selector("text=Paused.")
    assert client.describe_schedule("browser-schedule").paused
    page.click("button:has-text('Resume')")
    page.wait_for_selector("text=Resumed.")
    assert not client.describe_schedule("browser-schedule").paused
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("button:has-text('Trigger now')")
    page.wait_for_selector("text=Triggered.")
    fired = client.describe_schedule("browser-schedule").latest_workflow_instance_id
    assert fired is not None
    assert client.get_workflow_handle(fired).result(timeout=15)["greeting"] == "Hello, scheduled!"


def test_task_queues_workers_and_namespaces_pages(page: Page, server: LiveServer) -> None:
    page.goto(f"{server.url}/namespaces/default/task-queues")
    page.get_by_role("link", name=TASK_QUEUE, exact=True).click()
    assert "greeter" in page.inner_text("table")  # the poller's workflow types
    page.click("header >> text=Workers")
    assert "ui_greet" in page.inner_text("table")
    page.fill("header input[name=namespace]", "elsewhere")
    page.click("header button:has-text('Go')")
    page.wait_for_url("**/namespaces/elsewhere/workflows")
    assert page.title().startswith("404")
