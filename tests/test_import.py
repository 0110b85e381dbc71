"""Import: aliases, formats, all-or-nothing files with file:line errors, idempotent re-import."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor import store as tables
from monitor.cli import main
from monitor.config import load_config
from monitor.store import open_store

from .conftest import DATA, SMALL_FAMILIES, write_config


@pytest.fixture
def config_path(tmp_path: Path, storage_url: str) -> Path:
    return write_config(tmp_path, SMALL_FAMILIES, storage=storage_url)


def snapshots(config_path: Path):
    config = load_config(config_path)
    return open_store(config.storage_url()).snapshots_frame()


def run(config_path: Path, *args: str) -> int:
    return main(["--config", str(config_path), "import", *args])


def test_csv_with_aliases_and_timestamp_over_date(config_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "pulse.csv"
    path.write_text(
        "snapshot_date,fetched_at,id,downloads,downloadsAllTime,likes,trendingScore,author\n"
        "2026-08-22,2026-08-22T10:15:24+09:00,Qwen/Qwen3-8B,15300000,,1310,12.5,Qwen\n"
        "2026-08-23,,openai/gpt-oss-20b,7490000,90000000,4940,,openai\n"
    )
    assert run(config_path, str(path)) == 0
    frame = snapshots(config_path)
    rows = {r.model_id: r for r in frame.itertuples()}
    qwen = rows["Qwen/Qwen3-8B"]
    assert str(qwen.observed_at) == "2026-08-22 01:15:24+00:00"  # the timestamp wins, in UTC
    assert (qwen.downloads_30d, qwen.likes, qwen.trending_score, qwen.family) == (
        15_300_000,
        1310,
        12.5,
        "qwen",
    )
    assert qwen.downloads_all_time is pd_na()
    oss = rows["openai/gpt-oss-20b"]
    assert str(oss.observed_at) == "2026-08-23 00:00:00+00:00"  # a date means 00:00 UTC
    assert oss.downloads_all_time == 90_000_000


def pd_na():
    import pandas as pd

    return pd.NA


def test_jsonl_json_array_and_snapshot_document(config_path: Path, tmp_path: Path) -> None:
    lines = tmp_path / "a.jsonl"
    lines.write_text(
        json.dumps(
            {"modelId": "Qwen/Qwen3-8B", "observed_at": "2026-08-20T01:00:00Z", "downloads_30d": 1}
        )
        + "\n\n"
    )
    array = tmp_path / "b.json"
    array.write_text(json.dumps([{"model_id": "Qwen/Qwen3-8B", "date": "2026-08-21", "likes": 7}]))
    document = tmp_path / "2026-08-22.json"
    document.write_text(
        json.dumps(
            {
                "date": "2026-08-22",
                "fetched_at": "2026-08-22T10:15:24.524435+09:00",
                "models": [
                    {
                        "id": "Qwen/Qwen3-8B",
                        "likes": 9,
                        "downloads": 3,
                        "createdAt": "2025-04-27T03:40:08.000Z",
                    }
                ],
            }
        )
    )
    assert run(config_path, str(lines), str(array), str(document)) == 0
    frame = snapshots(config_path)
    assert [str(t) for t in frame.observed_at] == [
        "2026-08-20 01:00:00+00:00", "2026-08-21 00:00:00+00:00", "2026-08-22 01:15:24.524435+00:00",
    ]  # fmt: skip
    assert list(frame.likes.astype(object).fillna(-1)) == [-1, 7, 9]
    assert str(frame.created_at.dropna().iloc[0]) == "2025-04-27 03:40:08+00:00"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # one field too many in a middle row: pandas itself would only warn and drop it
        (
            "snapshot_date,model_id,downloads_30d,likes,pipeline_tag\n"
            "2026-08-21,Qwen/Qwen3-8B,1,1,text-generation\n"
            "2026-08-22,Qwen/Qwen3-8B,2,2,text-generation,oops\n"
            "2026-08-23,Qwen/Qwen3-8B,3,3,text-generation\n",
            "odd.csv:3: 6 fields, the header has 5",
        ),
        (
            "snapshot_date,model_id,likes,likes\n2026-08-21,Qwen/Qwen3-8B,5,6\n",
            "odd.csv:1: the header names 'likes' twice",
        ),
    ],
)
def test_a_misshapen_csv_is_refused_with_its_line(
    config_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, message: str
) -> None:
    path = tmp_path / "odd.csv"
    path.write_text(text)
    assert run(config_path, str(path)) == 1
    assert capsys.readouterr().err == f"hf-monitor: error: {message}\n"
    assert open_store(load_config(config_path).storage_url()).count(tables.snapshots) == 0


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "2026-08-22,Qwen/Qwen3-8B,lots,5",
            "bad.csv:3: downloads_30d: 'lots' is not a whole number",
        ),
        ("2026-08-22,Qwen/Qwen3-8B,-5,5", "bad.csv:3: downloads_30d: -5 is negative"),
        ("2026-08-22,not a model,5,5", "bad.csv:3: invalid model id 'not a model'"),
        (
            "22.08.2026,Qwen/Qwen3-8B,5,5",
            "bad.csv:3: snapshot_date: '22.08.2026' is not an ISO date or timestamp",
        ),
        (",Qwen/Qwen3-8B,5,5", "bad.csv:3: no observation time"),
        ("2026-08-22,,5,5", "bad.csv:3: missing model_id"),
        ("2026-08-22,Qwen/Qwen3-8B,,", "bad.csv:3: no counts"),
        # pandas would read a column of True/False as booleans, that is 1 and 0
        ("2026-08-22,Qwen/Qwen3-8B,True,5", "bad.csv:3: downloads_30d: 'True' is not a whole"),
        ("2026-08-22,Qwen/Qwen3-8B,5,5,5", "bad.csv:3: 5 fields, the header has 4"),
        ("2026-08-22,Qwen/Qwen3-8B,5,5,5,5", "bad.csv:3: 6 fields, the header has 4"),
        ('2026-08-22,"Qwen/Qwen3-8B,5,5', "bad.csv:3: a quote opened here is never closed"),
    ],
)
def test_a_bad_row_names_file_and_line_and_stores_nothing(
    config_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], row: str, message: str
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        f"snapshot_date,model_id,downloads_30d,likes\n2026-08-21,Qwen/Qwen3-8B,1,1\n{row}\n"
    )
    assert run(config_path, str(path)) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    store = open_store(load_config(config_path).storage_url())
    assert store.count(tables.snapshots) == 0 and store.count(tables.runs) == 0


def test_reimport_adds_nothing_and_overlaps_are_skipped(
    config_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = tmp_path / "one.csv"
    first.write_text(
        "date,model_id,likes\n2026-08-21,Qwen/Qwen3-8B,1\n2026-08-22,Qwen/Qwen3-8B,2\n"
    )
    assert run(config_path, str(first)) == 0
    assert run(config_path, str(first)) == 0
    out = capsys.readouterr().out
    assert (
        "one.csv: 2 rows, 2 new snapshots, 1 models" in out
        and "one.csv: already imported, nothing added" in out
    )
    overlap = tmp_path / "two.csv"
    overlap.write_text(
        "date,model_id,likes\n2026-08-22,Qwen/Qwen3-8B,2\n2026-08-23,Qwen/Qwen3-8B,3\n"
    )
    assert run(config_path, str(overlap)) == 0
    assert "two.csv: 2 rows, 1 new snapshots" in capsys.readouterr().out
    assert len(snapshots(config_path)) == 3


def test_every_shared_real_data_file_imports_as_it_is(config_path: Path) -> None:
    shared = Path(__file__).resolve().parents[2] / "shared" / "real-data"
    files = sorted(shared.glob("*/*.csv")) + sorted(shared.glob("*/*.json"))
    if not files:
        pytest.skip("shared/real-data is not next to this checkout")
    assert run(config_path, *map(str, files)) == 0
    assert len(snapshots(config_path)) > 20_000


def test_the_column_checks_read_exactly_what_the_row_by_row_path_does(tmp_path: Path) -> None:
    """A CSV is checked column by column; JSON Lines row by row. The same rows, as text in
    both, must give the same chunks, the unusual rows (a whole number written `5.0` or with
    blanks, an id with blanks, a second time column) spliced back in file order."""
    import csv

    from monitor import importer

    config = load_config(write_config(tmp_path, SMALL_FAMILIES))
    with (DATA / "two_weeks.csv").open(newline="") as handle:
        rows = [{**r, "snapshot_date": ""} for r in csv.DictReader(handle)]
    rows[3]["likes"] = "7.0"
    rows[5]["downloads_30d"] = " 12 "
    rows[6]["model_id"] = f" {rows[6]['model_id']}"
    rows[8] |= {"observed_at": "", "snapshot_date": "2026-08-16"}
    rows[9]["snapshot_date"] = "2026-08-01"  # the full timestamp beside it wins
    plain = tmp_path / "rows.csv"
    with plain.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    lines = tmp_path / "rows.jsonl"
    lines.write_text("".join(json.dumps(r) + "\n" for r in rows))
    now = datetime(2026, 11, 1, tzinfo=UTC)

    def read(path: Path) -> list[object]:
        return list(importer._FileReader(path, config, now, None).chunks())

    by_columns = read(plain)
    assert by_columns == read(lines)
    [(models, seen, snapshots)] = by_columns
    assert len(snapshots) == 20 and len(models) == len(seen) == 7
    assert snapshots[3][4] == 7 and snapshots[5][2] == 12
    assert snapshots[6][0] == rows[6]["model_id"].strip()
    assert snapshots[8][1] == datetime(2026, 8, 16, tzinfo=UTC)
    assert snapshots[9][1] == datetime.fromisoformat(rows[9]["observed_at"])


def test_hub_top_stores_the_ranks_of_each_capture(config_path: Path, tmp_path: Path) -> None:
    path = tmp_path / "top.csv"
    path.write_text(
        "fetched_at,model_id,downloads_30d,likes,pipeline_tag\n"
        "2026-08-20T01:00:00Z,sentence-transformers/embed,900,1,sentence-similarity\n"
        "2026-08-20T01:00:00Z,Qwen/Qwen3-8B,500,2,text-generation\n"
        "2026-08-20T01:00:00Z,openai/gpt-oss-20b,700,3,text-generation\n"
        "2026-08-20T01:00:00Z,someone/liked-but-rarely-used,10,9000,\n"
        "2026-08-21T01:00:00Z,Qwen/Qwen3-8B,510,2,text-generation\n"  # too few rows: no ranks
    )
    assert run(config_path, "--hub-top", "3", str(path)) == 0
    ranks = open_store(load_config(config_path).storage_url()).context_frame(tables.hub_ranks)
    assert list(zip(ranks["rank"], ranks.model_id, ranks.downloads_30d, strict=True)) == [
        (1, "sentence-transformers/embed", 900),
        (2, "openai/gpt-oss-20b", 700),
        (3, "Qwen/Qwen3-8B", 500),
    ]
    assert set(ranks.scope) == {"all"} and ranks.pipeline_tag.iloc[0] == "sentence-similarity"
    assert str(ranks.observed_at.iloc[0]) == "2026-08-20 01:00:00+00:00"


def test_hub_top_ranks_a_pairs_first_row_also_across_chunks(
    config_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The snapshot keeps a (model, time) pair's first row; its rank must come from that row
    too, also when the repeat is in a later chunk and the model had fallen out of the top."""
    from monitor import importer

    monkeypatch.setattr(importer, "CHUNK_ROWS", 3)
    path = tmp_path / "top.csv"
    path.write_text(
        "fetched_at,model_id,downloads_30d\n"
        "2025-01-20T00:00:00Z,Qwen/a,300\n"
        "2025-01-20T00:00:00Z,Qwen/b,200\n"
        "2025-01-20T00:00:00Z,Qwen/c,100\n"  # chunk 1 ends: c is below the top 2
        "2025-01-20T00:00:00Z,Qwen/c,999999\n"  # the same pair again: skipped everywhere
    )
    assert run(config_path, "--hub-top", "2", str(path)) == 0
    store = open_store(load_config(config_path).storage_url())
    ranks = store.context_frame(tables.hub_ranks)
    assert list(zip(ranks["rank"], ranks.model_id, ranks.downloads_30d, strict=True)) == [
        (1, "Qwen/a", 300),
        (2, "Qwen/b", 200),
    ]
    stored = store.snapshots_frame()
    assert stored.loc[stored.model_id == "Qwen/c", "downloads_30d"].tolist() == [100]


