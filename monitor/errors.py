"""Domain errors. Each carries the exit code the CLI maps it to.

Inside the package, code raises these; only `cli` turns them into one printed line and an exit
code, so every message here must read well on its own.
"""

from __future__ import annotations


class MonitorError(Exception):
    """Base class: a failure the user can act on, shown as one line."""

    exit_code = 1


class ConfigError(MonitorError):
    """The configuration file is missing, malformed or invalid."""

    exit_code = 2


class UsageError(MonitorError):
    """The command line asks for something impossible (bad week, bad format, …)."""

    exit_code = 2


class StoreError(MonitorError):
    """The database cannot be opened, is foreign, or is newer than this program."""

    exit_code = 2


class StoreWriteError(MonitorError):
    """The database refused a run's write (disk full, read-only, locked, corrupt)."""

    exit_code = 1


class OutputError(MonitorError):
    """A report file cannot be written (disk full, no permission); nothing half-written."""

    exit_code = 1


class ImportRowError(MonitorError):
    """A row of an import file cannot be read; names the file and line."""

    exit_code = 1


class NoDataError(MonitorError):
    """There is nothing stored to report on (yet)."""

    exit_code = 1


class SourceError(MonitorError):
    """A public data set a backfill reads is unreachable, missing, or not shaped as expected."""

    exit_code = 1
