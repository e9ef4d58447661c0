"""The ``durable-workflow`` command line (needs the ``cli`` extra: click and rich).

Command groups: ``workflow``, ``schedule``, ``task-queue``, ``worker``, ``namespace`` (all built
on the public `durable_workflow.Client`), ``server start-dev``, ``stubs`` and ``replay``. Each
group lives in its own module and is registered in ``_app.py``.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]

MISSING_EXTRA = (
    "durable-workflow: the command line needs the 'cli' extra "
    "(pip install 'durable-workflow[cli]', or 'durable-workflow[server]' for the dev server too): {exc}\n"
)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``durable-workflow`` console script; returns the exit status."""
    try:
        from durable_workflow.cli._app import run
    except ImportError as exc:  # click or rich missing: say which extra brings them
        sys.stderr.write(MISSING_EXTRA.format(exc=exc))
        return 2
    return run(argv)
