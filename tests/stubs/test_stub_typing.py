"""Client code written against generated stubs passes mypy --strict, and misuse is rejected."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from mypy import api as mypy_api

from durable_workflow.stubs import generate

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

GOOD_CLIENT = """
from __future__ import annotations

from typing_extensions import assert_type

from durable_workflow.client import Client, WorkflowHandle
from examples.order_processing.models import Approval, Order, OrderResult, OrderStage
from examples_order_processing_workflows import OrderWorkflow, OrderWorkflowHandle
from sampleapp.payloads import Priority, Ticket
from sampleapp_workflows import Assignee, Comment, Summary, TriageWorkflow, TriageWorkflowHandle


async def triage(client: Client, ticket: Ticket) -> None:
    handle = await client.workflow(TriageWorkflow, workflow_id="t-1", task_queue="q").start(ticket)
    assert_type(handle, WorkflowHandle[Summary])
    typed = TriageWorkflowHandle(handle)
    await typed.comment(Comment(author=Assignee(name="ada"), text="on it"))
    await typed.close("ada", "duplicate")
    assert_type(await typed.list_comments(limit=3), list[Comment])
    assert_type(await typed.reprioritise(Priority.HIGH), tuple[Priority, int])
    assert_type(await typed.result(), Summary)


async def order(client: Client, order: Order) -> OrderResult:
    stub = client.workflow(OrderWorkflow, workflow_id="o-1", task_queue="orders")
    typed = OrderWorkflowHandle(await stub.start(order, 60.0))
    assert_type(await typed.current_stage(), OrderStage)
    await typed.approve(Approval(approved=True, approver="grace"))
    return await typed.result(timeout=5)
"""

# Each line marked `# E: code` must be rejected with that error code, and nothing else may be.
BAD_CLIENT = """
from __future__ import annotations

from durable_workflow.client import Client
from examples.order_processing.models import Approval, Order
from examples_order_processing_workflows import OrderWorkflow, OrderWorkflowHandle


async def misuse(client: Client, order: Order) -> None:
    stub = client.workflow(OrderWorkflow, workflow_id="o-1", task_queue="orders")
    await stub.start("not an order")  # E: arg-type
    await stub.start()  # E: call-arg
    await stub.start(order, approval_timeout_seconds="soon")  # E: arg-type
    typed = OrderWorkflowHandle(await stub.start(order))
    await typed.approve(True)  # E: arg-type
    await typed.approve(Approval(approved=True, approver="grace"), "extra")  # E: call-arg
    stage: int = await typed.current_stage()  # E: assignment
    status: str = (await typed.result()).order_id
    print(stage, status)
"""


def run_mypy(tmp_path: Path, *files: Path) -> list[str]:
    config = tmp_path / "mypy.ini"
    search = ":".join(str(p) for p in (tmp_path, ROOT / "stubs", ROOT, HERE, ROOT / "src"))
    config.write_text(
        f"[mypy]\nstrict = True\npython_version = 3.10\nmypy_path = {search}\n"
        f"cache_dir = {tmp_path / '.mypy_cache'}\n",
        encoding="utf-8",
    )
    stdout, stderr, _status = mypy_api.run(["--config-file", str(config), *map(str, files)])
    assert not stderr, stderr
    return [line for line in stdout.splitlines() if ": error:" in line]


def expected_errors(path: Path) -> set[tuple[int, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {(n, m.group(1)) for n, line in enumerate(lines, 1) if (m := re.search(r"# E: ([\w-]+)", line))}


def test_generated_stubs_type_client_code_strictly(tmp_path: Path) -> None:
    generate("sampleapp.workflows", tmp_path)
    good, bad = tmp_path / "client_good.py", tmp_path / "client_bad.py"
    good.write_text(GOOD_CLIENT, encoding="utf-8")
    bad.write_text(BAD_CLIENT, encoding="utf-8")
    shutil.copy(ROOT / "stubs" / "examples_order_processing_workflows.py", tmp_path / "committed_copy.py")

    errors = run_mypy(
        tmp_path, good, bad, tmp_path / "sampleapp_workflows.py", tmp_path / "committed_copy.py"
    )

    found = set()
    for line in errors:
        match = re.match(r"(.+?):(\d+): error: .*\[([\w-]+)\]$", line)
        assert match, line
        assert Path(match.group(1)).name == bad.name, f"unexpected error outside the misuse file: {line}"
        found.add((int(match.group(2)), match.group(3)))
    assert found == expected_errors(bad), "\n".join(errors)
