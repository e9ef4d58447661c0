"""Run pyright (installed from PyPI with its `nodejs` extra, so no download) and collect errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def pyright_errors(*paths: Path, project: Path | None = None) -> tuple[list[str], int]:
    """``(errors, files analysed)`` of pyright on ``paths`` (or the project's own ``include``)."""
    env = {**os.environ, "PYRIGHT_PYTHON_IGNORE_WARNINGS": "1"}
    command = [sys.executable, "-m", "pyright", "--outputjson", "--pythonpath", sys.executable]
    if project is not None:
        command += ["--project", str(project)]
    done = subprocess.run(
        [*command, *map(str, paths)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    try:
        report: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError:
        raise AssertionError(f"pyright did not run: {done.stdout[-2000:]}\n{done.stderr[-2000:]}") from None
    errors = [
        f"{d['file']}:{d['range']['start']['line'] + 1}: {d['message']} ({d.get('rule', '')})"
        for d in report["generalDiagnostics"]
        if d["severity"] == "error"
    ]
    return errors, int(report["summary"]["filesAnalyzed"])
