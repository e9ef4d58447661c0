"""``python -m durable_workflow.stubs generate MODULE --out DIR``."""

from __future__ import annotations

import sys

from durable_workflow.stubs import main

if __name__ == "__main__":
    sys.exit(main())
