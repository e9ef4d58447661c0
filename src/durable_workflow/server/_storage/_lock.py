"""One server per database file: an exclusive advisory lock on ``<db>.lock`` holding the owner's pid.

The OS releases the lock when the process dies (even on SIGKILL), so a crashed server never
leaves a stale lock behind; the pid in the file only serves the refusal message.
"""

from __future__ import annotations

import os
from typing import IO

__all__ = ["DatabaseInUse", "DatabaseLock"]

try:
    import fcntl
except ImportError:  # Windows: no advisory locks through fcntl; the lock is then a no-op
    fcntl = None  # type: ignore[assignment]


class DatabaseInUse(OSError):
    """Another live process already serves this database file."""

    def __init__(self, path: str, holder: str) -> None:
        super().__init__(
            f"the database {path} is already in use by another dev server (pid {holder}); "
            "stop that server or pass a different --db"
        )
        self.path = path
        self.holder = holder


class DatabaseLock:
    """The exclusive lock of one database file (``acquire`` raises `DatabaseInUse`)."""

    def __init__(self, db_path: str) -> None:
        self.db_path = db_path
        self.path = db_path + ".lock"
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        if fcntl is None or self.db_path in ("", ":memory:"):
            return
        handle = open(self.path, "a+", encoding="ascii")  # noqa: SIM115 (held until release)
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            handle.close()
            raise DatabaseInUse(self.db_path, holder) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._file = handle

    def release(self) -> None:
        if self._file is None:
            return
        self._file.seek(0)
        self._file.truncate()
        self._file.close()
        self._file = None
