"""``python -m durable_workflow.server [--port N --db PATH ...]`` = ``durable-workflow server start-dev``."""

from __future__ import annotations

import sys

from durable_workflow.cli import main

if __name__ == "__main__":
    sys.exit(main(["server", "start-dev", *sys.argv[1:]]))
