"""SQLite persistence for the dev server: documents, history events and listing indexes.

Storage knows nothing about workflows: the engine hands it one `Commit` per unit of work (JSON
documents keyed by kind and key, history rows, listing rows) and every commit is one SQLite
transaction, written on a dedicated writer thread.
"""

from durable_workflow.server._storage._lock import DatabaseInUse as DatabaseInUse
from durable_workflow.server._storage._sqlite import (
    DURABILITY_MODES as DURABILITY_MODES,
    Commit as Commit,
    Durability as Durability,
    EventRow as EventRow,
    RunRow as RunRow,
    Storage as Storage,
    StorageError as StorageError,
    Writer as Writer,
    dumps as dumps,
)

__all__ = [
    "DURABILITY_MODES",
    "Commit",
    "DatabaseInUse",
    "Durability",
    "EventRow",
    "RunRow",
    "Storage",
    "StorageError",
    "Writer",
    "dumps",
]
