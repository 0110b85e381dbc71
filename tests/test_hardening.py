"""Hostile files and values (issue 13): symlinked locks, formulas in CSV, odd configs, bad weeks."""

from __future__ import annotations

import csv
import json
import os
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from monitor import store as tables
from monitor.cli import main
from monitor.config import load_config
from monitor.errors import StoreError
from monitor.fakehub import FakeHub
from monitor.lock import exclusive
from monitor.store import ModelRow, SnapshotRow, open_store

from .conftest import REPO, SMALL_FAMILIES, write_config

# --- the lock file (13 §6) -----------------------------------------------------------------------


def test_a_symlinked_lock_file_is_refused_and_its_target_left_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, SMALL_FAMILIES)
    victim = tmp_path / "precious.txt"
    victim.write_text("do not truncate me\n")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "monitor.db.lock").symlink_to(victim)
    history = tmp_path / "h.csv"
    history.write_text("date,model_id,likes\n2026-08-21,Qwen/Qwen3-8B,1\n")

    assert main(["--config", str(config), "import", str(history)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"hf-monitor: error: {tmp_path}/data/monitor.db.lock: the lock file is a symbolic link; "
        "remove it\n"
    )
    assert victim.read_text() == "do not truncate me\n"


def test_a_dangling_lock_symlink_creates_nothing_at_its_target(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "created-by-us"
    (tmp_path / "elsewhere").mkdir()
    link = tmp_path / "db.lock"
    link.symlink_to(target)
    with pytest.raises(StoreError, match="symbolic link"), exclusive(link):
        pass
    assert not target.exists()


def test_the_lock_file_holds_the_pid_while_held_and_nothing_after(tmp_path: Path) -> None:
    import os

    path = tmp_path / "db.lock"
    with exclusive(path):
        assert path.read_text().startswith(f"pid {os.getpid()} since ")
    assert path.read_text() == ""


# --- credentials (13 §11) ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["postgresql://alice:p@ss:w0rd@db.example/hf", "postgresql://alice:se/cret@db/hf"]
)
def test_a_storage_url_with_an_unencoded_password_is_refused_without_printing_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], url: str
) -> None:
    config = write_config(tmp_path, SMALL_FAMILIES)
    assert main(["--config", str(config), "--storage", url, "status"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "percent-encode" in err and "%40" in err
    for piece in ("p@ss", "ss:w0rd", "w0rd", "se/cret", "cret"):
        assert piece not in err


def test_display_url_hides_passwords_and_secret_parameters() -> None:
    from monitor.dbtext import display_url, hide_credentials

    assert (
        display_url("postgresql://alice:p%40ss@db:5432/hf") == "postgresql://alice:***@db:5432/hf"
    )
    assert display_url("postgresql://db/hf?password=hunter2&x=1") == (
        "postgresql://db/hf?password=***&x=1"
    )
    assert display_url("sqlite:///data/monitor.db") == "data/monitor.db"
    assert hide_credentials("failed: GET http://u:pw@hub.local/api/models 500") == (
        "failed: GET http://u:***@hub.local/api/models 500"
    )
    assert hide_credentials("postgresql://alice:p@ss:w0rd@db/x") == "postgresql://alice:***@db/x"
    pinned = "hf://datasets/org/name@e5e06030b3785364ccf42ccfbf132e0e4d68afb4"
    assert hide_credentials(pinned) == pinned  # a revision, not a password


def test_a_percent_encoded_sqlite_path_is_one_file_for_the_folder_the_engine_and_the_lock(
    tmp_path: Path,
) -> None:
    """SQLAlchemy decodes `%20` in the path; the folder, the lock and messages must agree."""
    from monitor.dbtext import display_url
    from monitor.lock import lock_path_for

    url = f"sqlite:///{tmp_path}/my%20data/monitor.db"
    store = open_store(url)
    store.engine.dispose()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my data"]
    assert (tmp_path / "my data" / "monitor.db").is_file()
    assert lock_path_for(url) == tmp_path / "my data" / "monitor.db.lock"
    assert display_url(url) == f"{tmp_path}/my data/monitor.db"


def test_an_endpoint_with_credentials_is_neither_printed_nor_stored(
    fake_hub: FakeHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = "s3cretPASS"
    endpoint = fake_hub.url.replace("http://", f"http://alice:{secret}@")
    monkeypatch.setenv("HF_ENDPOINT", endpoint)
    config = write_config(tmp_path, SMALL_FAMILIES)
    assert main(["--config", str(config), "collect"]) == 0
    assert main(["--config", str(config), "status"]) == 0
    captured = capsys.readouterr()
    assert secret not in captured.out + captured.err
    assert f"(http://alice:***@{fake_hub.url.removeprefix('http://')})" in captured.out
    db = (tmp_path / "data" / "monitor.db").read_bytes()
    wal = tmp_path / "data" / "monitor.db-wal"
    assert secret.encode() not in db + (wal.read_bytes() if wal.exists() else b"")
    with sqlite3.connect(tmp_path / "data" / "monitor.db") as conn:
        [(source,)] = conn.execute("SELECT source FROM runs").fetchall()
    assert source == f"http://alice:***@{fake_hub.url.removeprefix('http://')}"


# --- CSV formulas (13 §12) -----------------------------------------------------------------------


def test_csv_export_neutralises_formulas_but_jsonl_keeps_the_text(
    tmp_path: Path, storage_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, SMALL_FAMILIES, storage=storage_url)
    history = tmp_path / "h.csv"
    history.write_text(
        "date,model_id,author,downloads_30d,likes,pipeline_tag,library_name\n"
        '2026-08-21,Qwen/Qwen3-8B,"=HYPERLINK(""http://evil"")",100,5,+cmd,@SUM(A1)\n'
        "2026-08-21,openai/gpt-oss-20b,\tTAB,50,-3,-x,safe\n"
    )
    # "-3 likes" is refused by the importer, so the second row carries plain likes
    history.write_text(history.read_text().replace(",50,-3,", ",50,3,"))
    assert main(["--config", str(config), "import", "--hub-top", "2", str(history)]) == 0
    capsys.readouterr()

    out = tmp_path / "s.csv"
    assert main(["--config", str(config), "export", "--out", str(out)]) == 0
    rows = {r["model_id"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert rows["Qwen/Qwen3-8B"]["author"] == '\'=HYPERLINK("http://evil")'
    assert rows["openai/gpt-oss-20b"]["author"] == "'\tTAB"
    assert rows["Qwen/Qwen3-8B"]["downloads_30d"] == "100"  # numbers untouched

    ranks = tmp_path / "r.csv"
    assert main(["--config", str(config), "export", "--table", "ranks", "--out", str(ranks)]) == 0
    by_id = {r["model_id"]: r for r in csv.DictReader(ranks.open(encoding="utf-8"))}
    assert (by_id["Qwen/Qwen3-8B"]["pipeline_tag"], by_id["Qwen/Qwen3-8B"]["library_name"]) == (
        "'+cmd",
        "'@SUM(A1)",
    )
    assert by_id["openai/gpt-oss-20b"]["pipeline_tag"] == "'-x"

    lines = tmp_path / "s.jsonl"
    assert main(["--config", str(config), "export", "--format", "jsonl", "--out", str(lines)]) == 0
    authors = {json.loads(x)["model_id"]: json.loads(x)["author"] for x in lines.open()}
    assert authors == {
        "Qwen/Qwen3-8B": '=HYPERLINK("http://evil")',
        "openai/gpt-oss-20b": "\tTAB",
    }


# --- config files (13 §13) -----------------------------------------------------------------------


def test_a_config_that_is_not_utf8_is_one_line_with_its_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, SMALL_FAMILIES)
    config.write_bytes(config.read_bytes().replace(b"Alibaba Cloud", b"Alibaba \xe9 Cloud"))
    assert main(["--config", str(config), "status"]) == 2
    err = capsys.readouterr().err
    offset = config.read_bytes().index(b"\xe9")
    assert err == (
        f"hf-monitor: error: {config}: not UTF-8 text (byte 0xe9 at offset {offset}); "
        "save the config as UTF-8\n"
    )


# --- database errors at the start and end of a run (13 §5) ---------------------------------------


def refuse_snapshot_inserts(url: str, words: str) -> None:
    """A trigger that fails every snapshot insert the way a full disk does."""
    engine = create_engine(url, poolclass=NullPool)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse_all BEFORE INSERT ON snapshots "
                f"BEGIN SELECT RAISE(ABORT, '{words}'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE FUNCTION full_disk() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN RAISE EXCEPTION '{words}' USING ERRCODE = 'disk_full'; END $$"
            )
            conn.exec_driver_sql(
                "CREATE TRIGGER refuse_all BEFORE INSERT ON snapshots "
                "FOR EACH ROW EXECUTE FUNCTION full_disk()"
            )
    engine.dispose()


def test_a_refused_write_at_the_end_is_one_line_and_the_run_marked_failed(
    fake_hub: FakeHub,
    tmp_path: Path,
    storage_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    config_path = write_config(tmp_path, SMALL_FAMILIES, storage=storage_url)
    url = load_config(config_path).storage_url()
    open_store(url)  # the schema, so the trigger has a table
    refuse_snapshot_inserts(url, "database or disk is full")

    assert main(["--config", str(config_path), "collect"]) == 1
    err = capsys.readouterr().err
    expected = (
        "the disk is full" if url.startswith("sqlite") else "the database server's disk is full"
    )
    assert err == f"hf-monitor: error: run 1 could not be stored: {expected}\n"
    [run] = open_store(url).recent_runs()
    assert (run.status, run.errors) == ("failed", (("database", f"not stored: {expected}"),))
    assert open_store(url).count(tables.snapshots) == 0


def test_a_corrupt_page_is_found_before_any_hub_request(
    fake_hub: FakeHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    config = write_config(tmp_path, SMALL_FAMILIES)
    assert main(["--config", str(config), "collect"]) == 0
    db = tmp_path / "data" / "monitor.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        [(root,)] = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'snapshots'")
    data = bytearray(db.read_bytes())
    start = (root - 1) * page  # the snapshots table's first page: a page of data, not schema
    data[start : start + page] = bytes([0x0D]) + b"\xff" * (page - 1)
    db.write_bytes(bytes(data))
    capsys.readouterr()
    requests_before = len(fake_hub.state.requests)

    assert main(["--config", str(config), "collect"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith(f"hf-monitor: error: {db}: the database file is corrupt (")
    assert len(fake_hub.state.requests) == requests_before  # not one Hub request spent


def test_a_read_only_database_is_one_line_before_any_hub_request(
    fake_hub: FakeHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes read-only files")
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    config = write_config(tmp_path, SMALL_FAMILIES)
    assert main(["--config", str(config), "collect"]) == 0
    db = tmp_path / "data" / "monitor.db"
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.chmod(0o444)
    capsys.readouterr()
    assert main(["--config", str(config), "collect"]) == 1
    err = capsys.readouterr().err
    assert (
        err == "hf-monitor: error: cannot start the collect run: the database file is read-only\n"
    )


# --- usage errors, not "unexpected error" (13 §14) -----------------------------------------------


@pytest.mark.parametrize(
    ("storage", "message"),
    [
        ("sqlite+nosuch:///x.db", "unknown database driver 'sqlite+nosuch'"),
        ("postgresql+nosuch://u@localhost/db", "unknown database driver 'postgresql+nosuch'"),
        ("mysql://u@localhost/db", "--storage: url must start with sqlite:/// or postgresql://"),
        (
            "no-scheme.db",
            "--storage: no-scheme.db: not a database URL (use sqlite:///FILE or "
            "postgresql://USER:PASSWORD@HOST/DB)",
        ),
    ],
)
@pytest.mark.parametrize("command", ["status", "collect"])
def test_an_unknown_driver_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], storage: str, message: str, command: str
) -> None:
    config = write_config(tmp_path, SMALL_FAMILIES)
    assert main(["--config", str(config), "--storage", storage, command]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_an_uncreatable_storage_folder_is_a_usage_error_for_every_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    blocker = locked / "file"
    blocker.write_text("x")
    claims = f"reports:\n  claims: {REPO / 'seeds' / 'claims.yaml'}\n"
    config = write_config(tmp_path, SMALL_FAMILIES, claims)
    url = f"sqlite:///{blocker}/sub/monitor.db"
    for command, message in (
        ("collect", "cannot create the storage folder"),
        ("run", "cannot create the storage folder"),
        ("status", "no database at"),  # a read-only command creates nothing
    ):
        assert main(["--config", str(config), "--storage", url, command]) == 2, command
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and message in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["report", "--week", "0001-W01"], "week 0001-W01 is before 2000"),
        (["report", "--week", "9999-W52"], "week 9999-W52 has not begun yet"),
        (["status", "--runs", str(10**30)], "--runs must be a number from 1 to 100,000"),
        (["status", "--runs", "0"], "--runs must be a number from 1 to 100,000"),
        (["status", "--runs", "-3"], "--runs must be a number from 1 to 100,000"),
    ],
)
def test_impossible_weeks_and_run_counts_are_usage_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    claims = f"reports:\n  claims: {REPO / 'seeds' / 'claims.yaml'}\n"
    config = write_config(tmp_path, SMALL_FAMILIES, claims)
    open_store(load_config(config).storage_url())  # an empty database
    assert main(["--config", str(config), *args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"hf-monitor: error: {message}") and err.count("\n") == 1


# --- values already stored out of range (13 §7, §9) ----------------------------------------------

T = datetime(2026, 8, 19, 12, tzinfo=UTC)  # Wednesday of 2026-W34


def store_hostile_rows(url: str) -> None:
    """Rows an older version let in: a count near 2^63 beside a missing one, a 2099 and a
    9999-12-31 observation."""
    store = open_store(url)
    qwen = ModelRow("Qwen/Qwen3-8B", "Qwen", "qwen", "CN")
    oss = ModelRow("openai/gpt-oss-20b", "openai", "gpt-oss", "US")
    rows = [
        SnapshotRow("Qwen/Qwen3-8B", T, 2**63 - 1, None, 2**31 - 1, 1.0),
        SnapshotRow("openai/gpt-oss-20b", T, None, 500, 7, float("inf")),
        SnapshotRow("Qwen/Qwen3-8B", datetime(2099, 1, 1, tzinfo=UTC), 10, 10, 1, None),
        SnapshotRow("Qwen/Qwen3-8B", datetime(9999, 12, 31, tzinfo=UTC), 20, 20, 2, None),
    ]
    run = store.begin_run("import", "old.csv", T)
    store.finish_run(run, finished_at=T, status="ok", model_rows=[qwen, oss], snapshot_rows=rows)


def test_stored_hostile_values_read_as_unknown_and_never_pick_a_future_week(
    tmp_path: Path, storage_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    claims = f"reports:\n  claims: {REPO / 'seeds' / 'claims.yaml'}\n"
    config = write_config(tmp_path, SMALL_FAMILIES, claims, storage=storage_url)
    store_hostile_rows(load_config(config).storage_url())

    assert main(["--config", str(config), "models"]) == 0
    out = tmp_path / "all.csv"
    assert main(["--config", str(config), "export", "--out", str(out)]) == 0
    assert main(["--config", str(config), "report"]) == 0  # the default week: not 2099
    captured = capsys.readouterr()
    assert "error" not in captured.err
    assert (tmp_path / "reports" / "2026-W34" / "report.md").exists()
    assert not (tmp_path / "reports" / "2099-W01").exists()

    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    by_key = {(r["model_id"], r["observed_at"][:4]): r for r in rows}
    qwen = by_key[("Qwen/Qwen3-8B", "2026")]
    assert (qwen["downloads_30d"], qwen["likes"]) == ("", str(2**31 - 1))  # 2^63-1: unknown
    oss = by_key[("openai/gpt-oss-20b", "2026")]
    assert (oss["downloads_all_time"], oss["trending_score"]) == ("500", "")  # inf: unknown
    assert ("Qwen/Qwen3-8B", "2099") in by_key  # kept, stored data is not rewritten
    assert ("Qwen/Qwen3-8B", "9999") not in by_key  # beyond what a reader can hold


def test_parse_model_stores_an_absurd_count_as_unknown() -> None:
    from monitor.hub import parse_model

    model = parse_model({"id": "a/b", "downloads": 2**63 - 5, "downloadsAllTime": 10**15})
    assert model is not None
    assert (model.downloads_30d, model.downloads_all_time) == (None, 10**15)
    model = parse_model({"id": "a/b", "downloads": 10**15 + 1, "likes": 2**31})
    assert model is not None and (model.downloads_30d, model.likes) == (None, None)
    model = parse_model({"id": "a/b", "trendingScore": 1_000_000_001})
    assert model is not None and model.trending_score is None


def test_the_daemon_logs_one_line_for_a_config_that_is_not_utf8(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from monitor.scheduler import scheduled_collect

    config = write_config(tmp_path, SMALL_FAMILIES)
    config.write_bytes(b"\xff\xfe" + config.read_bytes())
    caplog.set_level("INFO", logger="monitor")
    scheduled_collect(config)  # the job reloads the config: it must log, not raise
    [record] = [r for r in caplog.records if r.name.startswith("monitor")]
    assert record.levelname == "ERROR" and record.exc_info is None
    assert record.getMessage() == (
        f"collect skipped: {config}: not UTF-8 text (byte 0xff at offset 0); save the config as UTF-8"
    )


def test_real_sqlite_failures_are_worded_without_sql(tmp_path: Path) -> None:
    from monitor.dbtext import describe_db_error

    db = tmp_path / "x.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (x INTEGER)")
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another writer holds the lock
    other = sqlite3.connect(db, timeout=0)
    with pytest.raises(sqlite3.OperationalError) as locked:
        other.execute("INSERT INTO t VALUES (1)")
    holder.execute("ROLLBACK")
    holder.close()
    other.close()
    reader = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    with pytest.raises(sqlite3.OperationalError) as read_only:
        reader.execute("INSERT INTO t VALUES (1)")
    reader.close()

    assert describe_db_error(locked.value) == "another program holds the database's write lock"
    assert describe_db_error(read_only.value) == "the database file is read-only"


def test_a_run_that_cannot_start_is_one_line_with_the_cause(tmp_path: Path) -> None:
    from monitor.errors import StoreWriteError
    from monitor.store import Store

    db = tmp_path / "monitor.db"
    open_store(f"sqlite:///{db}")
    read_only = Store(create_engine(f"sqlite:///file:{db}?mode=ro&uri=true", poolclass=NullPool))
    with pytest.raises(StoreWriteError) as caught:
        read_only.begin_run("collect", "http://hub", T)
    assert str(caught.value) == "cannot start the collect run: the database file is read-only"
