"""Dated snapshots in SQL: schema, numbered migrations, and the reads and writes of a run.

SQLAlchemy Core keeps one schema and one set of statements for SQLite (default, a file next to
the config) and PostgreSQL (teams). Every write of a run is one transaction: a run row is
first recorded as `running` on its own, and its snapshots, models, errors and final status
land together or not at all — so a killed process leaves a run that is visibly unfinished and
no half-written data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    case,
    cast,
    create_engine,
    event,
    func,
    inspect,
    select,
)
from sqlalchemy.engine import Connection
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from .dbtext import (
    URL_FORMS,
    database_file,
    describe_db_error,
    display_url,
    first_line,
    hide_credentials,
    parse_url,
)
from .errors import StoreError, StoreWriteError
from .limits import COUNT_LIMITS, MAX_SCORE, READABLE_UNTIL

if TYPE_CHECKING:
    import pandas as pd

metadata = MetaData()

schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("name", String(100), nullable=False),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(16), nullable=False),  # collect | import | backfill
    # Hub endpoint, imported file name, or hf://datasets/<repo>@<sha> for a backfill
    Column("source", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("status", String(16), nullable=False),  # running | ok | partial | failed
    Column("models", Integer, nullable=False, default=0),
    Column("requests", Integer, nullable=False, default=0),
)

run_errors = Table(
    "run_errors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False, index=True),
    Column("selector", Text, nullable=False),  # e.g. "author:Qwen" or "model:openai/gpt-oss-20b"
    Column("error", Text, nullable=False),
)

models = Table(
    "models",
    metadata,
    Column("model_id", String(200), primary_key=True),
    Column("author", String(100), nullable=False),
    Column("family", String(64)),  # None: seen (e.g. imported) but not in a watched family
    Column("origin", String(2)),
    Column("pipeline_tag", String(100)),
    Column("library_name", String(100)),
    Column("created_at", DateTime(timezone=True)),
    Column("first_seen", DateTime(timezone=True), nullable=False),
    Column("last_seen", DateTime(timezone=True), nullable=False),
)

snapshots = Table(
    "snapshots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False, index=True),
    Column("model_id", String(200), ForeignKey("models.model_id"), nullable=False),
    Column("observed_at", DateTime(timezone=True), nullable=False, index=True),
    Column("downloads_30d", BigInteger),
    Column("downloads_all_time", BigInteger),
    Column("likes", Integer),
    Column("trending_score", Float),  # the Hub sends fractions at times (e.g. 93.5)
    UniqueConstraint("model_id", "observed_at", name="uq_snapshot_model_time"),
)

imports = Table(
    "imports",
    metadata,
    Column("sha256", String(64), primary_key=True),
    Column("file_name", Text, nullable=False),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("rows", Integer, nullable=False),
)


# --- Hub-wide context (migration 2) -------------------------------------------------------------
# Models here need not be watched, so `model_id` is plain text, not a key into `models`.

hub_ranks = Table(
    "hub_ranks",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False, index=True),
    Column("observed_at", DateTime(timezone=True), nullable=False, index=True),
    Column("scope", String(64), nullable=False),  # "all" or a pipeline tag
    Column("rank", Integer, nullable=False),  # 1 = most downloaded (30 days) in the scope
    Column("model_id", String(200), nullable=False),
    Column("downloads_30d", BigInteger),
    Column("likes", Integer),
    Column("pipeline_tag", String(100)),
    Column("library_name", String(100)),
    UniqueConstraint("run_id", "observed_at", "scope", "rank", name="uq_hub_rank"),
)


def _per_base_model() -> list[Column[Any]]:
    """The columns a per-base-model context table starts with (fresh objects per table)."""
    return [
        Column("id", Integer, primary_key=True),
        Column("run_id", Integer, ForeignKey("runs.id"), nullable=False, index=True),
        Column("observed_at", DateTime(timezone=True), nullable=False),
        Column("base_model_id", String(200), nullable=False),
        Column("family", String(64), nullable=False),
    ]


derivatives = Table(
    "derivatives",
    metadata,
    *_per_base_model(),
    Column("adapter", Integer),
    Column("finetune", Integer),
    Column("merge", Integer),
    Column("quantized", Integer),
    UniqueConstraint("run_id", "base_model_id", name="uq_derivatives_run_base"),
)

ecosystem = Table(
    "ecosystem",
    metadata,
    *_per_base_model(),
    Column("children_listed", Integer, nullable=False),  # as the listing returned them
    Column("children_counted", Integer, nullable=False),  # third-party, not counted elsewhere
    Column("downloads_30d", BigInteger, nullable=False),  # sum over the counted children
    Column("truncated", Boolean, nullable=False),  # the listing stopped at its limit
    UniqueConstraint("run_id", "base_model_id", name="uq_ecosystem_run_base"),
)


# --- backfill (migration 3) --------------------------------------------------------------------
# One row per source file stored whole, at one dataset revision: what a re-run skips.

backfill_files = Table(
    "backfill_files",
    metadata,
    Column("path", String(200), primary_key=True),  # e.g. series/2025-03.parquet
    Column("revision", String(64), primary_key=True),  # the dataset's commit sha
    Column("blob_id", String(64)),  # the file's git blob id: unchanged files at a new sha
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("rows", Integer, nullable=False),  # watched snapshots the file gave in that run
    Column("added", Integer, nullable=False),  # snapshots actually stored
    Column("done_at", DateTime(timezone=True), nullable=False),
)


READ_CHUNK = 50_000  # rows turned into a frame at a time
# What `snapshots_frame` returns, in this order.
FRAME_COLUMNS = ("observed_at", "model_id", "author", "family", "origin", *COUNT_LIMITS,
                    "trending_score", "pipeline_tag", "created_at", "run_id", "run_kind",
                    "run_source", "run_status")  # fmt: skip


def _m001_initial(conn: Connection) -> None:
    for table in (runs, run_errors, models, snapshots, imports):
        table.create(conn, checkfirst=True)


def _m002_hub_context(conn: Connection) -> None:
    for table in (hub_ranks, derivatives, ecosystem):
        table.create(conn, checkfirst=True)


def _m003_backfill(conn: Connection) -> None:
    backfill_files.create(conn, checkfirst=True)


# Numbered, recorded, append-only. Each runs in the same transaction as its bookkeeping row.
MIGRATIONS: tuple[tuple[int, str, Callable[[Connection], None]], ...] = (
    (1, "initial", _m001_initial),
    (2, "hub context: ranks, derivatives, ecosystem", _m002_hub_context),
    (3, "backfill: source files done per dataset revision", _m003_backfill),
)
SCHEMA_VERSION = MIGRATIONS[-1][0]


@dataclass(frozen=True)
class ModelRow:
    model_id: str
    author: str
    family: str | None
    origin: str | None
    pipeline_tag: str | None = None
    library_name: str | None = None
    created_at: datetime | None = None


class SnapshotRow(NamedTuple):  # a plain tuple: what the insert sends, in the table's order
    model_id: str
    observed_at: datetime
    downloads_30d: int | None
    downloads_all_time: int | None
    likes: int | None
    trending_score: float | None


@dataclass(frozen=True)
class LatestSnapshot:
    model_id: str
    family: str | None  # as stored
    observed_at: datetime
    downloads_30d: int | None
    downloads_all_time: int | None
    likes: int | None


@dataclass(frozen=True)
class RankRow:
    scope: str
    rank: int
    model_id: str
    downloads_30d: int | None
    likes: int | None
    pipeline_tag: str | None
    library_name: str | None


@dataclass(frozen=True)
class DerivativesRow:
    base_model_id: str
    family: str
    adapter: int | None
    finetune: int | None
    merge: int | None
    quantized: int | None


@dataclass(frozen=True)
class EcosystemRow:
    base_model_id: str
    family: str
    children_listed: int
    children_counted: int
    downloads_30d: int
    truncated: bool


@dataclass
class ContextRows:
    """What a run learned about the Hub beyond the watched models, observed at one moment."""

    observed_at: datetime
    ranks: list[RankRow] = field(default_factory=list)
    derivatives: list[DerivativesRow] = field(default_factory=list)
    ecosystem: list[EcosystemRow] = field(default_factory=list)

    def write(self, conn: Connection, run_id: int) -> None:
        for table, rows in (
            (hub_ranks, self.ranks),
            (derivatives, self.derivatives),
            (ecosystem, self.ecosystem),
        ):
            if rows:
                stamp = {"run_id": run_id, "observed_at": self.observed_at}
                conn.execute(table.insert(), [{**stamp, **asdict(row)} for row in rows])


@dataclass(frozen=True)
class RunRecord:
    id: int
    kind: str
    source: str
    started_at: datetime
    finished_at: datetime | None
    status: str
    models: int
    requests: int
    errors: tuple[tuple[str, str], ...]

    @property
    def seconds(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class Store:
    """All SQL of the project. Construct with `open_store`."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def verify(self) -> None:
        """SQLite: `PRAGMA quick_check`, so a corrupt file is refused before a run spends any
        Hub request on data it could not store. (PostgreSQL checks its own pages.)"""
        if self.engine.dialect.name != "sqlite":
            return
        try:
            with self.engine.connect() as conn:
                verdict = conn.exec_driver_sql("PRAGMA quick_check(1)").scalar()
        except SQLAlchemyError as exc:
            raise StoreError(
                f"{self._where()}: cannot use database: {describe_db_error(exc)}"
            ) from None
        if verdict != "ok":
            # quick_check's first finding, without its "*** in database main ***" heading
            lines = [x for x in str(verdict).splitlines() if x and not x.startswith("***")]
            verdict = lines[0] if lines else "quick_check failed"
            raise StoreError(
                f"{self._where()}: the database file is corrupt ({verdict}); restore it from a "
                "backup or move it away to start a new one"
            )

    def _where(self) -> str:
        return display_url(self.engine.url)

    # --- runs -----------------------------------------------------------------------------

    def begin_run(self, kind: str, source: str, started_at: datetime) -> int:
        """Record a `running` run on its own (no credential of `source` is stored)."""
        try:
            with self.engine.begin() as conn:
                return _insert_run(conn, kind, source, started_at)
        except SQLAlchemyError as exc:
            raise StoreWriteError(
                f"cannot start the {kind} run: {describe_db_error(exc)}"
            ) from None

    def finish_run(
        self,
        run_id: int,
        *,
        finished_at: datetime,
        status: str,
        model_rows: Sequence[ModelRow] = (),
        snapshot_rows: Sequence[SnapshotRow] = (),
        errors: Sequence[tuple[str, str]] = (),
        requests: int = 0,
        context: ContextRows | None = None,
        extra: Callable[[Connection], None] | None = None,
    ) -> int:
        """Write everything a run produced in one transaction; return the new snapshot count.

        When the database refuses the write (disk full, read-only, locked, corrupt), the run is
        marked `failed` with the reason if the database still takes that small update, and a
        StoreWriteError says why in one line.
        """
        try:
            with self.engine.begin() as conn:
                self._upsert_models(conn, model_rows, _seen_times(snapshot_rows))
                added = _insert_snapshots(conn, run_id, snapshot_rows)
                _insert_errors(conn, run_id, errors)
                if context is not None:
                    context.write(conn, run_id)
                if extra is not None:
                    extra(conn)
                conn.execute(
                    runs.update()
                    .where(runs.c.id == run_id)
                    .values(
                        finished_at=finished_at,
                        status=status,
                        models=len({s.model_id for s in snapshot_rows}),
                        requests=requests,
                    )
                )
                return added
        except SQLAlchemyError as exc:
            reason = describe_db_error(exc)
            self.mark_failed(run_id, finished_at, f"not stored: {reason}")
            raise StoreWriteError(f"run {run_id} could not be stored: {reason}") from None

    def save_chunked_run(
        self,
        kind: str,
        source: str,
        started_at: datetime,
        chunks: Iterable[tuple[Sequence[ModelRow], Seen, Sequence[tuple[Any, ...]]]],
        finish: Callable[[Connection, int], datetime],
    ) -> tuple[int, int]:
        """A run written as it is read (an import), in one transaction: the run row, each chunk
        of models (with their first and last times in it) and snapshot tuples (SnapshotRow's
        fields), then `finish` (which returns the finishing time); return the run id and how
        many snapshots were new.

        An exception from `chunks` or `finish` (a bad row) rolls everything back, the run row
        included: a refused file leaves no trace.
        """
        try:
            with self.engine.begin() as conn:
                if conn.dialect.name == "sqlite":
                    conn.exec_driver_sql(f"PRAGMA cache_size=-{BULK_CACHE_KIB}")
                run_id = _insert_run(conn, kind, source, started_at)
                added = 0
                # A model is upserted when first met (the snapshots' foreign key needs it) and
                # once more at the end with its first and last time over the whole file:
                # upserting every model of every chunk had cost more than the snapshots.
                seen: Seen = {}
                met: dict[str, ModelRow] = {}
                for model_rows, times, snapshot_rows in chunks:
                    new = [m for m in model_rows if m.model_id not in met]
                    self._upsert_models(conn, new, times)
                    met.update((m.model_id, m) for m in model_rows)  # the latest metadata wins
                    added += _insert_snapshots(conn, run_id, snapshot_rows)
                    for model_id, (first, last) in times.items():
                        old = seen.get(model_id, (first, last))
                        seen[model_id] = (min(old[0], first), max(old[1], last))
                self._upsert_models(conn, list(met.values()), seen)
                finished_at = finish(conn, run_id)
                conn.execute(
                    runs.update()
                    .where(runs.c.id == run_id)
                    .values(finished_at=finished_at, status="ok", models=len(met))
                )
                return run_id, added
        except SQLAlchemyError as exc:
            raise StoreWriteError(f"{source}: not stored: {describe_db_error(exc)}") from None

    def mark_failed(self, run_id: int, finished_at: datetime, reason: str) -> bool:
        """Best effort: mark a run `failed` with its reason; False when the database refuses."""
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    run_errors.insert().values(run_id=run_id, selector="database", error=reason)
                )
                conn.execute(
                    runs.update()
                    .where(runs.c.id == run_id)
                    .values(finished_at=finished_at, status="failed")
                )
            return True
        except SQLAlchemyError:
            return False

    def close_run(
        self,
        run_id: int,
        *,
        finished_at: datetime,
        status: str,
        models: int,
        requests: int,
        errors: Sequence[tuple[str, str]] = (),
    ) -> None:
        """Final status of a run whose data was written in several transactions (a backfill)."""
        with self.engine.begin() as conn:
            _insert_errors(conn, run_id, errors)
            conn.execute(
                runs.update()
                .where(runs.c.id == run_id)
                .values(finished_at=finished_at, status=status, models=models, requests=requests)
            )

    def recent_runs(self, limit: int = 10) -> list[RunRecord]:
        return self._runs(select(runs).order_by(runs.c.id.desc()).limit(limit))

    def _runs(self, query: Any) -> list[RunRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
            ids = [r.id for r in rows]
            errs: dict[int, list[tuple[str, str]]] = {}
            if ids:
                for e in conn.execute(
                    select(run_errors).where(run_errors.c.run_id.in_(ids)).order_by(run_errors.c.id)
                ):
                    errs.setdefault(e.run_id, []).append((e.selector, e.error))
        return [
            RunRecord(
                id=r.id,
                kind=r.kind,
                source=r.source,
                started_at=utc(r.started_at),
                finished_at=utc(r.finished_at) if r.finished_at else None,
                status=r.status,
                models=r.models,
                requests=r.requests,
                errors=tuple(errs.get(r.id, ())),
            )
            for r in rows
        ]

    def run_families(self, run_id: int) -> dict[str, int]:
        """How many models of each family a run stored snapshots for."""
        query = (
            select(models.c.family, func.count())
            .select_from(snapshots.join(models, models.c.model_id == snapshots.c.model_id))
            .where(snapshots.c.run_id == run_id, models.c.family.is_not(None))
            .group_by(models.c.family)
        )
        with self.engine.connect() as conn:
            return {str(family): int(n) for family, n in conn.execute(query)}

    def latest_collect(self) -> RunRecord | None:
        """The newest collect run that finished (ok or partial), if any."""
        query = (
            select(runs)
            .where(runs.c.kind == "collect", runs.c.status.in_(("ok", "partial")))
            .order_by(runs.c.id.desc())
            .limit(1)
        )
        found = self._runs(query)
        return found[0] if found else None

    def first_collect_time(self) -> datetime | None:
        """When the first collect run started (whatever its outcome), or None."""
        query = select(func.min(runs.c.started_at)).where(runs.c.kind == "collect")
        with self.engine.connect() as conn:
            first = conn.execute(query).scalar()
        return utc(first) if first is not None else None

    def successful_collect_days(self, since: datetime) -> set[date]:
        """UTC days since `since` with at least one `ok` collect run."""
        query = select(runs.c.started_at).where(
            runs.c.kind == "collect", runs.c.status == "ok", runs.c.started_at >= since
        )
        with self.engine.connect() as conn:
            return {utc(t).date() for t in conn.execute(query).scalars()}

    # --- imports --------------------------------------------------------------------------

    def imported_file(self, sha256: str) -> str | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                select(imports.c.file_name).where(imports.c.sha256 == sha256)
            ).first()
        return row[0] if row else None

    def record_import(
        self, conn: Connection, sha256: str, file_name: str, run_id: int, rows: int
    ) -> None:
        conn.execute(
            imports.insert().values(sha256=sha256, file_name=file_name, run_id=run_id, rows=rows)
        )

    # --- backfill -------------------------------------------------------------------------

    def backfilled_files(self) -> set[tuple[str, str, str | None]]:
        """(path, revision, blob id) of every source file stored whole."""
        c = backfill_files.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(c.path, c.revision, c.blob_id))
            return {(path, revision, blob) for path, revision, blob in rows}

    def observed_days(self, since: datetime, until: datetime) -> set[tuple[str, date]]:
        """(model, UTC day) pairs in [`since`, `until`) with a snapshot not from a backfill."""
        query = (
            select(snapshots.c.model_id, snapshots.c.observed_at)
            .join(runs, runs.c.id == snapshots.c.run_id)
            .where(
                runs.c.kind != "backfill",
                snapshots.c.observed_at >= since,
                snapshots.c.observed_at < until,
            )
        )
        with self.engine.connect() as conn:
            return {(model, utc(at).date()) for model, at in conn.execute(query)}

    def save_backfill_file(
        self,
        run_id: int,
        *,
        path: str,
        revision: str,
        blob_id: str | None,
        model_rows: Sequence[ModelRow],
        snapshot_rows: Sequence[SnapshotRow],
        done_at: datetime | None,
    ) -> int:
        """One source file's snapshots and (with `done_at`: the file was read whole) its
        done-record, in one transaction; return how many snapshots were new."""
        with self.engine.begin() as conn:
            self._upsert_models(conn, model_rows, _seen_times(snapshot_rows))
            added = _insert_snapshots(conn, run_id, snapshot_rows)
            if done_at is not None:
                conn.execute(
                    backfill_files.insert().values(
                        path=path,
                        revision=revision,
                        blob_id=blob_id,
                        run_id=run_id,
                        rows=len(snapshot_rows),
                        added=added,
                        done_at=done_at,
                    )
                )
            return added

    # --- reads for analysis and export ----------------------------------------------------

    def snapshots_frame(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        columns: Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """Snapshots with their model's and run's attributes, one row per (model, observation),
        oldest first; only those observed in [`since`, `until`) when given (a report reads
        weeks, not years), only the named `columns` when given (`observed_at` always)."""
        import pandas as pd

        s, m, r = snapshots.c, models.c, runs.c
        query = (
            select(
                # Times as text, parsed by pandas in one go: per-row datetime objects were
                # most of the cost of reading a year of history.
                cast(s.observed_at, String).label("observed_at"),
                s.model_id,
                *_counts(snapshots),
                case((func.abs(s.trending_score) <= MAX_SCORE, s.trending_score)).label(
                    "trending_score"
                ),
                s.run_id,
            )
            # A time pandas cannot hold (stored before the importer refused it) is skipped.
            .where(s.observed_at < READABLE_UNTIL)
            .order_by(s.observed_at, s.model_id)
        )
        if since is not None:
            query = query.where(s.observed_at >= since)
        if until is not None:
            query = query.where(s.observed_at < until)
        frame = self._frame(query)
        frame["observed_at"] = pd.to_datetime(frame["observed_at"], utc=True, format="ISO8601")
        for column in COUNT_LIMITS:
            frame[column] = frame[column].astype("Int64")
        # A model's and a run's attributes are read once and looked up, not joined into every
        # row: joined, they took half the time and memory of reading a year.
        of_model = self._frame(
            select(m.model_id, m.author, m.family, m.origin, m.pipeline_tag,
                   cast(m.created_at, String).label("created_at"))
        ).set_index("model_id")  # fmt: skip
        of_run = self._frame(
            select(r.id.label("run_id"), r.kind.label("run_kind"), r.source.label("run_source"),
                   r.status.label("run_status"))
        ).set_index("run_id")  # fmt: skip
        for key, table in (("model_id", of_model), ("run_id", of_run)):
            for name in table.columns:
                frame[name] = frame[key].map(table[name])
        # A creation date out of pandas' range (an odd import) is unknown, not an error.
        frame["created_at"] = pd.to_datetime(
            frame["created_at"], utc=True, format="ISO8601", errors="coerce"
        )
        frame["trending_score"] = frame["trending_score"].astype("Float64")
        wanted = FRAME_COLUMNS if columns is None else {"observed_at", *columns}
        return frame[[c for c in FRAME_COLUMNS if c in wanted]]

    def latest_snapshots(self) -> list[LatestSnapshot]:
        """The newest snapshot of each model with the family it was stored with (what `models`
        shows), found by SQL so the read grows with models, not with history."""
        s = snapshots.c
        newest = (
            select(s.model_id, func.max(s.observed_at).label("observed_at"))
            .where(s.observed_at < READABLE_UNTIL)
            .group_by(s.model_id)
            .subquery()
        )
        query = (
            select(s.model_id, models.c.family, s.observed_at, *_counts(snapshots))
            .join(
                newest,
                (newest.c.model_id == s.model_id) & (newest.c.observed_at == s.observed_at),
            )
            .join(models, models.c.model_id == s.model_id)
            .order_by(s.model_id)
        )
        with self.engine.connect() as conn:
            return [
                LatestSnapshot(model_id, family, utc(at), *counts)
                for model_id, family, at, *counts in conn.execute(query)
            ]

    def context_frame(
        self,
        table: Table,
        columns: Sequence[str] | None = None,
        captures_in: Sequence[tuple[datetime, datetime]] = (),
    ) -> pd.DataFrame:
        """Rows of a context table (`hub_ranks`, `derivatives`, `ecosystem`), oldest first:
        all of it, or for each [start, end) in `captures_in` only its latest capture (a report
        reads two weeks' captures, not the year); `columns` (else all but `id`) as named."""
        import pandas as pd

        names = list(columns or [c.name for c in table.c if c.name != "id"])
        selected = [
            _in_range(table.c[n], COUNT_LIMITS[n]) if n in COUNT_LIMITS else table.c[n]
            for n in names
        ]
        readable = table.c.observed_at < READABLE_UNTIL
        query = select(*selected).where(readable).order_by(table.c.observed_at, table.c.id)
        if captures_in:
            # one capture is every row stamped with the latest time inside the span
            latest = [
                select(func.max(table.c.observed_at))
                .where(readable, table.c.observed_at >= start, table.c.observed_at < end)
                .scalar_subquery()
                for start, end in captures_in
            ]
            query = query.where(table.c.observed_at.in_(latest))
        frame = self._frame(query)
        if "observed_at" in frame:
            frame["observed_at"] = pd.to_datetime(frame["observed_at"], utc=True)
        return frame

    def latest_watched_time(self, until: datetime | None = None) -> datetime | None:
        """When the newest snapshot of a model stored with a family was taken (before `until`:
        a row dated in the future must not become the default week)."""
        query = (
            select(func.max(snapshots.c.observed_at))
            .join(models, models.c.model_id == snapshots.c.model_id)
            .where(models.c.family.is_not(None))
        )
        if until is not None:
            query = query.where(snapshots.c.observed_at <= until)
        with self.engine.connect() as conn:
            latest = conn.execute(query).scalar()
        return utc(latest) if latest is not None else None

    def _frame(self, query: Any) -> pd.DataFrame:
        """A query's rows as a frame, named as the query names its columns."""
        import pandas as pd  # imported here: commands that never read frames start faster

        names = [c.name for c in query.selected_columns]
        with self.engine.connect() as conn:
            # Plain tuples (pandas inspects SQLAlchemy rows one attribute lookup at a time), a
            # chunk at a time: months of rows as tuples took more memory than their frame.
            parts = [
                pd.DataFrame([tuple(row) for row in chunk], columns=names)
                for chunk in conn.execute(query).partitions(READ_CHUNK)
            ]
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=names)

    def count(self, table: Table) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    # --- helpers --------------------------------------------------------------------------

    def _insert(self, table: Table) -> Any:
        # Imported here: the PostgreSQL dialect alone adds ~25 ms to every SQLite start-up.
        if self.engine.dialect.name == "postgresql":
            from sqlalchemy.dialects import postgresql

            return postgresql.insert(table)
        from sqlalchemy.dialects import sqlite

        return sqlite.insert(table)

    def _upsert_models(self, conn: Connection, rows: Iterable[ModelRow], seen: Seen) -> None:
        payload = []
        for row in rows:
            first, last = seen.get(row.model_id, (None, None))
            if first is None:
                continue
            payload.append({**row.__dict__, "first_seen": first, "last_seen": last})
        if not payload:
            return
        stmt = self._insert(models)
        ex = stmt.excluded
        stmt = stmt.on_conflict_do_update(
            index_elements=["model_id"],
            set_={
                "author": ex.author,
                "family": ex.family,
                "origin": ex.origin,
                "pipeline_tag": func.coalesce(ex.pipeline_tag, models.c.pipeline_tag),
                "library_name": func.coalesce(ex.library_name, models.c.library_name),
                "created_at": func.coalesce(ex.created_at, models.c.created_at),
                "first_seen": case(
                    (models.c.first_seen <= ex.first_seen, models.c.first_seen), else_=ex.first_seen
                ),
                "last_seen": case(
                    (models.c.last_seen >= ex.last_seen, models.c.last_seen), else_=ex.last_seen
                ),
            },
        )
        conn.execute(stmt, payload)


