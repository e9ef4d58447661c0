"""SQLite persistence for the dev server: a document table and an append-only event table.

Storage knows nothing about workflows: the engine hands it documents (JSON objects keyed by kind
and key) and history rows, and every `commit` is one SQLite transaction.
"""

from durable_workflow.server._storage._sqlite import EventRow as EventRow, Storage as Storage

__all__ = ["EventRow", "Storage"]
