#!/usr/bin/env python3
"""Measure `hf-monitor import` against a bare read-and-insert of the same file.

    python benchmarks/imports.py                       # 1,825,000 rows, 3 runs (~10 min)
    python benchmarks/imports.py --quick               # small sizes, to check the script
    python benchmarks/imports.py --before /tmp/before  # also an older checkout, same runs
    python benchmarks/imports.py --pg URL              # also PostgreSQL (or HF_MONITOR_TEST_PG)

The file is a year of daily snapshots of 5,000 models (CSV). Every figure is a whole child
process (interpreter start-up included), timed by wall clock, its peak memory read by GNU
`time` from that process alone. Each is run `--runs` times; min and median are printed.

1. Speed. The baseline reads the same file with the csv module and writes the rows with one
   `executemany` into the same tables (the project's schema, models first for the foreign
   key), with the journal mode and foreign keys a normal run uses (WAL, foreign_keys=ON).
2. Memory against file size: the same history over half the days and over all of them;
   streaming keeps the two peaks equal. Floor: the interpreter with the same modules loaded.
3. PostgreSQL (with a URL): the import (COPY) against a bare psycopg `executemany` of the
   same rows into the same table.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TIME = "/usr/bin/time"
ORGS = ("Qwen", "deepseek-ai", "meta-llama", "google", "microsoft", "openai", "nvidia",
        "ibm-granite", "mistralai", "zai-org", "moonshotai", "MiniMaxAI")  # fmt: skip
NAME_HINT = {"google": "gemma", "microsoft": "phi", "openai": "gpt-oss", "nvidia": "Nemotron"}

# The baseline, run as its own process: read the file, insert the same rows into the same
# tables with the pragmas `store` sets on every connection. Times are written as SQLAlchemy
# writes them, so the rows are byte for byte what an import stores.
BARE_SQLITE = """
import csv, sqlite3, sys
path, db = sys.argv[1], sys.argv[2]
conn = sqlite3.connect(db)
conn.execute("PRAGMA foreign_keys=ON")
conn.execute("PRAGMA busy_timeout=10000")
conn.execute("PRAGMA journal_mode=WAL")
with open(path, newline="") as handle:
    reader = csv.reader(handle)
    next(reader)
    rows = [(1, r[1], r[0] + " 00:00:00.000000", int(r[2]), int(r[3]), int(r[4]), None) for r in reader]
conn.execute("INSERT INTO runs (id, kind, source, started_at, status, models, requests) "
             "VALUES (1, 'import', 'x', '2026-08-22 00:00:00.000000', 'ok', 0, 0)")
conn.executemany("INSERT INTO models (model_id, author, first_seen, last_seen) VALUES (?, ?, ?, ?)",
                 sorted({(r[1], r[1].partition('/')[0], r[2], r[2]) for r in rows if r[2] == rows[0][2]}))
conn.executemany(
    "INSERT INTO snapshots (run_id, model_id, observed_at, downloads_30d, downloads_all_time, "
    "likes, trending_score) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (model_id, observed_at) DO NOTHING",
    rows)
conn.commit()
"""

BARE_PG = """
import csv, sys, psycopg
from datetime import date, datetime, UTC
path, url = sys.argv[1], sys.argv[2]
with open(path, newline="") as handle:
    reader = csv.reader(handle)
    next(reader)
    rows = [(1, r[1], datetime.fromisoformat(r[0]).replace(tzinfo=UTC), int(r[2]), int(r[3]), int(r[4]), None) for r in reader]
