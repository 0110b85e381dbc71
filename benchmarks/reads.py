#!/usr/bin/env python3
"""Time the read-side commands on a year of history with a year of Hub-wide context, as whole
processes, each against a bare SQL read of the rows it needs — measured in the same run.

    python benchmarks/reads.py                                  # 5,000 models × 365 days
    python benchmarks/reads.py --quick                          # small sizes, to check the script
    git worktree add /tmp/old origin/main
    python benchmarks/reads.py --baseline-tree /tmp/old         # the older code beside this one

The history is what a daily collect with the default config writes: one snapshot per model a
day, and per day the Hub's top 1,000 in two lists (all models and text-generation), the model
tree counts and ecosystem downloads of three base models per family. It goes straight into a
SQLite file through `sqlite3` (schema from `monitor.store`, times stored as SQLAlchemy stores
them), and is kept (`--db`) so a second run skips the generation.

Each command runs as `python -m monitor` with a checkout on PYTHONPATH, under GNU `time` so its
peak resident memory is its own (see benchmarks/README.md). Its baseline is a fresh Python
process that reads the same rows with `sqlite3` and nothing else: for `models` the latest row
per model, for `status` the runs, days and counts it shows, for the weekly report its thirteen
weeks of snapshots (week, week before, the charts' span) and the two weeks' context captures.
Commands run interleaved, `--repeat` times each; the table shows the fastest and the median.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from monitor.config import load_config  # noqa: E402
from monitor.store import open_store  # noqa: E402

ORGS = ("Qwen", "deepseek-ai", "meta-llama", "google", "microsoft", "openai", "nvidia",
        "ibm-granite", "mistralai", "zai-org", "moonshotai", "MiniMaxAI")  # fmt: skip
NAME_HINT = {"google": "gemma", "microsoft": "phi", "openai": "gpt-oss", "nvidia": "Nemotron"}
LAST_DAY = datetime(2026, 8, 22, 3, 30, tzinfo=UTC)  # a Saturday of 2026-W34
WEEK = "2026-W34"
WEEK_END = datetime(2026, 8, 24, tzinfo=UTC)
HUB = "https://huggingface.co"
TIME = "/usr/bin/time"

# --- the bare reads: the rows each command needs, with sqlite3 and nothing else --------------

BARE_MODELS = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute('''
    SELECT s.observed_at, s.model_id, m.family, s.downloads_30d, s.downloads_all_time, s.likes
    FROM snapshots s
    JOIN (SELECT model_id, max(observed_at) AS t FROM snapshots GROUP BY model_id) l
      ON l.model_id = s.model_id AND l.t = s.observed_at
    JOIN models m ON m.model_id = s.model_id''').fetchall()
print(len(rows))
"""

BARE_STATUS = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
runs = db.execute('SELECT * FROM runs ORDER BY id DESC LIMIT 10').fetchall()
ids = ','.join(str(r[0]) for r in runs)
db.execute(f'SELECT * FROM run_errors WHERE run_id IN ({ids})').fetchall()
db.execute('''SELECT started_at FROM runs WHERE kind = 'collect' AND status = 'ok'
              AND started_at >= ?''', (sys.argv[2],)).fetchall()
db.execute("SELECT min(started_at) FROM runs WHERE kind = 'collect'").fetchall()
latest = db.execute('''SELECT id FROM runs WHERE kind = 'collect'
                       AND status IN ('ok', 'partial') ORDER BY id DESC LIMIT 1''').fetchone()[0]
db.execute('''SELECT m.family, count(*) FROM snapshots s JOIN models m
              ON m.model_id = s.model_id WHERE s.run_id = ? AND m.family IS NOT NULL
              GROUP BY m.family''', (latest,)).fetchall()
