"""Storage on real SQLite and PostgreSQL: schema, migrations, foreign or newer databases, run
transactions."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from monitor import store as tables
from monitor.errors import StoreError, StoreWriteError
from monitor.store import SCHEMA_VERSION, ModelRow, SnapshotRow, open_store

T0 = datetime(2026, 8, 22, 12, 40, tzinfo=UTC)


@pytest.fixture
def url(storage_url: str, tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/m.db" if storage_url.startswith("sqlite") else storage_url


def test_schema_and_recorded_migrations(url: str) -> None:
    store = open_store(url)
    names = set(inspect(store.engine).get_table_names())
    assert names == {
        "schema_migrations", "runs", "run_errors", "models", "snapshots", "imports",
        "hub_ranks", "derivatives", "ecosystem", "backfill_files",
    }  # fmt: skip
    with store.engine.connect() as conn:
        versions = conn.execute(
            select(tables.schema_migrations.c.version, tables.schema_migrations.c.name)
        ).all()
    assert versions == [
        (1, "initial"),
        (2, "hub context: ranks, derivatives, ecosystem"),
        (3, "backfill: source files done per dataset revision"),
    ]
    columns = [c["name"] for c in inspect(store.engine).get_columns("snapshots")]
    assert columns == [
        "id",
        "run_id",
        "model_id",
        "observed_at",
        "downloads_30d",
        "downloads_all_time",
        "likes",
        "trending_score",
    ]
    open_store(url)  # reopening applies nothing twice
    with store.engine.connect() as conn:
        assert conn.execute(select(tables.schema_migrations)).all().__len__() == 3


def test_an_older_database_is_migrated_with_its_data(
    url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tables, "MIGRATIONS", tables.MIGRATIONS[:1])
    old = open_store(url)
    run_id = old.begin_run("collect", "http://hub", T0)
    assert "hub_ranks" not in inspect(old.engine).get_table_names()
    monkeypatch.undo()
    store = open_store(url)
    assert "hub_ranks" in inspect(store.engine).get_table_names()
    assert [r.id for r in store.recent_runs()] == [run_id]


def test_run_is_written_whole_and_snapshots_are_unique(url: str) -> None:
    store = open_store(url)
    run = store.begin_run("collect", "http://hub", T0)
    assert store.recent_runs()[0].status == "running"
    model = ModelRow("Qwen/Qwen3-8B", "Qwen", "qwen", "CN", "text-generation", "transformers", None)
    snap = SnapshotRow("Qwen/Qwen3-8B", T0, 100, 1000, 5, 1)
    added = store.finish_run(
        run, finished_at=T0, status="ok", model_rows=[model], snapshot_rows=[snap], requests=3
    )
    assert added == 1
    run2 = store.begin_run("collect", "http://hub", T0)
    assert (
        store.finish_run(
            run2, finished_at=T0, status="ok", model_rows=[model], snapshot_rows=[snap]
        )
        == 0
    )
    with store.engine.connect() as conn:
        rows = conn.execute(select(tables.snapshots)).all()
    assert [(*r[2:3], tables.utc(r[3]), *r[4:]) for r in rows] == [
        ("Qwen/Qwen3-8B", T0, 100, 1000, 5, 1)
    ]
    [_latest, first] = store.recent_runs()
    assert (first.status, first.models, first.requests, first.seconds) == ("ok", 1, 3, 0.0)


def test_bulk_written_times_are_stored_as_sqlalchemy_writes_them(tmp_path: Path) -> None:
    """The bulk insert bypasses SQLAlchemy's parameters; its times must still compare and
    conflict with times SQLAlchemy writes (SQLite keeps them as text)."""
    store = open_store(f"sqlite:///{tmp_path}/m.db")
    run = store.begin_run("collect", "http://hub", T0)
    model = ModelRow("Qwen/Qwen3-8B", "Qwen", "qwen", "CN")
    snap = SnapshotRow("Qwen/Qwen3-8B", T0, 100, 1000, 5, 1)
    store.finish_run(run, finished_at=T0, status="ok", model_rows=[model], snapshot_rows=[snap])
    with sqlite3.connect(tmp_path / "m.db") as conn:
        [(stored,)] = conn.execute("SELECT observed_at FROM snapshots").fetchall()
        [(started,)] = conn.execute("SELECT started_at FROM runs").fetchall()
    assert stored == started == "2026-08-22 12:40:00.000000"
    assert len(store.snapshots_frame(since=T0, until=T0 + timedelta(seconds=1))) == 1


def test_a_failed_write_leaves_nothing_behind(url: str) -> None:
    store = open_store(url)
    run = store.begin_run("collect", "http://hub", T0)
    model = ModelRow("Qwen/Qwen3-8B", "Qwen", "qwen", "CN")
    good = SnapshotRow("Qwen/Qwen3-8B", T0, 100, 1000, 5, 1)
    orphan = SnapshotRow("Qwen/not-in-models", T0, 1, 1, 1, 1)  # violates the foreign key
    with pytest.raises(StoreWriteError, match=rf"^run {run} could not be stored: ") as caught:
        store.finish_run(
            run, finished_at=T0, status="ok", model_rows=[model], snapshot_rows=[good, orphan]
        )
    assert "\n" not in str(caught.value) and "INSERT" not in str(caught.value)
    assert store.count(tables.snapshots) == 0 and store.count(tables.models) == 0
    [record] = store.recent_runs()
    assert record.status == "failed" and record.finished_at == T0  # with its reason:
    [(selector, reason)] = record.errors
    assert selector == "database" and "foreign key" in reason.lower()


def test_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(
        StoreError, match=r"other.db: not an hf-monitor database \(it has tables invoices"
    ):
        open_store(f"sqlite:///{path}")


def test_corrupt_file_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.db"
    path.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(StoreError) as info:
        open_store(f"sqlite:///{path}")
    assert str(info.value).startswith(f"{path}: cannot use database: file is not a database")


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/m.db")
    with store.engine.begin() as conn:
        conn.execute(
            tables.schema_migrations.insert().values(
                version=SCHEMA_VERSION + 1, name="future", applied_at=T0
            )
        )
    with pytest.raises(StoreError, match="newer than this program"):
        open_store(f"sqlite:///{tmp_path}/m.db")
