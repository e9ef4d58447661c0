"""The ``durable-workflow server start-dev`` command line."""

from __future__ import annotations

import pytest

from durable_workflow.cli import build_parser, main


def test_start_dev_defaults_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    args = build_parser().parse_args(["server", "start-dev"])
    assert (args.host, args.port, args.db, args.auth_driver) == ("127.0.0.1", 8080, None, "none")
    monkeypatch.setenv("DW_AUTH_DRIVER", "roles")
    monkeypatch.setenv("DW_WORKER_TOKEN", "wk")
    monkeypatch.setenv("DW_AUTH_TOKEN", "shared")
    args = build_parser().parse_args(["server", "start-dev", "--port", "9000", "--db", "x.sqlite"])
    assert (args.port, args.db, args.auth_driver, args.worker_token, args.token) == (
        9000,
        "x.sqlite",
        "roles",
        "wk",
        "shared",
    )


def test_misconfigured_auth_exits_with_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["server", "start-dev", "--auth-driver", "token"]) == 2
    assert "needs a token" in capsys.readouterr().err


def test_unknown_command_is_a_usage_error() -> None:
    with pytest.raises(SystemExit):
        main(["nope"])