print(len(runs))
"""

BARE_REPORT = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
since, start, prev, end = sys.argv[2:6]
rows = db.execute('''
    SELECT s.observed_at, s.model_id, m.author, m.family, m.origin, s.downloads_30d,
           s.downloads_all_time, s.likes, s.trending_score, m.pipeline_tag, m.created_at,
           s.run_id, r.kind, r.source
    FROM snapshots s JOIN models m ON m.model_id = s.model_id JOIN runs r ON r.id = s.run_id
    WHERE s.observed_at >= ? AND s.observed_at < ?
    ORDER BY s.observed_at, s.model_id''', (since, end)).fetchall()
columns = {
    'hub_ranks': 'observed_at, scope, rank, model_id, downloads_30d, pipeline_tag',
    'derivatives': 'observed_at, base_model_id, family, adapter, finetune, merge, quantized',
    'ecosystem': 'observed_at, base_model_id, family, downloads_30d, children_counted, truncated',
}
for table, names in columns.items():
    latest = f'(SELECT max(observed_at) FROM {table} WHERE observed_at >= ? AND observed_at < ?)'
    rows += db.execute(
        f'SELECT {names} FROM {table} WHERE observed_at IN ({latest}, {latest}) '
        'ORDER BY observed_at, id', (prev, start, start, end)).fetchall()
print(len(rows))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="300 models × 60 days, top 200")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each command")
    parser.add_argument("--db", type=Path, help="SQLite file to generate into (kept; reused)")
    parser.add_argument(
        "--baseline-tree", type=Path, help="an older checkout to time beside this one"
    )
    args = parser.parse_args()
    models, days, top = (300, 60, 200) if args.quick else (5000, 365, 1000)
    if not os.path.exists(TIME):
        raise SystemExit(f"{TIME} (GNU time) is needed to measure each child's own peak memory")
    with tempfile.TemporaryDirectory(prefix="hf-reads-") as tmp:
        work = Path(tmp)
        db = args.db or work / "history.db"
        if not db.exists():
            started = time.perf_counter()
            rows = generate(db, models, days, top)
            print(f"generated {rows:,} rows into {db} in {time.perf_counter() - started:.0f} s")
        config = write_config(work, db)
        commands = build_commands(work, config, db, args.baseline_tree)
        results = time_commands(commands, args.repeat)
    print_table(results, models, days, top, args.repeat)


# --- the history ------------------------------------------------------------------------------


def stamp(moment: datetime) -> str:
    """A time as SQLAlchemy stores it in SQLite (text that sorts and compares as time)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def generate(db: Path, models: int, days: int, top: int) -> int:
    """A year (or `days`) of daily collects into a fresh SQLite file; returns the rows."""
    open_store(f"sqlite:///{db}").engine.dispose()  # the schema and its recorded migrations
    config = load_config(REPO / "config.yaml")
    rng = random.Random(7)
    ids = [
        f"{ORGS[i % len(ORGS)]}/{NAME_HINT.get(ORGS[i % len(ORGS)], 'model')}-bench-{i}"
        for i in range(models)
    ]
    base = [rng.randint(100, 10_000_000) for _ in ids]
    first = LAST_DAY - timedelta(days=days - 1)
    bases = [(f.id, f"{ORGS[i % len(ORGS)]}/base-{f.id}-{k}") for i, f in
             enumerate(config.families) for k in range(3)]  # fmt: skip
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode=WAL")
    total = 0
    with conn:
        model_rows = []
        for model_id in ids:
            family = config.classify(model_id)
            model_rows.append((model_id, model_id.split("/")[0], family.id if family else None,
                               family.origin if family else None, "text-generation",
                               "transformers", stamp(first - timedelta(days=30)), stamp(first),
                               stamp(LAST_DAY)))  # fmt: skip
        conn.executemany("INSERT INTO models VALUES (?,?,?,?,?,?,?,?,?)", model_rows)
        for d in range(days):
            at = first + timedelta(days=d)
            run_id = d + 1
            conn.execute(
                "INSERT INTO runs VALUES (?,?,?,?,?,?,?,?)",
                (run_id, "collect", HUB, stamp(at), stamp(at + timedelta(minutes=2)), "ok",
                 models, 85),
            )  # fmt: skip
            t = stamp(at)
            conn.executemany(
                "INSERT INTO snapshots (run_id, model_id, observed_at, downloads_30d, "
                "downloads_all_time, likes, trending_score) VALUES (?,?,?,?,?,?,?)",
                ((run_id, m, t, b + 37 * d, b * 12 + d * b // 30, b // 997 + d // 7, None)
                 for m, b in zip(ids, base, strict=True)),
            )  # fmt: skip
            conn.executemany(
                "INSERT INTO hub_ranks (run_id, observed_at, scope, rank, model_id, "
                "downloads_30d, likes, pipeline_tag, library_name) VALUES (?,?,?,?,?,?,?,?,?)",
                ranks(run_id, t, d, ids, top),
            )
            conn.executemany(
                "INSERT INTO derivatives (run_id, observed_at, base_model_id, family, adapter, "
                "finetune, merge, quantized) VALUES (?,?,?,?,?,?,?,?)",
                ((run_id, t, b, f, 40 + d, 300 + 2 * d, 12, 150 + d) for f, b in bases),
            )
            conn.executemany(
                "INSERT INTO ecosystem (run_id, observed_at, base_model_id, family, "
                "children_listed, children_counted, downloads_30d, truncated) "
                "VALUES (?,?,?,?,?,?,?,?)",
                ((run_id, t, b, f, 1000, 950, 5_000_000 + 1000 * d, 1) for f, b in bases),
            )
            total += models + 2 * top + 2 * len(bases) + 1
    conn.close()
    return total + len(ids)


def ranks(run_id: int, t: str, d: int, ids: list[str], top: int) -> Iterator[tuple]:
    """One day's two top-N lists: every fifth place a watched model, the rest others."""
    for scope in ("all", "text-generation"):
        for rank in range(1, top + 1):
            model = ids[(rank * 7 + d) % len(ids)] if rank % 5 == 0 else f"other/m-{rank + d % 50}"
            tag = "text-generation" if scope != "all" or rank % 3 else "image-to-video"
            yield (run_id, t, scope, rank, model, 10**8 // rank, rank % 97, tag, "transformers")


def write_config(work: Path, db: Path) -> Path:
    """The shipped config storing in `db`, claims from this checkout, reports under `work`."""
    text = (REPO / "config.yaml").read_text()
    text = text.replace("url: sqlite:///data/monitor.db", f"url: sqlite:///{db}")
    text = text.replace("claims: seeds/claims.yaml", f"claims: {REPO / 'seeds' / 'claims.yaml'}")
    path = work / "config.yaml"
    path.write_text(text)
    return path


# --- timing -----------------------------------------------------------------------------------


Command = tuple[list[str], Path | None]  # argv, checkout on PYTHONPATH (None: a bare read)


def build_commands(
    work: Path, config: Path, db: Path, baseline: Path | None
) -> dict[str, dict[str, Command]]:
    """Command name → {"bare" | "new" | "old": how to start it}."""
    python = sys.executable
    start = WEEK_END - timedelta(days=7)
    args = {
        "models": ["models"],
        "status": ["status"],
        "report": ["report", "--week", WEEK, "--out", str(work / "reports")],
    }
    two_weeks_ago = stamp(datetime.now(UTC) - timedelta(days=14))
    window = [stamp(WEEK_END - timedelta(days=91)), stamp(start),
              stamp(start - timedelta(days=7)), stamp(WEEK_END)]  # fmt: skip
    bare = {
        "models": [python, "-c", BARE_MODELS, str(db)],
        "status": [python, "-c", BARE_STATUS, str(db), two_weeks_ago],
        "report": [python, "-c", BARE_REPORT, str(db), *window],
    }
    trees = [("new", REPO)] + ([("old", baseline.resolve())] if baseline else [])
    out: dict[str, dict[str, Command]] = {}
    for name, extra in args.items():
        out[name] = {"bare": (bare[name], None)}
        for label, tree in trees:
            out[name][label] = ([python, "-m", "monitor", "--config", str(config), *extra], tree)
    return out


def run_child(argv: list[str], tree: Path | None) -> tuple[float, float]:
    """(seconds, peak MiB) of one process; GNU time reports the child's own peak (measured
    from here, Linux would carry this script's peak into a vforked child's)."""
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    started = time.perf_counter()
    proc = subprocess.run(
        [TIME, "-f", "maxrss %M", *argv],
        cwd=tree or REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:6])} failed: {proc.stderr[-400:]}")
    peak = int(proc.stderr.rstrip().rpartition("\n")[2].removeprefix("maxrss "))
    return seconds, peak / 1024


