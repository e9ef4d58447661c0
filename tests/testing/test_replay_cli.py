"""``durable-workflow replay PATH... --workflows MODULE`` over a directory of exported histories."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from durable_workflow.testing import WorkflowEnvironment
from durable_workflow.testing._replay_cli import main

WORKFLOWS = """
from durable_workflow import workflow


@workflow.defn(name="billing")
class Billing:
    def __init__(self):
        self.paid = False

    @workflow.signal("pay")
    def pay(self):
        self.paid = True

    def run(self, ctx, customer):
        yield ctx.sleep(3600)
        ok = yield ctx.wait_condition(lambda: self.paid, timeout=86400)
        yield ctx.sleep({second_sleep})
        {extra}
        return {{"customer": customer, "paid": ok}}
"""


def write_module(folder: Path, second_sleep: int, extra: str = "") -> str:
    name = f"replay_cli_wf_{uuid.uuid4().hex[:8]}"
    (folder / f"{name}.py").write_text(WORKFLOWS.format(second_sleep=second_sleep, extra=extra))
    return name


async def export_runs(module: Any, folder: Path) -> None:
    """Run the module's workflow twice (both payload encodings) and export each history as a file."""
    folder.mkdir()
    for encoding in ("wrapper", "value-v1"):
        async with (
            WorkflowEnvironment(payload_encoding=encoding) as env,
            env.worker(task_queue="q", workflows=[module.Billing]),
        ):
            handle = await env.client.start_workflow(
                "billing",
                "q",
                f"bill-{encoding}",
                [f"cust-{encoding}"],
                run_timeout_seconds=86400 * 3,
                execution_timeout_seconds=86400 * 3,
            )
            await env.sleep(3600)
            await handle.signal("pay")
            assert (await handle.result())["paid"] is True
            run_id = (await handle.describe()).run_id
            export = await env.client.export_history(f"bill-{encoding}", str(run_id))
        (folder / f"{encoding}.json").write_text(json.dumps(export, indent=1))


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    return tmp_path


async def test_replay_cli_over_a_directory(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import importlib

    original = write_module(workspace, 60)
    await export_runs(importlib.import_module(original), workspace / "histories")

    assert main(["replay", "histories", "--workflows", original]) == 0
    out = capsys.readouterr().out
    assert "ok    histories/value-v1.json" in out and "2 ok, 0 failed" in out

    changed = write_module(workspace, 120)  # same steps, another duration: still replays
    assert main(["histories", "--workflows", changed, "-q"]) == 0
    assert capsys.readouterr().out.strip() == "replayed 2 histories: 2 ok, 0 failed"

    broken = write_module(workspace, 60, "yield ctx.sleep(5)  # extra-step")
    assert main(["histories", "-w", f"{broken}:Billing"]) == 1
    out = capsys.readouterr().out
    assert out.count("FAIL") == 2 and "NonDeterminismError" in out
    lines = (workspace / f"{broken}.py").read_text().splitlines()
    line = next(i for i, text in enumerate(lines, 1) if text.endswith("# extra-step"))
    assert f"at: {workspace / broken}.py:{line}" in out


def test_replay_cli_usage_errors(workspace: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workspace / "empty").mkdir()
    assert main(["empty"]) == 2
    assert "no history files" in capsys.readouterr().err
    assert main(["missing.json"]) == 2
    (workspace / "h.json").write_text(json.dumps({"events": []}))
    assert main(["h.json", "--workflows", "no_such_module_xyz"]) == 2
    assert "cannot import 'no_such_module_xyz'" in capsys.readouterr().err
    assert main(["h.json", "--workflows", "json:loads"]) == 2


def test_replay_cli_reports_unknown_types_and_bad_files(
    workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    events = [{"sequence": 1, "event_type": "WorkflowStarted", "payload": {"workflow_type": "nobody"}}]
    (workspace / "unknown.json").write_text(json.dumps(events))
    (workspace / "garbage.json").write_text("{not json")
    assert main(["unknown.json", "garbage.json"]) == 1
    out = capsys.readouterr().out
    assert "no workflow registered for type 'nobody'" in out and "cannot read history" in out


def test_python_dash_m_entry_point(workspace: Path) -> None:
    (workspace / "h.json").write_text(json.dumps([]))
    done = subprocess.run(
        [sys.executable, "-m", "durable_workflow.testing", "replay", "h.json"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "the history names no workflow type" in done.stdout
    usage = subprocess.run(
        [sys.executable, "-m", "durable_workflow.testing", "replay"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert usage.returncode == 2 and "usage" in usage.stderr