def _insert_run(conn: Connection, kind: str, source: str, started_at: datetime) -> int:
    """A `running` run row (no credential of `source` is stored); its id."""
    result = conn.execute(
        runs.insert().values(
            kind=kind, source=hide_credentials(source), started_at=started_at, status="running"
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def _insert_errors(conn: Connection, run_id: int, errors: Sequence[tuple[str, str]]) -> None:
    """A run's errors per selector, with no credential an error quotes."""
    if errors:
        rows = [{"run_id": run_id, "selector": s, "error": hide_credentials(e)} for s, e in errors]
        conn.execute(run_errors.insert(), rows)


Seen = dict[str, tuple[datetime, datetime]]  # per model, its first and last time


def _seen_times(rows: Iterable[SnapshotRow]) -> Seen:
    seen: Seen = {}
    for row in rows:
        first, last = seen.get(row.model_id, (row.observed_at, row.observed_at))
        seen[row.model_id] = (min(first, row.observed_at), max(last, row.observed_at))
    return seen


SNAPSHOT_COLUMNS = (
    "run_id", "model_id", "observed_at", "downloads_30d", "downloads_all_time", "likes",
    "trending_score",
)  # fmt: skip

# SQLite's page cache during a bulk load, in KiB: the unique (model, time) index is written
# all over. For 1.8 M rows, 32 MiB measured 25–28 s against 31–60 s with the default 2 MiB;
# 64 or 256 MiB were no faster and cost 40 or 280 MiB more. Pages are allocated as used.
BULK_CACHE_KIB = 32 * 1024


def _insert_snapshots(conn: Connection, run_id: int, rows: Sequence[tuple[Any, ...]]) -> int:
    """Bulk insert of SnapshotRow-shaped tuples, skipping (model, time) pairs already stored
    (the first of a pair wins); return how many were new.

    Past SQLAlchemy's per-row parameter processing, which cost more than the database's own
    work: SQLite gets the driver's `executemany`, PostgreSQL a `COPY` into a scratch table
    and one INSERT … SELECT from it (COPY alone cannot skip a conflict).
    """
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        return _copy_snapshots(conn, run_id, rows)
    # Times go through the dialect's own bind processor, once per distinct time, so rows read
    # back exactly as rows written through SQLAlchemy.
    column_type = snapshots.c.observed_at.type
    process = column_type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
    stamps = {t: process(t) if process else t for t in {r[1] for r in rows}}
    sql = (
        f"INSERT INTO snapshots ({', '.join(SNAPSHOT_COLUMNS)}) "
        f"VALUES ({', '.join('?' * len(SNAPSHOT_COLUMNS))}) "
        "ON CONFLICT (model_id, observed_at) DO NOTHING"
    )
    result = conn.exec_driver_sql(
        sql, [(run_id, m, stamps[t], d30, d_all, likes, s) for m, t, d30, d_all, likes, s in rows]
    )
    return int(result.rowcount)  # executemany's total: conflicting rows count 0


def _copy_snapshots(conn: Connection, run_id: int, rows: Sequence[tuple[Any, ...]]) -> int:
    columns = ", ".join(SNAPSHOT_COLUMNS[1:])
    conn.exec_driver_sql(
        "CREATE TEMPORARY TABLE IF NOT EXISTS snapshot_rows (model_id text, "
        "observed_at timestamptz, downloads_30d bigint, downloads_all_time bigint, "
        "likes integer, trending_score double precision) ON COMMIT DROP"
    )
    firsts = {(r[0], r[1]): r for r in reversed(rows)}  # a scan's order is not guaranteed
    statement = f"COPY snapshot_rows ({columns}) FROM STDIN"
    dbapi = conn.dialect.loaded_dbapi
    try:
        driver = conn.connection.driver_connection
        with driver.cursor() as cursor, cursor.copy(statement) as copy:  # type: ignore[union-attr]
            for row in firsts.values():
                copy.write_row(row)
    except dbapi.Error as exc:  # worded like every other database error
        raise DBAPIError.instance(statement, None, exc, dbapi.Error) from None
    result = conn.exec_driver_sql(
        f"INSERT INTO snapshots (run_id, {columns}) SELECT %(run)s, {columns} "
        "FROM snapshot_rows ON CONFLICT (model_id, observed_at) DO NOTHING",
        {"run": run_id},
    )
    conn.exec_driver_sql("TRUNCATE snapshot_rows")
    return int(result.rowcount)


def utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def open_store(url: str) -> Store:
    """Open (creating if needed) and migrate the database at `url`."""
    is_sqlite = parse_url(url).get_backend_name() == "sqlite"
    if is_sqlite:
        _prepare_sqlite_path(database_file(url))
    # A CLI run or a daemon job makes a handful of queries: a pool would only keep
    # PostgreSQL connections idle between runs.
    engine = build_engine(url, **({} if is_sqlite else {"poolclass": NullPool}))
    if is_sqlite:
        event.listen(engine, "connect", _sqlite_pragmas)
    try:
        migrate(engine)
    except StoreError:
        raise
    except SQLAlchemyError as exc:
        raise StoreError(f"{display_url(url)}: cannot use database: {first_line(exc)}") from None
    return Store(engine)


def build_engine(url: str, **options: Any) -> Engine:
    """An engine for `url`, or a StoreError that says what is wrong with the URL or driver."""
    parsed = parse_url(url)
    try:
        return create_engine(parsed, **options)
    except ImportError:
        if parsed.get_backend_name() == "postgresql":
            raise StoreError(
                "PostgreSQL needs psycopg: pip install 'hf-popularity-monitor[postgresql]'"
            ) from None
        raise StoreError(f"{display_url(url)}: the database driver is not installed") from None
    except ArgumentError:
        raise StoreError(
            f"{display_url(url)}: unknown database driver {parsed.drivername!r} (use {URL_FORMS})"
        ) from None


def migrate(engine: Engine) -> None:
    """Apply every migration newer than the database's recorded version."""
    with engine.begin() as conn:
        tables = set(inspect(conn).get_table_names())
        if tables and "schema_migrations" not in tables:
            raise StoreError(
                f"{display_url(engine.url)}: not an hf-monitor database "
                f"(it has tables {', '.join(sorted(tables)[:3])}…); point storage.url elsewhere"
            )
        schema_migrations.create(conn, checkfirst=True)
        done = set(conn.execute(select(schema_migrations.c.version)).scalars())
    if done and max(done) > SCHEMA_VERSION:
        raise StoreError(
            f"{display_url(engine.url)}: database schema v{max(done)} is newer than this "
            f"program (v{SCHEMA_VERSION}); upgrade hf-popularity-monitor"
        )
    for version, name, apply in MIGRATIONS:
        if version in done:
            continue
        with engine.begin() as conn:
            apply(conn)
            conn.execute(
                schema_migrations.insert().values(
                    version=version, name=name, applied_at=datetime.now(UTC)
                )
            )


def _prepare_sqlite_path(path: Path | None) -> None:
    if path is None:  # in memory
        return
    blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise StoreError(f"{path}: cannot create the storage folder: {blocker} is a file")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the storage folder: {exc.strerror}") from None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _counts(table: Table) -> list[Any]:
    """The table's count columns, each read as unknown where stored out of range."""
    return [_in_range(table.c[name], limit) for name, limit in COUNT_LIMITS.items()]


def _in_range(column: Any, limit: int) -> Any:
    """The column where 0 ≤ value ≤ limit, else NULL: a value stored out of range reads as
    unknown (pandas would otherwise fail casting it next to a NULL)."""
    return case((column.between(0, limit), column)).label(column.name)