def time_commands(
    commands: dict[str, dict[str, Command]], repeat: int
) -> dict[str, dict[str, list[tuple[float, float]]]]:
    """Every variant of every command, `repeat` rounds interleaved (a busy moment on a shared
    machine then hits each alike)."""
    results: dict[str, dict[str, list[tuple[float, float]]]] = {
        name: {label: [] for label in variants} for name, variants in commands.items()
    }
    for _ in range(repeat):
        for name, variants in commands.items():
            for label, (argv, tree) in variants.items():
                results[name][label].append(run_child(argv, tree))
    return results


def print_table(
    results: dict[str, dict[str, list[tuple[float, float]]]],
    models: int,
    days: int,
    top: int,
    repeat: int,
) -> None:
    print(f"\n{models:,} models × {days} days, context top {top:,} × 2 lists a day; "
          f"{repeat} runs each, seconds min / median, peak MiB median\n")  # fmt: skip
    print("| command | bare read | this code | ratio to bare (min) | before | ratio to bare |")
    print("|---|---|---|---|---|---|")
    for name, variants in results.items():
        cells = [f"`{name}`"]
        bare_min = min(s for s, _ in variants["bare"])
        for label in ("bare", "new", "old"):
            if label not in variants:
                cells += ["–", "–"] if label == "old" else ["–"]
                continue
            secs = [s for s, _ in variants[label]]
            peak = statistics.median(m for _, m in variants[label])
            cells.append(f"{min(secs):.2f} / {statistics.median(secs):.2f} s, {peak:.0f} MiB")
            if label != "bare":
                cells.append(f"{min(secs) / bare_min:.1f}×")
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