def test_hub_top_must_be_positive(config_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(config_path, "--hub-top", "0", "whatever.csv") == 2
    assert "--hub-top must be a positive number of models" in capsys.readouterr().err


# --- hostile values (issue 13 §7, §9, §10) -------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "row", "message"),
    [
        (
            "date,model_id,downloads_30d,likes",
            "2026-08-22,Qwen/Qwen3-8B,1e23,5",
            "bad.csv:3: downloads_30d: '1e23' is out of range (at most 1,000,000,000,000,000)",
        ),
        (
            "date,model_id,downloads_30d,likes",
            "2026-08-22,Qwen/Qwen3-8B,5,3000000000",
            "bad.csv:3: likes: '3000000000' is out of range (at most 2,147,483,647)",
        ),
        (
            "date,model_id,downloads_30d,likes",
            f"2026-08-22,Qwen/Qwen3-8B,{2**63 - 1},5",
            f"bad.csv:3: downloads_30d: '{2**63 - 1}' is out of range",
        ),
        (
            "date,model_id,likes,trending_score",
            "2026-08-22,Qwen/Qwen3-8B,5,inf",
            "bad.csv:3: trending_score: 'inf' is out of range (at most ±1e+09)",
        ),
        (
            "date,model_id,likes",
            "2099-01-01,Qwen/Qwen3-8B,5",
            "bad.csv:3: observed at 2099-01-01 00:00 UTC, in the future: only times from 2000",
        ),
        (
            "fetched_at,model_id,likes",
            "9999-12-31T23:59:59Z,Qwen/Qwen3-8B,5",
            "bad.csv:3: observed at 9999-12-31 23:59 UTC, in the future",
        ),
        (
            "date,model_id,likes",
            "0001-01-01,Qwen/Qwen3-8B,5",
            "bad.csv:3: observed at 0001-01-01 00:00 UTC, before 2000",
        ),
    ],
)
def test_out_of_range_numbers_and_times_name_the_line_and_store_nothing(
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    header: str,
    row: str,
    message: str,
) -> None:
    path = tmp_path / "bad.csv"
    first = (
        "2026-08-21,Qwen/Qwen3-8B,1,1" if header.count(",") == 3 else "2026-08-21,Qwen/Qwen3-8B,1"
    )
    if header.startswith("fetched_at"):
        first = "2026-08-21T00:00:00Z,Qwen/Qwen3-8B,1"
    path.write_text(f"{header}\n{first}\n{row}\n")
    assert run(config_path, str(path)) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"hf-monitor: error: {message}") and err.count("\n") == 1
    store = open_store(load_config(config_path).storage_url())
    assert store.count(tables.snapshots) == 0 and store.count(tables.runs) == 0  # no phantom run


