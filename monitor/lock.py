"""One writer at a time per database.

* SQLite: an `flock` lock on `<db file>.lock`. `flock` locks belong to the open file: the kernel
  drops them when the process exits, however it exits (even `kill -9`), so a stale lock can
  never block the next run. The holder writes its PID and start time into the file so a refused
  run can say who is busy.
* PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock`), keyed by the schema the
  tables live in, held on a connection of its own. The server drops it when that connection
  ends, also when the process is killed. The connection's `application_name` names the holder.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from .dbtext import database_file, display_url, first_line, parse_url
from .errors import MonitorError, StoreError

LOCK_NAME = "hf-monitor writer"
_KEY = "hashtext(current_schema() || '/hf-monitor-writer')"
# Who holds this schema's key: another schema's writer in the same database is not the one in
# the way. A bigint advisory key shows in pg_locks as its high and low 32 bits.
_HOLDER = f"""
    SELECT a.application_name, a.backend_start
    FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid::bigint = ({_KEY}::bigint >> 32) & 4294967295
      AND l.objid::bigint = {_KEY}::bigint & 4294967295
"""


class BusyError(MonitorError):
    """Another run holds the lock; try again later (exit code 75, EX_TEMPFAIL)."""

    exit_code = 75


def lock_path_for(storage_url: str) -> Path | None:
    """`<db file>.lock` for a SQLite file; None for servers (PostgreSQL locks in the database)."""
    database = database_file(storage_url)
    return None if database is None else Path(f"{database}.lock")


@contextmanager
def writer_lock(storage_url: str, what: str = "collect") -> Iterator[None]:
    """Hold the database's writer lock for the block, or raise BusyError at once."""
    if parse_url(storage_url).get_backend_name() == "postgresql":
        with _advisory(storage_url, what):
            yield
        return
    with exclusive(lock_path_for(storage_url), what):
        yield


def writer_busy(storage_url: str) -> bool:
    """True while some process holds the database's writer lock."""
    if parse_url(storage_url).get_backend_name() == "postgresql":
        with _connect(storage_url, "hf-monitor status") as conn:
            free = conn.execute(text(f"SELECT pg_try_advisory_lock({_KEY})")).scalar_one()
            if free:
                conn.execute(text(f"SELECT pg_advisory_unlock({_KEY})"))
            return not free
    return is_locked(lock_path_for(storage_url))


@contextmanager
def _advisory(storage_url: str, what: str) -> Iterator[None]:
    name = f"{LOCK_NAME} pid {os.getpid()}"
    with _connect(storage_url, name) as conn:
        if not conn.execute(text(f"SELECT pg_try_advisory_lock({_KEY})")).scalar_one():
            holder = conn.execute(text(_HOLDER)).first()
            who = (
                f"{holder[0].removeprefix(LOCK_NAME + ' ')} since "
                f"{holder[1].astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
                if holder
                else "another process"
            )
            raise BusyError(f"another run is busy with this database ({who}); {what} skipped")
        try:
            yield
        finally:
            conn.execute(text(f"SELECT pg_advisory_unlock({_KEY})"))


@contextmanager
def _connect(storage_url: str, application_name: str) -> Iterator[Connection]:
    from .store import build_engine

    engine = build_engine(
        storage_url,
        poolclass=NullPool,
        connect_args={"application_name": application_name},
        isolation_level="AUTOCOMMIT",
    )
    try:
        try:
            conn = engine.connect()
        except OperationalError as exc:
            raise StoreError(
                f"{display_url(storage_url)}: cannot connect: {first_line(exc)}"
            ) from None
        with conn:
            yield conn
    finally:
        engine.dispose()


@contextmanager
def exclusive(path: Path | None, what: str = "collect") -> Iterator[None]:
    """Hold the file lock for the duration of the block, or raise BusyError at once."""
    if path is None:
        yield
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(
            f"{path.parent}: cannot create the storage folder: {exc.strerror}"
        ) from None
    fd = _open_lock_file(path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            raise BusyError(
                f"another run is busy with this database ({holder or 'another process'}); "
                f"{what} skipped"
            ) from None
        # Only now, holding the lock on a regular file we opened without following links, is
        # the file known to be ours to rewrite.
        stamp = f"pid {os.getpid()} since {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC"
        os.ftruncate(fd, 0)
        os.pwrite(fd, stamp.encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _open_lock_file(path: Path) -> int:
    """Open (creating) the lock file without following a symlink; refuse anything not a file.

    A symlink planted at `<db>.lock` must not make us truncate the file it points to.
    """
    flags = os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        fd = os.open(path, flags, 0o644)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise StoreError(f"{path}: the lock file is a symbolic link; remove it") from None
        raise StoreError(f"{path}: cannot open the lock file: {exc.strerror}") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise StoreError(f"{path}: the lock file is not a regular file; remove it")
    return fd


def is_locked(path: Path | None) -> bool:
    """True while some process holds the file lock."""
    if path is None or not path.exists():
        return False
    fd = _open_lock_file(path)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)
