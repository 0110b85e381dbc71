"""One writer at a time: an OS-level lock next to the SQLite file.

`flock` locks belong to the open file: the kernel drops them when the process exits, however it
exits (even `kill -9`), so a stale lock can never block the next run. The holder writes its PID
and start time into the file so a refused run can say who is busy.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from .errors import MonitorError


class BusyError(MonitorError):
    """Another run holds the lock; try again later (exit code 75, EX_TEMPFAIL)."""

    exit_code = 75


def lock_path_for(storage_url: str) -> Path | None:
    """`<db file>.lock` for a SQLite file; None for servers (PostgreSQL locks in the database)."""
    prefix, sep, rest = storage_url.partition(":///")
    if not prefix.startswith("sqlite") or not sep or not rest or rest == ":memory:":
        return None
    return Path(rest + ".lock")


@contextmanager
def exclusive(path: Path | None, what: str = "collect") -> Iterator[None]:
    """Hold the lock for the duration of the block, or raise BusyError at once."""
    if path is None:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = path.open("a+", encoding="utf-8")
    try:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise BusyError(
                f"another run is busy with this database ({holder}); {what} skipped"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC")
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
    finally:
        handle.close()


def is_locked(path: Path | None) -> bool:
    """True while some process holds the lock (used to tell running from interrupted runs)."""
    if path is None or not path.exists():
        return False
    with path.open("a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return False
