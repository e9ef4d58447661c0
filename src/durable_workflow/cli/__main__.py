import sys

from durable_workflow.cli import main

sys.exit(main())
