"""Every example runs end to end against the embedded dev server, as a user would run it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_example(*args: str, timeout: float = 60) -> str:
    done = subprocess.run(
        [sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def test_greeter_prints_the_quickstart_result() -> None:
    out = run_example("examples/greeter.py")
    assert out.strip().splitlines()[-1] == "{'greeting': 'Hello, world!', 'length': 5}"


def test_greeter_against_a_running_server(live_server_url: str) -> None:
    out = run_example("examples/greeter.py", live_server_url)
    assert out.strip().splitlines()[-1] == "{'greeting': 'Hello, world!', 'length': 5}"


@pytest.mark.parametrize("path", sorted(p.name for p in (ROOT / "examples").glob("*.py")))
def test_every_example_script_is_covered(path: str) -> None:
    covered = {"demo.py", "greeter.py", "interop_plain_dicts.py"}
    assert path in covered, f"examples/{path} has no test in tests/test_examples.py"


def test_plain_dict_interop_example() -> None:
    out = run_example("examples/interop_plain_dicts.py")
    assert out.strip().splitlines()[-1] == (
        "{'order_id': 'A-17', 'units': 5, 'reservation': {'order_id': 'A-17', "
        "'lines': [{'sku': 'mug', 'reserved': 2}, {'sku': 'tea', 'reserved': 3}]}}"
    )


def test_demo_narrates_the_server_the_workflow_the_result_and_how_to_look(tmp_path: Path) -> None:
    db = tmp_path / "demo.sqlite"
    done = subprocess.run(
        [sys.executable, "examples/demo.py", "--db", str(db), "--port", "0"],
        cwd=ROOT,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("▶ Dev server running: web UI http://127.0.0.1:")
    assert "/api" in lines[0]
    assert lines[1] == "▶ Started workflow greeting-1 (type greeter, task queue default) with input 'world'"
    assert lines[2].startswith("▶ A worker ran it")
    assert lines[3] == "▶ Result: {'greeting': 'Hello, world!', 'length': 5}"
    assert f"server start-dev --db {db}" in done.stdout
    assert "/namespaces/default/workflows/greeting-1" in done.stdout
    assert db.exists()  # kept, so the command it prints shows the workflow