with psycopg.connect(url) as conn, conn.cursor() as cur:
    cur.execute("INSERT INTO runs (id, kind, source, started_at, status, models, requests) "
                "VALUES (1, 'import', 'x', now(), 'ok', 0, 0)")
    first = rows[0][2]
    cur.executemany("INSERT INTO models (model_id, author, first_seen, last_seen) VALUES (%s, %s, %s, %s)",
                    [(r[1], r[1].partition('/')[0], first, first) for r in rows if r[2] == first])
    cur.executemany(
        "INSERT INTO snapshots (run_id, model_id, observed_at, downloads_30d, downloads_all_time, "
        "likes, trending_score) VALUES (%s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (model_id, observed_at) DO NOTHING", rows)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measure")
    parser.add_argument("--before", type=Path, help="an older checkout to time beside this one")
    parser.add_argument("--pg", default=os.environ.get("HF_MONITOR_TEST_PG"), help="PostgreSQL URL")
    parser.add_argument("--days", type=int, help="days of history (default 365, quick 30)")
    parser.add_argument("--only", type=int, choices=(1, 2, 3), action="append", help="a section")
    args = parser.parse_args()
    models, days = (500, 30) if args.quick else (5000, 365)
    days = args.days or days
    sections = set(args.only or (1, 2, 3))
    work = Path(tempfile.mkdtemp(prefix="hf-monitor-imports-"))
    try:
        config = write_config(work)
        data = work / "history.csv"
        rows = write_history(data, models, days)
        print(f"{rows:,} rows, {data.stat().st_size / 2**20:,.0f} MiB of CSV; {args.runs} runs")
        checkouts = {"now": REPO} | ({"before": args.before} if args.before else {})
        if 1 in sections:
            speed(work, data, rows, config, checkouts, args.runs)
        if 2 in sections:
            memory(work, config, checkouts, models, days)
        if args.pg and 3 in sections:
            try:
                postgresql(work, data, rows, config, checkouts, args.pg)
            finally:
                pg_sql(args.pg, "; ".join(f'DROP SCHEMA "{s}" CASCADE' for s in PG_SCHEMAS))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def speed(
    work: Path, data: Path, rows: int, config: Path, checkouts: dict[str, Path], runs: int
) -> None:
    print("\n1. speed, SQLite (seconds of the whole process; rows/s from the median)")
    results: dict[str, list[tuple[float, float]]] = {"bare": []} | {k: [] for k in checkouts}
    for n in range(runs):  # interleaved, so a busy moment of the machine hits all alike
        db = fresh_sqlite(work / f"bare-{n}.db")
        results["bare"].append(child(sys.executable, "-c", BARE_SQLITE, str(data), str(db)))
        for name, checkout in checkouts.items():
            url = f"sqlite:///{work / f'{name}-{n}.db'}"
            results[name].append(import_with(checkout, config, url, data))
    bare = [s for s, _ in results["bare"]]
    for name, measured in results.items():
        print_line(name, measured, rows, bare)


