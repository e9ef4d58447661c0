"""Memory of a worker's workflow cache: 1000 cached runs of a 100-step workflow.

Each run is replayed from a fresh copy of its history (as if just received from the server)
and kept in the cache, as a worker keeps them between tasks. Prints the process RSS growth.
``python -m benchmarks.cache_memory``
"""

from __future__ import annotations

import gc
import json

from benchmarks.replay import CONVERTER, Loop, history
from durable_workflow.workflow import WorkflowCache, WorkflowInfo, get_definition, run_workflow_task

__all__ = ["main", "rss_mb"]


def rss_mb() -> float:
    """Resident set size of this process in MiB (Linux /proc)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS"))
    return int(line.split()[1]) / 1024


def main(runs: int = 1000, steps: int = 100) -> float:
    definition = get_definition(Loop)
    raw = json.dumps(history(steps, steps - 1))  # the last activity still open: the run is live
    gc.collect()
    before = rss_mb()
    cache = WorkflowCache(runs)
    for i in range(runs):
        info = WorkflowInfo(f"wf-{i}", f"run-{i}", "bench-loop", "q", None)
        instance, _ = run_workflow_task(
            definition, info, [steps], json.loads(raw), converter=CONVERTER, cache=cache
        )
        cache.put(info.run_id, instance)
    gc.collect()
    grown = rss_mb() - before
    metrics = cache.metrics()
    print(
        f"\n{metrics['entries']} cached runs of a {steps}-step workflow: RSS +{grown:.1f} MiB "
        f"({grown * 1024 / runs:.1f} KiB per run); cache estimate {metrics['history_bytes'] / 2**20:.1f} MiB"
    )
    return grown


if __name__ == "__main__":
    main()
