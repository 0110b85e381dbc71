"""The `hf-monitor` command line: argument parsing, and errors to messages and exit codes.

Each command is a short recipe over the library functions; no logic lives here. Domain
errors (`MonitorError`) become one line on stderr with their fixed exit code; anything
unexpected becomes one line too, with a hint to set HF_MONITOR_DEBUG=1 for the traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import sys
import textwrap
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from . import __version__
from .dbtext import display_url, hide_credentials
from .errors import MonitorError, StoreError, UsageError
from .limits import EARLIEST_OBSERVATION

# Only light modules at the top: `--help` must not pay for pydantic, SQLAlchemy or pandas, so
# each command imports what it needs inside its handler.
if TYPE_CHECKING:
    from .collect import CollectResult
    from .config import Config
    from .store import Store

PROG = "hf-monitor"
DEBUG_ENV = "HF_MONITOR_DEBUG"
MAX_RUNS_SHOWN = 100_000  # far more than a terminal shows; beyond it, a typo

Handler = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    _setup_logging(args.verbose)
    handler: Handler = args.handler
    try:
        return handler(args)
    except MonitorError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `hf-monitor … | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return 0
    except Exception as exc:
        if os.environ.get(DEBUG_ENV):
            raise
        print(
            f"{PROG}: unexpected error: {type(exc).__name__}: {exc} "
            f"(set {DEBUG_ENV}=1 for the traceback)",
            file=sys.stderr,
        )
        return 1


# --- commands ---------------------------------------------------------------------------------


def cmd_collect(args: argparse.Namespace) -> int:
    """Poll the Hub once for every watched family and store one run.

    Only one collect runs at a time per database: a second one exits at once with code 75.
    SIGTERM or Ctrl-C stops at once (a request in flight is dropped) and keeps what was fetched.

    Example:
      hf-monitor collect
      HF_ENDPOINT=http://127.0.0.1:8765 hf-monitor collect   # against a local fake Hub
    """
    from .jobs import collect_now

    config = _config(args)
    with _graceful_stop() as stop:
        result = collect_now(config, stop=stop, progress=_progress())
    _print_collect(result, config)
    return result.exit_code


def cmd_run(args: argparse.Namespace) -> int:
    """What cron calls: collect, then write the report of the week that just completed.

    Safe to call every hour: a week's report is written once (--force rewrites it), and a run
    that finds another one busy exits at once with code 75.

    Example:
      hf-monitor run
      15 4 * * *  cd /srv/hf-monitor && .venv/bin/hf-monitor run >> data/monitor.log 2>&1   # crontab
    """
    from .claims import load_claims
    from .jobs import run_once

    config = _config(args)
    load_claims(config.claims_path(), config)  # a claim the config can't serve stops us here
    with _graceful_stop() as stop:
        result, weekly = run_once(config, force=args.force, stop=stop, progress=_progress())
    _print_collect(result, config)
    print(weekly.describe())
    return result.exit_code


def cmd_schedule(args: argparse.Namespace) -> int:
    """Run forever: collect and report on the cron expressions in the config's schedule.

    Logs one line per job start, end and failure to stderr. SIGTERM or Ctrl-C stop it within
    seconds (exit 0); a running collect keeps what it fetched. The config file is re-read
    before every job.

    Example:
      hf-monitor schedule
      systemd: ExecStart=/srv/hf-monitor/.venv/bin/hf-monitor --config /srv/hf-monitor/config.yaml schedule
    """
    from .claims import load_claims
    from .crontab import next_times
    from .scheduler import build_scheduler, run_scheduler

    config = _config(args)
    load_claims(config.claims_path(), config)  # a claim the config can't serve stops us here
    logging.getLogger("monitor").setLevel(logging.INFO)
    scheduler = build_scheduler(config, storage=args.storage)
    for name, when in next_times(config, datetime.now(UTC)).items():
        logging.getLogger("monitor.scheduler").info("next %s: %s", name, when)
    return run_scheduler(scheduler)


def _print_collect(result: CollectResult, config: Config) -> None:
    from .store import open_store

    by_error: dict[str, list[str]] = {}
    for selector, error in result.errors:
        by_error.setdefault(hide_credentials(error), []).append(selector)
    for error, selectors in by_error.items():
        if len(selectors) > 2:  # a stop or a deadline leaves every selector after it unfetched
            selectors = [f"{len(selectors)} selectors ({selectors[0]} … {selectors[-1]})"]
        for selector in selectors:
            print(f"{PROG}: {selector}: {error}", file=sys.stderr)
    _warn_empty_families(config, open_store(config.storage_url()), result.run_id, result.errors)
    context = (
        f" ({result.context_requests} for Hub-wide context)" if result.context_requests else ""
    )
    print(
        f"run {result.run_id}: {result.status} — {result.models} models, "
        f"{result.new_snapshots} new snapshots, {result.requests} requests{context}, "
        f"{result.seconds:.1f} s ({hide_credentials(config.hub_endpoint())})"
    )


def _warn_empty_families(
    config: Config, store: Store, run_id: int, errors: Sequence[tuple[str, str]]
) -> None:
    """One line per family a run found no models for although its selectors raised no error."""
    from .collect import empty_families

    for family in empty_families(config, store.run_families(run_id), errors):
        print(
            f"{PROG}: found no models for family {family.id!r} in run {run_id} — check its "
            f"author names and globs in {config.path.name}",
            file=sys.stderr,
        )


def cmd_models(args: argparse.Namespace) -> int:
    """Show the resolved watch list: each family's models with their latest numbers.

    Example:
      hf-monitor models
      hf-monitor models --family qwen
    """
    from .views import render_models

    config, store = _open_existing(args)
    known = [f.id for f in config.families]
    if args.family and args.family not in known:
        listed = ", ".join(known)
        raise UsageError(f"no family {args.family!r} in {config.path.name} (known: {listed})")
    print(render_models(config, store.latest_snapshots(), only=args.family), end="")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Show recent runs, days without a successful collect, and the next scheduled times.

    A run still marked running while no process holds the lock was interrupted (killed).

    Example:
      hf-monitor status
      hf-monitor status --runs 30
    """
    from .crontab import next_times
    from .lock import writer_busy
    from .views import render_status

    if not 1 <= args.runs <= MAX_RUNS_SHOWN:
        raise UsageError(f"--runs must be a number from 1 to {MAX_RUNS_SHOWN:,}")
    config, store = _open_existing(args)
    now = datetime.now(UTC)
    busy = writer_busy(config.storage_url())
    text = render_status(
        store.recent_runs(args.runs),
        now=now,
        busy=busy,
        good_days=store.successful_collect_days(now - timedelta(days=14)),
        first_collect=store.first_collect_time(),
        next_runs=next_times(config, now),
    )
    print(text, end="")
    latest = store.latest_collect()
    if latest is not None:
        _warn_empty_families(config, store, latest.id, latest.errors)
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write every stored snapshot with family and origin (stdout unless --out).

    Example:
      hf-monitor export --format csv > snapshots.csv
      hf-monitor export --format jsonl --out snapshots.jsonl
      hf-monitor export --table ranks --format parquet --out ranks.parquet
      python -c "import pandas as pd; print(pd.read_csv('snapshots.csv').tail())"
    """
    from .export import export_frame, write_export

    config, store = _open_existing(args)
    if args.out is not None and not args.out.parent.is_dir():
        raise UsageError(f"--out {args.out}: the folder {args.out.parent} does not exist")
    try:
        write_export(export_frame(store, config, args.table), args.format, args.out)
    except OSError as exc:
        raise UsageError(f"--out {args.out}: cannot write: {exc.strerror or exc}") from None
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write the weekly report: report.md, summary.json and PNG charts, plus index.md.

    Example:
      hf-monitor report                     # the latest ISO week with data → reports/2026-W34/
      hf-monitor report --week 2026-W33     # an earlier week
      hf-monitor report --out /tmp/reports  # somewhere else
    """
    from .claims import load_claims
    from .report_files import report_week

    config = _config(args)
    load_claims(config.claims_path(), config)  # a config mistake before a missing database
    store = _existing_store(config)
    out = args.out or config.reports_dir()
    blocker = next((p for p in (out, *out.parents) if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise UsageError(f"--out {out}: {blocker} is a file; give a folder for the reports")
    try:
        report, folder = report_week(store, config, args.week, out)
    except OSError as exc:
        raise UsageError(f"{out}: cannot write the report: {exc.strerror or exc}") from None
    print(f"{folder / 'report.md'}")
    for verdict in report.verdicts:
        print(f"  {verdict.claim.id}: {verdict.main.verdict} — {verdict.main.explanation}")
    return 0


def cmd_trends(args: argparse.Namespace) -> int:
    """Write the long-range report over all stored history: report.md, summary.json, PNGs.

    Every claim week by week (or month by month): its verdict at the article's date, now, and
    when it changed; family and origin shares, who passed whom; others' published figures; the
    data's gaps and sources. Links the report from the reports folder's index.md.

    Example:
      hf-monitor trends                               # → reports/trends/
      hf-monitor trends --since 2025-01 --every month
      hf-monitor trends --out /tmp/trends
    """
    from .claims import load_claims
    from .trends_report import TRENDS_DIR, link_trends, report_trends

    since = parse_since(args.since, datetime.now(UTC).date())
    config = _config(args)
    load_claims(config.claims_path(), config)  # config mistakes first, as for `report`
    store = _existing_store(config)
    out = args.out or config.reports_dir() / TRENDS_DIR
    trends, folder = report_trends(store, config, since, args.every, out)
    if args.out is None:
        link_trends(config.reports_dir())
    print(folder / "report.md")
    for history in trends.histories:
        now = history.now
        if now is not None:
            print(f"  {history.claim.id}: now {now.verdict} ({now.period.label}), "
                  f"{len(history.changes)} change(s)")  # fmt: skip
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Load historical snapshots from CSV, JSON Lines or JSON files (each file all or nothing).

    Columns: model_id (id, modelId), a time (observed_at, fetched_at, snapshot_time,
    snapshot_date, date), downloads_30d (downloads), downloads_all_time (downloadsAllTime),
    likes, trending_score (trendingScore); optional pipeline_tag, library_name, created_at,
    author. Re-importing a file adds nothing.

    With --hub-top N the file is known to hold the Hub's N most downloaded models at each
    capture (say, a daily top-300 list): their Hub-wide ranks are stored as well.

    Example:
      hf-monitor import history.csv
      hf-monitor import ../shared/real-data/*/*.csv
      hf-monitor import --hub-top 300 daily_top300.csv
    """
    from .lock import writer_lock

    if args.hub_top is not None and args.hub_top < 1:
        raise UsageError("--hub-top must be a positive number of models")
    if not any(path.is_file() for path in args.files):  # nothing to read: create nothing
        raise UsageError(f"no such file: {args.files[0]}")
    config, store = _open(args)
    store.verify()
    with writer_lock(config.storage_url(), "import"):
        return _import_all(args.files, store, config, args.hub_top)


def _import_all(files: list[Path], store: Store, config: Config, hub_top: int | None) -> int:
    from .importer import import_file

    failed = 0
    for path in files:
        try:
            result = import_file(path, store, config, datetime.now(UTC), hub_top)
        except MonitorError as exc:
            print(f"{PROG}: error: {exc}", file=sys.stderr)
            failed += 1
            continue
        if result.already_imported:
            print(f"{path}: already imported, nothing added")
        else:
            print(
                f"{path}: {result.rows} rows, {result.new_snapshots} new snapshots, {result.models} models"
            )
    return 1 if failed else 0


def cmd_backfill(args: argparse.Namespace) -> int:
    """Store the watched models' daily history since 2024-07-29 from a public Hub data set.

    Reads modelpulse/model-pulse-data at one pinned revision (its commit sha, stored as the
    run's source): only the row groups that can hold watched models, only the days the data
    set does not flag as bad. Days that already have a live snapshot are left alone. Each
    month is stored whole; re-running adds only what is missing, and a killed run resumes.

    Example:
      hf-monitor backfill                       # everything since 2024-07-29
      hf-monitor backfill --since 2025-01       # a shorter span
      hf-monitor backfill --revision 3f2a…      # a given revision of the data set
      HF_ENDPOINT=http://127.0.0.1:8765 hf-monitor backfill   # against `python -m monitor.fakehub`
    """
    from .backfill import run_backfill
    from .hub import build_hub
    from .lock import writer_lock

    since = parse_since(args.since, datetime.now(UTC).date())
    config, store = _open(args)
    hub = build_hub(config.hub_endpoint(), timeout=config.settings.hub.timeout, page_size=1000)
    with hub, writer_lock(config.storage_url(), "backfill"), _sigterm_interrupts():
        result = run_backfill(
            config,
            store,
            hub,
            now=lambda: datetime.now(UTC),
            since=since,
            revision=args.revision,
            progress=sys.stderr.isatty(),
        )
    if result.run_id is None:
        print(f"nothing to do: {result.already_done} months already stored ({result.source})")
        return 0
    ids = result.skipped_ids
    skipped = f"{len(ids)} invalid ids skipped (as import would refuse them), " if ids else ""
    print(
        f"backfill run {result.run_id}: {result.status} — {len(result.months)} months "
        f"({result.already_done} already stored), {result.new_snapshots} new snapshots, "
        f"{len(result.models)} models, {skipped}"
        f"{result.bytes_read / 1e6:.1f} MB read of "
        f"{result.bytes_total / 1e6:.1f} MB ({result.source})"
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Offline demo: a fake Hub replays real recorded numbers over 16 days; a full report follows.

    Nothing touches the network or your own database. The demo keeps its data in a folder of
    its own (--out, default ./hf-monitor-demo): the reports, marked as a demo, and demo.db,
    which the other commands read with --storage. It refuses a folder it did not write.
    Without a config.yaml here it uses the packaged defaults.

    Example:
      hf-monitor demo
      hf-monitor demo --out /tmp/demo
      hf-monitor --storage sqlite:///hf-monitor-demo/demo.db models
    """
    from .config import PACKAGED_DEFAULTS
    from .demo import run_demo

    config = _demo_config(args)
    result = run_demo(config, args.out, progress=lambda line: print(line, file=sys.stderr))
    print(result.report / "report.md")
    storage = f"sqlite:///{result.database}"
    print(f"The demo's data (partly synthetic) is kept in {result.database}. Next:")
    if config.path.is_relative_to(PACKAGED_DEFAULTS):
        print("  hf-monitor init .            # a config.yaml of your own, needed by the rest")
    command = _command()
    print(f"  {command} --storage {storage} models")
    print(f"  {command} --storage {storage} status")
    print(f"  {command} --storage {storage} export --format csv --out demo.csv")
    return 0


def _command() -> str:
    """How this program was started, so printed next steps work as typed (a venv's
    `.venv/bin/hf-monitor` is not on PATH unless the venv is activated)."""
    import shutil

    started = Path(sys.argv[0])
    if started.name == "__main__.py" and started.parent.name == "monitor":
        return f"{sys.executable} -m monitor"
    on_path = shutil.which(PROG)
    if on_path is not None and Path(on_path).resolve() == started.resolve():
        return PROG
    return str(started) if started.name == PROG else PROG


def cmd_init(args: argparse.Namespace) -> int:
    """Write a commented starter config.yaml and the claims file (seeds/claims.yaml) to DIR.

    Never overwrites: if either file exists, nothing is written (exit 2).

    Example:
      hf-monitor init                # here
      hf-monitor init ~/hf-monitor && cd ~/hf-monitor && hf-monitor collect
    """
    from .starter import write_starter

    for path in write_starter(args.dir):
        print(f"wrote {path}")
    where = "" if args.dir.resolve() == Path.cwd() else f"cd {args.dir} && "
    print(f"Next: {where}{PROG} collect && {PROG} report   (offline: {PROG} demo)")
    return 0


# --- parser -----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Watch how popular open AI models are on the Hugging Face Hub.",
        epilog=textwrap.dedent(
            """\
            Examples:
              hf-monitor collect            # poll the Hub once, store a dated snapshot
              hf-monitor run                # for cron: collect, then last week's report once
              hf-monitor schedule           # daemon on the config's cron expressions
              hf-monitor models             # what is watched, with the latest numbers
              hf-monitor status             # recent runs and their errors
              hf-monitor export --format csv > snapshots.csv
              hf-monitor report             # weekly Markdown + PNG + summary.json
              hf-monitor backfill           # daily history since 2024 from a public data set
              hf-monitor trends             # every claim and share over all stored history
              hf-monitor demo               # offline: fake Hub → a full report
              hf-monitor init DIR           # a starter config.yaml and claims file in DIR
            """
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help="config file (default: $HF_MONITOR_CONFIG or ./config.yaml)",
    )
    parser.add_argument(
        "--storage",
        metavar="URL",
        help="database URL overriding storage.url, e.g. sqlite:///scratch.db",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    _add(sub, "collect", cmd_collect)
    run = _add(sub, "run", cmd_run)
    run.add_argument("--force", action="store_true", help="rewrite the completed week's report")
    _add(sub, "schedule", cmd_schedule)
    models = _add(sub, "models", cmd_models)
    models.add_argument("--family", help="only this family id")
    status = _add(sub, "status", cmd_status)
    status.add_argument("--runs", type=int, default=10, help="how many recent runs (default 10)")
    export = _add(sub, "export", cmd_export)
    export.add_argument("--format", choices=("csv", "jsonl", "parquet"), default="csv")
    export.add_argument(
        "--table",
        choices=("snapshots", "ranks", "derivatives", "ecosystem"),
        default="snapshots",
        help="what to export: watched snapshots (default) or a Hub-wide context table",
    )
    export.add_argument("--out", type=Path, help="file to write (default: stdout)")
    report = _add(sub, "report", cmd_report)
    report.add_argument("--week", help="ISO week like 2026-W34 (default: the latest with data)")
    report.add_argument(
        "--out", type=Path, help="reports folder (default: reports.dir of the config)"
    )
    trends = _add(sub, "trends", cmd_trends)
    trends.add_argument("--since", metavar="YYYY-MM[-DD]", help="start (default: all history)")
    trends.add_argument(
        "--every", choices=("week", "month"), default="week", help="period length (default week)"
    )
    trends.add_argument(
        "--out", type=Path, help="folder to write (default: <reports dir>/trends of the config)"
    )
    imp = _add(sub, "import", cmd_import)
    imp.add_argument("files", nargs="+", type=Path, metavar="FILE")
    imp.add_argument(
        "--hub-top",
        type=int,
        metavar="N",
        help="the files hold the Hub's N most downloaded models at each capture: store their ranks",
    )
    backfill = _add(sub, "backfill", cmd_backfill)
    backfill.add_argument(
        "--since", metavar="DATE", help="first day (YYYY-MM-DD) or month (YYYY-MM) to store"
    )
    backfill.add_argument(
        "--revision", metavar="SHA", help="revision of the data set (default: its latest commit)"
    )
    demo = _add(sub, "demo", cmd_demo)
    demo.add_argument(
        "--out",
        type=Path,
        default=Path("hf-monitor-demo"),
        help="the demo's folder: reports and demo.db (default: ./hf-monitor-demo)",
    )
    init = _add(sub, "init", cmd_init)
    init.add_argument(
        "dir", nargs="?", type=Path, default=Path("."), metavar="DIR", help="default: here"
    )
    return parser


def _add(sub: argparse._SubParsersAction, name: str, handler: Handler) -> argparse.ArgumentParser:
    doc = textwrap.dedent(handler.__doc__ or "").strip()
    summary, _, details = doc.partition("\n")
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=summary,
        description=summary,
        epilog=textwrap.dedent(details).strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(handler=handler)
    return parser


# --- helpers ----------------------------------------------------------------------------------


def _open(args: argparse.Namespace) -> tuple[Config, Store]:
    from .store import open_store

    config = _config(args)
    return config, open_store(config.storage_url())


def _open_existing(args: argparse.Namespace) -> tuple[Config, Store]:
    """For commands that only read: a missing database is a mistake, never created empty."""
    config = _config(args)
    return config, _existing_store(config)


def _existing_store(config: Config) -> Store:
    from .store import build_engine, open_store

    url = config.storage_url()
    build_engine(url).dispose()  # an unknown driver or a malformed URL says so first
    if not _database_exists(url):
        raise StoreError(
            f"no database at {display_url(url)} (check --storage or storage.url in "
            f"{config.path.name}; `hf-monitor collect` creates it)"
        )
    return open_store(url)


def _database_exists(url: str) -> bool:
    """An SQLite file that exists, or a server database that has our migrations table."""
    from sqlalchemy import inspect
    from sqlalchemy.exc import SQLAlchemyError
    from sqlalchemy.pool import NullPool

    from .dbtext import database_file
    from .store import build_engine

    database = database_file(url)
    if database is not None:
        return database.is_file()

    engine = build_engine(url, poolclass=NullPool)  # a bad driver or URL: one line, exit 2
    try:
        with engine.connect() as conn:
            return inspect(conn).has_table("schema_migrations")
    except SQLAlchemyError:
        return True  # unreachable server: open_store says why, in one line
    finally:
        engine.dispose()


def _demo_config(args: argparse.Namespace) -> Config:
    """The user's config if there is one, else the packaged defaults (the demo runs anywhere)."""
    from .config import DEFAULT_CONFIG_NAME, PACKAGED_DEFAULTS, default_config_path, load_config

    path = args.config or default_config_path()
    if args.config is None and not Path(path).exists():
        path = PACKAGED_DEFAULTS / DEFAULT_CONFIG_NAME
    return load_config(path)


def parse_since(text: str | None, today: date) -> date | None:
    """`--since` of `trends` and `backfill`: a day (YYYY-MM-DD) or a month (YYYY-MM, its first
    day), from 2000 (nothing older is stored) to `today`."""
    if text is None:
        return None
    match = re.fullmatch(r"(\d{4})-(\d{2})(?:-(\d{2}))?", text)
    try:
        day = date(int(match[1]), int(match[2]), int(match[3] or 1)) if match else None
    except ValueError:  # 2026-13, 2026-02-30
        day = None
    if day is None:
        raise UsageError(f"--since {text!r}: expected YYYY-MM-DD or YYYY-MM")
    if day < EARLIEST_OBSERVATION.date():
        raise UsageError(
            f"--since {text!r}: before {EARLIEST_OBSERVATION:%Y}, nothing is stored then"
        )
    if day > today:
        raise UsageError(f"--since {text!r}: in the future (today is {today})")
    return day


def _config(args: argparse.Namespace) -> Config:
    from .config import default_config_path, load_config

    config = load_config(args.config or default_config_path())
    if args.storage:
        config = config.with_storage(args.storage)
    return config


@contextmanager
def _graceful_stop() -> Iterator[threading.Event]:
    """First SIGTERM/SIGINT: drop the request in flight, store what was fetched. Second: quit."""
    stop = threading.Event()

    def _handler(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        print(
            f"{PROG}: {signal.Signals(signum).name}: stopping now, keeping what was fetched",
            file=sys.stderr,
        )

    previous = {sig: signal.signal(sig, _handler) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """SIGTERM stops like Ctrl-C: the month being read is dropped whole, the run is marked
    failed with the reason, and the next run resumes (without this the process just died)."""

    def _handler(signum: int, _frame: FrameType | None) -> None:
        print(f"{PROG}: SIGTERM: stopping; the months already stored are kept", file=sys.stderr)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, _handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _progress() -> Callable[[str], None] | None:
    """Progress lines on a terminal; nothing under cron or systemd."""
    if not sys.stderr.isatty():
        return None
    return lambda line: print(f"  {line}", file=sys.stderr)


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # The Hub client sets its logger's level and adds a handler of its own when imported, so it
    # is configured after importing it: one handler (ours), and without -v no line per retry —
    # one line per failed selector is enough for users.
    import huggingface_hub.utils.logging  # noqa: F401  (sets up the library's logger)

    hub_logger = logging.getLogger("huggingface_hub")
    for handler in list(hub_logger.handlers):
        hub_logger.removeHandler(handler)
    hub_logger.setLevel(logging.WARNING if verbose else logging.ERROR)