def memory(work: Path, config: Path, checkouts: dict[str, Path], models: int, days: int) -> None:
    print("\n2. peak memory against file size, SQLite")
    for name, checkout in checkouts.items():
        floor_code = "import monitor.cli, monitor.importer, monitor.store"
        _s, floor = child(sys.executable, "-c", floor_code, cwd=checkout)
        print(f"  {name}: modules loaded, nothing imported: {floor:,.0f} MiB")
        for span in (days // 2, days):
            data = work / f"memory-{span}.csv"
            rows = write_history(data, models, span)
            url = f"sqlite:///{work / f'memory-{name}-{span}.db'}"
            seconds, peak = import_with(checkout, config, url, data)
            size = data.stat().st_size / 2**20
            print(
                f"  {name}: {rows:,} rows ({size:,.0f} MiB): peak {peak:,.0f} MiB "
                f"(+{peak - floor:,.0f} over the floor), {seconds:.1f} s"
            )
            data.unlink()


def postgresql(
    work: Path, data: Path, rows: int, config: Path, checkouts: dict[str, Path], pg: str
) -> None:
    print("\n3. PostgreSQL (one run each)")
    from sqlalchemy import create_engine

    sys.path.insert(0, str(REPO))
    from monitor.store import metadata

    url = fresh_pg_schema(pg)
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    bare = child(sys.executable, "-c", BARE_PG, str(data), plain)
    print_line("bare executemany", [bare], rows, [bare[0]])
    for name, checkout in checkouts.items():
        measured = [import_with(checkout, config, fresh_pg_schema(pg), data)]
        print_line(name, measured, rows, [bare[0]])


def print_line(
    name: str, measured: list[tuple[float, float]], rows: int, bare: list[float]
) -> None:
    """Min and median seconds, and the speed against the bare baseline's min and median."""
    seconds = sorted(s for s, _ in measured)
    median = statistics.median(seconds)
    peak = max(p for _, p in measured)
    print(
        f"  {name:>16}: min {seconds[0]:6.1f} s, median {median:6.1f} s, "
        f"{rows / seconds[0]:9,.0f} rows/s at best; × the bare speed: "
        f"{min(bare) / seconds[0]:.2f} (min), {statistics.median(bare) / median:.2f} (median); "
        f"peak {peak:,.0f} MiB"
    )


def import_with(checkout: Path, config: Path, url: str, data: Path) -> tuple[float, float]:
    command = (sys.executable, "-m", "monitor", "--config", str(config), "--storage", url)
    return child(*command, "import", str(data), cwd=checkout)


def child(*command: str, cwd: Path = REPO) -> tuple[float, float]:
    """Run a command to its end; (seconds, peak resident MiB of that process alone).

    GNU time starts the command itself and reports its own child's peak: read from this
    script's `wait4`, Linux would carry this script's peak into the child's."""
    started = time.perf_counter()
    proc = subprocess.run(
        (TIME, "-f", "maxrss %M", *command), cwd=cwd, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    *rest, last = proc.stderr.rstrip().split("\n")
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(command[:6])} failed: {' '.join(rest)[-300:]}")
    return seconds, int(last.removeprefix("maxrss ")) / 1024


def write_config(work: Path) -> Path:
    """The shipped config, Hub-wide context off, claims found from anywhere."""
    text = (REPO / "config.yaml").read_text()
    text = text.replace("  enabled: true", "  enabled: false")
    text = text.replace("claims: seeds/claims.yaml", f"claims: {REPO / 'seeds' / 'claims.yaml'}")
    path = work / "config.yaml"
    path.write_text(text)
    return path


def write_history(path: Path, models: int, days: int) -> int:
    """`models` watched-looking models, one snapshot a day for `days` days ending 2026-08-22."""
    rng = random.Random(7)
    ids = [
        f"{ORGS[i % len(ORGS)]}/{NAME_HINT.get(ORGS[i % len(ORGS)], 'model')}-bench-{i}"
        for i in range(models)
    ]
    base = [rng.randint(100, 10_000_000) for _ in ids]
    start = date(2026, 8, 22) - timedelta(days=days - 1)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["snapshot_date", "model_id", "downloads_30d", "downloads_all_time", "likes"]
        )
        for d in range(days):
            day = (start + timedelta(days=d)).isoformat()
            for model_id, downloads in zip(ids, base, strict=True):
                writer.writerow([day, model_id, downloads + 37 * d, downloads * 12 + d * downloads // 30, downloads // 997 + d // 7])  # fmt: skip
    return models * days


def fresh_sqlite(db: Path) -> Path:
    """An empty database with the project's schema, as `open_store` makes it."""
    code = f"from monitor.store import open_store; open_store('sqlite:///{db}')"
    subprocess.run((sys.executable, "-c", code), cwd=REPO, check=True)
    return db


PG_SCHEMAS: list[str] = []  # dropped at the end


def fresh_pg_schema(url: str) -> str:
    schema = f"bench_{os.getpid()}_{len(PG_SCHEMAS)}"
    PG_SCHEMAS.append(schema)
    pg_sql(url, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE; CREATE SCHEMA "{schema}"')
    return f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"


def pg_sql(url: str, sql: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for statement in sql.split("; "):
            conn.execute(text(statement))
    engine.dispose()


if __name__ == "__main__":
    main()
