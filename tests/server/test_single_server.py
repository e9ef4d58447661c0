"""One server per database file: a second process refuses it, naming the file and the holder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from durable_workflow.server import DatabaseInUse, DevServer


async def test_a_second_process_refuses_the_database(tmp_path: Path) -> None:
    db = str(tmp_path / "shared.sqlite")
    async with DevServer(serve_http=False, db_path=db):
        second = subprocess.run(
            [sys.executable, "-m", "durable_workflow.server", "--port", "0", "--db", db],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert second.returncode != 0
        assert db in second.stderr and f"pid {os.getpid()}" in second.stderr, second.stderr
        assert "Traceback" not in second.stderr
    # Released on stop: the file can be served again.
    async with DevServer(serve_http=False, db_path=db):
        pass


async def test_a_second_server_in_the_same_process_is_refused_too(tmp_path: Path) -> None:
    db = str(tmp_path / "shared.sqlite")
    async with DevServer(serve_http=False, db_path=db):
        with pytest.raises(DatabaseInUse, match=r"shared\.sqlite"):
            async with DevServer(serve_http=False, db_path=db):
                pass
