"""Collect end to end: the real huggingface_hub client against the fake Hub on loopback."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from monitor import store as tables
from monitor.cli import main
from monitor.collect import collect
from monitor.config import load_config
from monitor.hub import build_hub
from monitor.store import open_store

from .conftest import SMALL_FAMILIES, write_config
from .fakefaults import Fault, FaultyHub

FIXED = datetime(2026, 8, 22, 12, 40, tzinfo=UTC)


def expected_watch(models: list[dict]) -> dict[str, str]:
    """Model id → family, computed directly from the fake Hub's data and the selectors."""
    out = {}
    for m in models:
        author, name = m["id"].split("/")
        if author == "Qwen":
            out[m["id"]] = "qwen"
        elif author == "deepseek-ai":
            out[m["id"]] = "deepseek"
        elif author == "google" and "gemma" in name:
            out[m["id"]] = "gemma"
        elif author == "openai" and name.startswith("gpt-oss"):
            out[m["id"]] = "gpt-oss"
    return out


def test_collect_stores_every_watched_model_with_exact_counts(
    fake_hub: FaultyHub, store, small_config
) -> None:
    hub = build_hub(fake_hub.url, timeout=10, page_size=1000)
    result = collect(small_config, store, hub, clock=lambda: FIXED)

    served = list(fake_hub.state.models.values())
    expected = expected_watch(served)
    assert result.status == "ok" and result.exit_code == 0
    assert result.models == len(expected) > 100
    frame = store.snapshots_frame()
    assert dict(zip(frame.model_id, frame.family, strict=True)) == expected
    by_id = {m["id"]: m for m in served}
    for row in frame.itertuples():
        source = by_id[row.model_id]
        assert (row.downloads_30d, row.downloads_all_time, row.likes, row.trending_score) == (
            source["downloads"],
            source["downloadsAllTime"],
            source["likes"],
            source["trendingScore"],
        )
        assert row.observed_at == FIXED
    # one listing request per author, nothing per model
    assert result.requests == 4
    assert all("expand=downloadsAllTime" in p for p in fake_hub.state.requests)
    # only fields something reads: no tags, gating or last-modified time (nothing stores them)
    asked = {
        field for p in fake_hub.state.requests for field in parse_qs(urlsplit(p).query)["expand"]
    }
    assert asked == {
        "downloads", "downloadsAllTime", "likes", "trendingScore", "createdAt", "pipeline_tag",
        "library_name",
    }  # fmt: skip


def test_pagination_request_count_is_pages_plus_uncovered_ids(
    fake_hub: FaultyHub, tmp_path: Path
) -> None:
    fake_hub.state.max_page_size = 10
    families = (
        SMALL_FAMILIES
        + """\
- id: phi
  label: Phi
  organization: Microsoft
  origin: US
  models: [microsoft/phi-4, microsoft/Phi-3.5-mini-instruct]
"""
    )
    families = families.replace(
        'include: ["gpt-oss*"]', 'include: ["gpt-oss*"]\n  models: [openai/gpt-oss-20b]'
    )
    config = load_config(write_config(tmp_path, families))
    store = open_store(config.storage_url())
    result = collect(config, store, build_hub(fake_hub.url, timeout=10, page_size=1000))

    served = list(fake_hub.state.models.values())

    def listed(author: str, search: str = "") -> int:
        return sum(
            1 for m in served if m["id"].split("/")[0] == author and search in m["id"].lower()
        )

    pages = sum(
        max(math.ceil(n / 10), 1)
        for n in (
            listed("Qwen"),
            listed("deepseek-ai"),
            listed("google", "gemma"),
            listed("openai", "gpt-oss"),
        )
    )
    assert listed("Qwen") > 10  # really paginated
    # gpt-oss-20b is covered by the openai listing; the two Phi ids need one model_info each
    assert result.requests == pages + 2
    assert sum("/api/models/microsoft/" in p for p in fake_hub.state.requests) == 2
    frame = store.snapshots_frame()
    assert set(frame[frame.family == "phi"].model_id) == {
        "microsoft/phi-4",
        "microsoft/Phi-3.5-mini-instruct",
    }
    assert len(frame) == len(expected_watch(served)) + 2


def test_one_failing_author_keeps_the_others(
    fake_hub: FaultyHub, store, small_config, vtime
) -> None:
    fake_hub.state.faults.append(Fault("author=deepseek-ai", status=503))
    result = collect(
        small_config,
        store,
        build_hub(fake_hub.url, timeout=10, page_size=1000),
        clock=lambda: FIXED,
    )

    assert result.status == "partial" and result.exit_code == 1
    assert result.errors == (("author:deepseek-ai", "HTTP 503 Service Unavailable"),)
    assert len(vtime.slept) == 5  # the library retried five times before giving up
    frame = store.snapshots_frame()
    assert "deepseek" not in set(frame.family)
    assert {"qwen", "gemma", "gpt-oss"} == set(frame.family)
    [run] = store.recent_runs()
    assert (run.status, run.models, run.requests) == ("partial", result.models, 4 + 5)
    assert run.errors == (("author:deepseek-ai", "HTTP 503 Service Unavailable"),)


