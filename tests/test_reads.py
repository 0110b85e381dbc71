"""Reads that don't grow with history: `models` in SQL, a report's two context captures, one
read and one classification per report — each pinned against what the whole-table reads give."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, event

from monitor import store as tables
from monitor.analysis import parse_week
from monitor.claims import load_claims
from monitor.cli import main
from monitor.collect import collect
from monitor.config import Config, load_config
from monitor.context import ContextFrames
from monitor.fakehub import FakeHub
from monitor.hub import build_hub
from monitor.jobs import report_completed_week
from monitor.report import build_report, read_context, read_week, summary
from monitor.store import (
    ContextRows,
    LatestSnapshot,
    ModelRow,
    RankRow,
    SnapshotRow,
    Store,
    derivatives,
    ecosystem,
    hub_ranks,
    open_store,
)

from .conftest import DATA, REPO, SMALL_FAMILIES, write_config
from .test_context import CONTEXT, FAMILIES, HUB

T0 = datetime(2026, 8, 17, 6, 0, tzinfo=UTC)  # Monday of 2026-W34
DAY = timedelta(days=1)


def _run(store: Store, kind: str, source: str, at: datetime, *snaps: SnapshotRow, **extra) -> int:
    run = store.begin_run(kind, source, at)
    rows = [ModelRow(s.model_id, s.model_id.split("/")[0], "qwen", "CN") for s in snaps]
    store.finish_run(
        run, finished_at=at, status="ok", model_rows=rows, snapshot_rows=snaps, **extra
    )
    return run


def test_models_shows_each_models_newest_row_across_runs_and_sources(store: Store) -> None:
    hub = "https://huggingface.co"
    _run(store, "collect", hub, T0, *[SnapshotRow(m, T0, d, d * 10, 1, None) for m, d in
         [("Qwen/A", 100), ("Qwen/B", 200), ("Qwen/C", 300)]])  # fmt: skip
    # a day later Qwen/C is gone (vanished from the Hub); Qwen/B's 30-day count is unknown
    _run(store, "collect", hub, T0 + DAY, SnapshotRow("Qwen/A", T0 + DAY, 110, 1100, 2, None),
         SnapshotRow("Qwen/B", T0 + DAY, None, 2100, 3, None))  # fmt: skip
    # an import holding Qwen/B at the live time (already stored: skipped) and Qwen/A an hour on,
    # with a count out of range (read as unknown)
    _run(store, "import", "top.csv", T0 + DAY, SnapshotRow("Qwen/B", T0 + DAY, 999, 999, 9, None),
         SnapshotRow("Qwen/A", T0 + DAY + timedelta(hours=1), 120, 10**16, 4, None))  # fmt: skip

    assert store.latest_snapshots() == [
        LatestSnapshot("Qwen/A", "qwen", T0 + DAY + timedelta(hours=1), 120, None, 4),
        LatestSnapshot("Qwen/B", "qwen", T0 + DAY, None, 2100, 3),
        LatestSnapshot("Qwen/C", "qwen", T0, 300, 3000, 1),
    ]
    # the same rows as the newest of every snapshot read whole
    whole = store.snapshots_frame().drop_duplicates("model_id", keep="last")
    fields = ["model_id", "family", "observed_at", "downloads_30d", "downloads_all_time", "likes"]
    newest = [
        tuple(None if v is pd.NA else v for v in row)
        for row in whole.sort_values("model_id")[fields].itertuples(index=False)
    ]
    assert [tuple(vars(r).values()) for r in store.latest_snapshots()] == newest

    # a read of named columns (the trends') holds them alone, the rows and values alike
    named = store.snapshots_frame(columns=("model_id", "likes", "run_kind"))
    assert list(named.columns) == ["observed_at", "model_id", "likes", "run_kind"]
    assert named.equals(store.snapshots_frame()[list(named.columns)])
    assert list(named.run_kind) == ["collect"] * 5 + ["import"]


def test_models_prints_the_newest_rows_and_an_empty_family_as_such(
    store: Store, small_config: Config, capsys: pytest.CaptureFixture[str]
) -> None:
    assert store.latest_snapshots() == []
    _run(store, "collect", "hub", T0, SnapshotRow("Qwen/A", T0, 5, 50, 1, None),
         SnapshotRow("Qwen/B", T0, 1_000, 9_000, 2, None))  # fmt: skip
    later = T0 + DAY
    _run(store, "collect", "hub", later, SnapshotRow("Qwen/A", later, 2_000, 52, 3, None))
    assert main(["--config", str(small_config.path), "models"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1:5] == [
        "  2 models",
        "  model   downloads (30 d)  all-time  likes  observed (UTC)",
        "  ------  ----------------  --------  -----  ----------------",
        "  Qwen/A             2,000        52      3  2026-08-18 06:00",
    ]
    assert out.splitlines()[5] == "  Qwen/B             1,000     9,000      2  2026-08-17 06:00"
    assert "DeepSeek [deepseek]" in out and "  (nothing collected yet)" in out


def _ranks(at: datetime, *pairs: tuple[str, int]) -> ContextRows:
    rows = [
        RankRow("all", n, m, d, 1, "text-generation", None) for n, (m, d) in enumerate(pairs, 1)
    ]
    return ContextRows(observed_at=at, ranks=rows)


def test_context_reads_only_the_latest_capture_of_each_span(store: Store) -> None:
    w33 = (T0 - 7 * DAY, T0)
    w34 = (T0, T0 + 7 * DAY)
    for at, pairs in [
        (T0 - 10 * DAY, [("a/x", 5)]),  # W32: never read
        (T0 - 5 * DAY, [("a/x", 6)]),  # W33, superseded two days later
        (T0 - 3 * DAY, [("a/x", 7), ("b/y", 3)]),  # W33's latest capture
        (T0 + DAY, [("a/x", 8)]),  # W34, superseded
        (T0 + 2 * DAY, [("b/y", 9), ("a/x", 4)]),  # W34's latest capture
        (T0 + 8 * DAY, [("a/x", 10)]),  # W35: after the report's week
    ]:
        _run(store, "collect", "hub", at, context=_ranks(at, *pairs))

    read = store.context_frame(tables.hub_ranks, ("observed_at", "model_id", "downloads_30d"),
                               captures_in=[w33, w34])  # fmt: skip
    assert list(read.columns) == ["observed_at", "model_id", "downloads_30d"]
    assert [(r.observed_at, r.model_id, r.downloads_30d) for r in read.itertuples()] == [
        (pd.Timestamp(T0 - 3 * DAY), "a/x", 7),
        (pd.Timestamp(T0 - 3 * DAY), "b/y", 3),
        (pd.Timestamp(T0 + 2 * DAY), "b/y", 9),
        (pd.Timestamp(T0 + 2 * DAY), "a/x", 4),
    ]
    # a span without a capture adds nothing; the whole table is every row but the ids
    empty = (T0 + 20 * DAY, T0 + 27 * DAY)
    assert store.context_frame(tables.hub_ranks, captures_in=[empty]).empty
    whole = store.context_frame(tables.hub_ranks)
    assert len(whole) == 8 and "id" not in whole and "library_name" in whole


def test_a_report_from_two_context_captures_equals_one_from_whole_tables(
    tmp_path: Path, storage_url: str
) -> None:
    extra = CONTEXT.format(budget=10, claims=REPO / "seeds" / "claims.yaml")
    config = load_config(write_config(tmp_path, FAMILIES, extra, storage=storage_url))
    store = open_store(config.storage_url())
    qwen_b = {  # Qwen/B's downloads at each collect; the report's weeks: W33 and W34
        datetime(2026, 8, 6, 12, tzinfo=UTC): 100,  # W32
        datetime(2026, 8, 11, 12, tzinfo=UTC): 600,  # W33, superseded on Thursday
        datetime(2026, 8, 13, 12, tzinfo=UTC): 300,  # W33's latest
        datetime(2026, 8, 18, 12, tzinfo=UTC): 950,  # W34, superseded on Thursday
        datetime(2026, 8, 20, 12, tzinfo=UTC): 450,  # W34's latest
        datetime(2026, 8, 24, 12, tzinfo=UTC): 2000,  # W35
    }
    with FakeHub([dict(m) for m in HUB]) as hub:
        api = build_hub(hub.url, timeout=5, page_size=1000)
        for at, downloads in qwen_b.items():
            with hub.state.lock:
                hub.state.models["Qwen/B"]["downloads"] = downloads
            collect(config, store, api, lambda at=at: at)
    week = parse_week("2026-W34")
    frame = read_week(store, config, week)
    claims = load_claims(config.claims_path(), config)
    whole = ContextFrames(*(store.context_frame(t) for t in (hub_ranks, derivatives, ecosystem)))
    narrow = summary(build_report(frame, config, claims, week, read_context(store, week)), config)
    assert narrow == summary(build_report(frame, config, claims, week, whole), config)
    # W34's latest top 5: embed 1000, bert 900, Qwen/A 500, Qwen/B 450, deepseek-ai/R 400;
    # W33's: … Qwen/A 500 (3), deepseek-ai/R 400 (4), Qwen/B 300 (5)
    qwen = next(
        f for f in narrow["hub_context"]["ranks"]["all"]["families"] if f["family"] == "qwen"
    )
    assert qwen["share"] == round((500 + 450) / (1000 + 900 + 500 + 450 + 400), 4)
    assert (qwen["best_rank"], qwen["top_n"], qwen["top100_prev"]) == (3, 2, 2)
    deepseek = next(
        f for f in narrow["hub_context"]["ranks"]["all"]["families"] if f["family"] == "deepseek"
    )
    assert (deepseek["best_rank"], deepseek["best_rank_prev"]) == (5, 4)


def test_a_run_reads_the_reports_snapshots_once(tmp_path: Path) -> None:
    """`run`'s check that last week has data and its report share one read (it was two)."""
    path = write_config(
        tmp_path, SMALL_FAMILIES, f"reports:\n  claims: {REPO / 'seeds' / 'claims.yaml'}\n"
    )
    assert main(["--config", str(path), "import", str(DATA / "two_weeks.csv")]) == 0
    statements: list[str] = []

    def note(_conn, _cursor, statement: str, *_args) -> None:
        statements.append(" ".join(statement.split()))

    event.listen(Engine, "before_cursor_execute", note)
    try:
        weekly = report_completed_week(load_config(path), datetime(2026, 8, 26, tzinfo=UTC))
    finally:
        event.remove(Engine, "before_cursor_execute", note)
    assert (weekly.state, weekly.week.label) == ("written", "2026-W34")
    week_reads = [s for s in statements if "FROM snapshots" in s and "observed_at >=" in s]
    assert len(week_reads) == 1
    # and the context for the two weeks' latest captures only, once
    [ranks] = [s for s in statements if "FROM hub_ranks" in s]
    assert "max(hub_ranks.observed_at)" in ranks
