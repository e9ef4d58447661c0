"""Installed without extras, the SDK's always-loaded pytest plugin must not break pytest."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

UNRELATED = """
def test_unrelated():
    assert 1 + 1 == 2
"""

USES_FIXTURE = """
async def test_uses_the_dev_server(dev_server_client):
    pass
"""


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST", "VIRTUAL_ENV"))}
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_pytest_runs_with_the_sdk_installed_without_extras(tmp_path: Path) -> None:
    # A venv without pip of its own: this suite's pip installs into it (--python), from its cache.
    venv.create(tmp_path / "venv", with_pip=False)
    python = tmp_path / "venv" / ("Scripts" if os.name == "nt" else "bin") / "python"
    installed = _run(
        sys.executable,
        "-m",
        "pip",
        "--python",
        python,
        "install",
        "--quiet",
        ROOT,
        "pytest>=8,<10",
        "pytest-asyncio>=0.23,<2",
        cwd=tmp_path,
    )
    assert installed.returncode == 0, installed.stderr
    probe = _run(python, "-c", "import starlette", cwd=tmp_path)
    assert probe.returncode != 0, "the server extra leaked into a plain install"

    (tmp_path / "test_unrelated.py").write_text(UNRELATED)
    (tmp_path / "test_fixture.py").write_text(USES_FIXTURE)
    pytest_args = ("-m", "pytest", "-q", "-p", "no:cacheprovider")
    unrelated = _run(python, *pytest_args, "--trace-config", "test_unrelated.py", cwd=tmp_path)
    assert unrelated.returncode == 0, unrelated.stdout + unrelated.stderr
    assert "1 passed" in unrelated.stdout
    assert "durable_workflow.testing._pytest_plugin" in unrelated.stdout  # the plugin was loaded

    fixture = _run(python, *pytest_args, "--asyncio-mode=auto", "test_fixture.py", cwd=tmp_path)
    assert fixture.returncode == 1, fixture.stdout + fixture.stderr
    assert "pip install 'durable-workflow[server]'" in fixture.stdout