def test_all_authors_failing_is_a_failed_run(store, small_config, vtime) -> None:
    with FaultyHub([]) as hub:
        hub.state.faults.append(Fault("/api/models", status=500))
        result = collect(small_config, store, build_hub(hub.url, timeout=10, page_size=1000))
    assert result.status == "failed"
    assert len(result.errors) == 4
    assert store.count(tables.snapshots) == 0


def test_missing_explicit_model_is_recorded_not_fatal(fake_hub: FaultyHub, tmp_path: Path) -> None:
    families = (
        SMALL_FAMILIES
        + """\
- id: other
  label: Other
  organization: Nobody
  origin: US
  models: [nobody/does-not-exist]
"""
    )
    config = load_config(write_config(tmp_path, families))
    store = open_store(config.storage_url())
    result = collect(config, store, build_hub(fake_hub.url, timeout=10, page_size=1000))
    assert result.status == "partial"
    assert result.errors == (
        ("model:nobody/does-not-exist", "HTTP 401 Unauthorized (missing or private)"),
    )


def test_renamed_explicit_model_is_stored_under_its_new_id(
    fake_hub: FaultyHub, tmp_path: Path
) -> None:
    fake_hub.state.renames["deepseek-ai/R1-old-name"] = "deepseek-ai/DeepSeek-R1"
    families = """\
- id: r1
  label: R1
  organization: DeepSeek
  origin: CN
  models: [deepseek-ai/R1-old-name]
"""
    config = load_config(write_config(tmp_path, families))
    store = open_store(config.storage_url())
    result = collect(config, store, build_hub(fake_hub.url, timeout=10, page_size=1000))
    assert result.status == "ok" and result.requests == 2  # the 307 hop counts
    frame = store.snapshots_frame()
    assert list(frame.model_id) == ["deepseek-ai/DeepSeek-R1"] and list(frame.family) == ["r1"]


def test_each_run_is_one_row_and_models_keep_first_and_last_seen(
    fake_hub: FaultyHub, store, small_config
) -> None:
    hub = build_hub(fake_hub.url, timeout=10, page_size=1000)
    t1, t2 = FIXED, FIXED.replace(day=23)
    collect(small_config, store, hub, clock=lambda: t1)
    collect(small_config, store, hub, clock=lambda: t2)
    with store.engine.connect() as conn:
        runs = conn.execute(select(tables.runs.c.status)).scalars().all()
        row = conn.execute(
            select(tables.models).where(tables.models.c.model_id == "deepseek-ai/DeepSeek-R1")
        ).one()
    assert runs == ["ok", "ok"]
    assert (row.family, row.origin, row.author) == ("deepseek", "CN", "deepseek-ai")
    assert row.first_seen.replace(tzinfo=UTC) == t1 and row.last_seen.replace(tzinfo=UTC) == t2
    assert store.count(tables.snapshots) == 2 * len(
        expected_watch(list(fake_hub.state.models.values()))
    )


def test_cli_collect_then_models_status_export(
    fake_hub: FaultyHub,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = write_config(tmp_path, SMALL_FAMILIES)
    monkeypatch.setenv("HF_ENDPOINT", fake_hub.url)
    monkeypatch.chdir(tmp_path)  # ./config.yaml is the default

    assert main(["collect"]) == 0
    out = capsys.readouterr().out
    n = len(expected_watch(list(fake_hub.state.models.values())))
    assert out.startswith(f"run 1: ok — {n} models, {n} new snapshots, 4 requests")
    assert (tmp_path / "data" / "monitor.db").exists()

    assert main(["--config", str(config), "models", "--family", "deepseek"]) == 0
    out = capsys.readouterr().out
    r1 = fake_hub.state.models["deepseek-ai/DeepSeek-R1"]
    line = next(line for line in out.splitlines() if "deepseek-ai/DeepSeek-R1 " in line)
    assert f"{r1['downloads']:,}" in line and f"{r1['likes']:,}" in line
    assert "Qwen/" not in out

    assert main(["status"]) == 0
    out = capsys.readouterr().out
    assert "collect" in out and " ok " in out and "Last successful collect" in out

    assert main(["export", "--format", "jsonl", "--out", "snap.jsonl"]) == 0
    import json

    rows = [json.loads(line) for line in (tmp_path / "snap.jsonl").read_text().splitlines()]
    assert len(rows) == n
    row = next(r for r in rows if r["model_id"] == "deepseek-ai/DeepSeek-R1")
    assert row["family"] == "deepseek" and row["origin"] == "CN"
    assert (
        row["downloads_30d"] == r1["downloads"]
        and row["downloads_all_time"] == r1["downloadsAllTime"]
    )
    assert row["observed_at"].endswith("Z")
    assert row["source"] == "collect"

    assert main(["export"]) == 0
    csv_lines = capsys.readouterr().out.splitlines()
    assert csv_lines[0] == (
        "observed_at,model_id,author,family,origin,downloads_30d,downloads_all_time,likes,trending_score,source"
    )
    assert len(csv_lines) == n + 1

    assert main(["models", "--family", "nope"]) == 2
    assert "no family 'nope'" in capsys.readouterr().err