def test_out_of_range_in_json_lines_names_the_line(
    config_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.jsonl"
    rows = [
        {"model_id": "Qwen/Qwen3-8B", "date": "2026-08-21", "likes": 1},
        {"model_id": "Qwen/Qwen3-8B", "date": "2026-08-22", "downloads_30d": 1e23},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert run(config_path, str(path)) == 1
    err = capsys.readouterr().err
    assert err == (
        "hf-monitor: error: bad.jsonl:2: downloads_30d: 1e+23 is out of range "
        "(at most 1,000,000,000,000,000)\n"
    )
    store = open_store(load_config(config_path).storage_url())
    assert store.count(tables.snapshots) == 0 and store.count(tables.runs) == 0


def test_a_bad_row_after_many_chunks_still_stores_nothing(
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from monitor import importer

    monkeypatch.setattr(importer, "CHUNK_ROWS", 3)  # rows 2–4 and 5–7 are written first
    path = tmp_path / "long.csv"
    lines = [f"2026-08-{day:02d},Qwen/Qwen3-8B,{day}" for day in range(1, 9)]
    lines.append("2026-08-09,Qwen/Qwen3-8B,lots")
    path.write_text("date,model_id,likes\n" + "\n".join(lines) + "\n")
    assert run(config_path, str(path)) == 1
    assert capsys.readouterr().err == (
        "hf-monitor: error: long.csv:10: likes: 'lots' is not a whole number\n"
    )
    store = open_store(load_config(config_path).storage_url())
    assert store.count(tables.snapshots) == 0 and store.count(tables.models) == 0
    assert store.count(tables.runs) == 0 and store.count(tables.imports) == 0

    path.write_text("date,model_id,likes\n" + "\n".join(lines[:-1]) + "\n")  # without it
    assert run(config_path, str(path)) == 0
    assert "long.csv: 8 rows, 8 new snapshots, 1 models" in capsys.readouterr().out
    assert store.count(tables.snapshots) == 8
    [model] = store.latest_snapshots()
    assert (str(model.observed_at.date()), model.likes) == ("2026-08-08", 8)


def test_an_import_run_records_how_long_it_took(config_path: Path, tmp_path: Path) -> None:
    import time

    path = tmp_path / "h.csv"
    path.write_text(
        "date,model_id,likes\n"
        + "".join(f"2026-08-{d:02d},Qwen/Qwen3-{n}B,{d}\n" for d in range(1, 29) for n in range(50))
    )
    before = time.monotonic()
    assert run(config_path, str(path)) == 0
    elapsed = time.monotonic() - before
    [record] = open_store(load_config(config_path).storage_url()).recent_runs()
    assert record.seconds is not None and 0 < record.seconds <= elapsed
    assert record.models == 50


def test_hub_top_keeps_the_right_ranks_when_it_trims_a_long_capture(
    config_path: Path, tmp_path: Path
) -> None:
    # top 2 of 7 rows: the reader trims to the best 2 once it holds more than 4
    downloads = [30, 700, 5, 900, 100, 800, 60]
    path = tmp_path / "top.csv"
    path.write_text(
        "fetched_at,model_id,downloads_30d\n"
        + "".join(f"2026-08-20T01:00:00Z,org/m{i},{d}\n" for i, d in enumerate(downloads))
        + "2026-08-20T01:00:00Z,org/m1,1000000\n"  # the same model again: the first row counts
    )
    assert run(config_path, "--hub-top", "2", str(path)) == 0
    ranks = open_store(load_config(config_path).storage_url()).context_frame(tables.hub_ranks)
    assert list(zip(ranks["rank"], ranks.model_id, ranks.downloads_30d, strict=True)) == [
        (1, "org/m3", 900),
        (2, "org/m5", 800),
    ]


def test_duplicates_keep_the_first_row_within_and_across_chunks(
    config_path: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from monitor import importer

    monkeypatch.setattr(importer, "CHUNK_ROWS", 3)
    path = tmp_path / "twice.csv"
    path.write_text(
        "date,model_id,likes\n"
        "2026-08-01,Qwen/Qwen3-8B,1\n"
        "2026-08-01,Qwen/Qwen3-8B,2\n"  # the same chunk: skipped
        "2026-08-02,Qwen/Qwen3-8B,3\n"
        "2026-08-02,Qwen/Qwen3-8B,4\n"  # the next chunk: skipped by the insert
        "\n"
        "2026-08-03,Qwen/Qwen3-8B,5\n"
    )
    assert run(config_path, str(path)) == 0
    assert "twice.csv: 5 rows, 3 new snapshots, 1 models" in capsys.readouterr().out
    assert list(snapshots(config_path).likes) == [1, 3, 5]


def test_a_deeply_nested_json_file_is_one_worded_line(
    config_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000)
    assert run(config_path, str(path)) == 1
    assert capsys.readouterr().err == (
        "hf-monitor: error: deep.json: JSON nested too deeply to be rows of models\n"
    )
