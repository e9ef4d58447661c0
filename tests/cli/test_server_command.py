"""``durable-workflow server start-dev``: options, environment, banner, request log."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import httpx
import pytest

from durable_workflow.cli import main
from durable_workflow.cli._server import start_dev


def test_start_dev_defaults_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    params = start_dev.make_context("start-dev", []).params
    assert params["durability"] == "normal"
    assert (params["host"], params["port"], params["db"], params["auth_driver"]) == (
        "127.0.0.1",
        8080,
        None,
        "none",
    )
    monkeypatch.setenv("DW_AUTH_DRIVER", "roles")
    monkeypatch.setenv("DW_WORKER_TOKEN", "wk")
    monkeypatch.setenv("DW_AUTH_TOKEN", "shared")
    monkeypatch.setenv("DW_DEV_DURABILITY", "full")
    params = start_dev.make_context("start-dev", ["--port", "9000", "--db", "x.sqlite"]).params
    assert params["durability"] == "full"
    assert (params["port"], params["db"], params["auth_driver"], params["worker_token"], params["token"]) == (
        9000,
        "x.sqlite",
        "roles",
        "wk",
        "shared",
    )


def test_misconfigured_auth_exits_with_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["server", "start-dev", "--auth-driver", "token"]) == 2
    assert "needs a token" in capsys.readouterr().err


def test_unknown_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["nope"]) == 2
    assert "No such command 'nope'" in capsys.readouterr().err


def test_start_dev_prints_the_ui_and_api_addresses_and_logs_each_request() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "durable_workflow.cli", "server", "start-dev", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(4)]
        assert lines[0].strip() == "Durable Workflow dev server"
        ui = lines[1].split("Web UI:")[1].strip()
        assert ui.startswith("http://127.0.0.1:") and ui.endswith("/")
        assert lines[2].split()[1] == f"{ui}api"
        assert httpx.get(f"{ui}api/health").status_code == 200
        assert httpx.get(f"{ui}namespaces/default/workflows").status_code == 200
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "INFO durable_workflow.server.requests: GET /api/health 200 " in err
    assert "GET /namespaces/default/workflows 200 " in err
    assert "GET /api/workflows" not in err  # the UI's own API calls are logged at DEBUG only
    assert "HTTP Request" not in err
