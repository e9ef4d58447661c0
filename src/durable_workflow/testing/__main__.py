"""``python -m durable_workflow.testing replay PATH... [--workflows MODULE]``."""

from __future__ import annotations

import sys

from durable_workflow.testing._replay_cli import main

if __name__ == "__main__":
    sys.exit(main())
