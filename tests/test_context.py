"""Hub-wide context: global ranks, model-tree counts, ecosystem downloads, and their report.

A small hand-made Hub whose every number is checked by hand below.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from monitor import store as tables
from monitor.cli import main
from monitor.collect import collect
from monitor.config import load_config
from monitor.fakehub import FakeHub
from monitor.hub import build_hub
from monitor.store import open_store

from .conftest import REPO, write_config

FAMILIES = """\
- id: qwen
  label: Qwen
  organization: Alibaba Cloud
  origin: CN
  authors: [Qwen]
- id: deepseek
  label: DeepSeek
  organization: DeepSeek
  origin: CN
  authors: [deepseek-ai]
- id: gpt-oss
  label: gpt-oss
  organization: OpenAI
  origin: US
  authors: [openai]
"""
CONTEXT = """\
context:
  top_n: 5
  pipelines: [text-generation]
  base_models_per_family: 1
  ecosystem_budget: {budget}
reports:
  claims: {claims}
"""
TG = "text-generation"


def child(model_id: str, downloads: int, *bases: tuple[str, str]) -> dict:
    tags = [t for relation, base in bases for t in (f"base_model:{base}", f"base_model:{relation}:{base}")]  # fmt: skip
    return {"id": model_id, "downloads": downloads, "likes": 1, "pipeline_tag": TG, "tags": tags}


HUB = [
    {
        "id": "sentence-transformers/embed",
        "downloads": 1000,
        "likes": 9,
        "pipeline_tag": "sentence-similarity",
    },
    {"id": "google-bert/base", "downloads": 900, "likes": 8, "pipeline_tag": "fill-mask"},
    {"id": "Qwen/A", "downloads": 500, "likes": 7, "pipeline_tag": TG},
    {"id": "deepseek-ai/R", "downloads": 400, "likes": 6, "pipeline_tag": TG},
    {"id": "Qwen/B", "downloads": 300, "likes": 5, "pipeline_tag": TG},
    {"id": "openai/gpt-oss-x", "downloads": 200, "likes": 4, "pipeline_tag": TG},
    # derivatives
    child("deepseek-ai/R-Distill-A", 250, ("finetune", "Qwen/A")),  # official DeepSeek repo
    child("community/A-q", 100, ("quantized", "Qwen/A")),
    child("community/A-ft", 50, ("finetune", "Qwen/A")),
    child("community/AR-merge", 30, ("merge", "Qwen/A"), ("merge", "deepseek-ai/R")),
    child("community/R-q", 40, ("quantized", "deepseek-ai/R")),
]
T1 = datetime(2026, 8, 20, 12, 0, tzinfo=UTC)  # Thursday of 2026-W34


@pytest.fixture
def setup(tmp_path: Path, storage_url: str):
    def configured(budget: int = 10):
        extra = CONTEXT.format(budget=budget, claims=REPO / "seeds" / "claims.yaml")
        config = load_config(write_config(tmp_path, FAMILIES, extra, storage=storage_url))
        return config, open_store(config.storage_url())

    return configured


def test_context_is_collected_with_exact_numbers(setup) -> None:
    config, store = setup()
    with FakeHub([dict(m) for m in HUB]) as hub:
        result = collect(config, store, build_hub(hub.url, timeout=5, page_size=1000), lambda: T1)
    # 3 author listings + 2 rankings + 3 model trees + 3 derivative listings
    assert result.status == "ok" and result.requests == 11 and result.context_requests == 8

    ranks = store.context_frame(tables.hub_ranks)
    overall = ranks[ranks.scope == "all"].sort_values("rank")
    assert list(overall.model_id) == [
        "sentence-transformers/embed", "google-bert/base", "Qwen/A", "deepseek-ai/R", "Qwen/B",
    ]  # fmt: skip
    assert list(overall["rank"]) == [1, 2, 3, 4, 5]
    llm = ranks[ranks.scope == TG].sort_values("rank")
    assert list(llm.model_id) == [
        "Qwen/A", "deepseek-ai/R", "Qwen/B", "deepseek-ai/R-Distill-A", "openai/gpt-oss-x",
    ]  # fmt: skip

    deriv = store.context_frame(tables.derivatives).set_index("base_model_id")
    counts = deriv[["adapter", "finetune", "merge", "quantized"]].to_dict("index")
    assert counts == {
        "Qwen/A": {"adapter": 0, "finetune": 2, "merge": 1, "quantized": 1},
        "deepseek-ai/R": {"adapter": 0, "finetune": 0, "merge": 1, "quantized": 1},
        "openai/gpt-oss-x": {"adapter": 0, "finetune": 0, "merge": 0, "quantized": 0},
    }

    eco = store.context_frame(tables.ecosystem).set_index("base_model_id")
    rows = eco[["family", "children_listed", "children_counted", "downloads_30d"]]
    assert rows.to_dict("index") == {
        # the DeepSeek distill is an official repo: listed, never ecosystem
        "Qwen/A": {
            "family": "qwen",
            "children_listed": 4,
            "children_counted": 3,
            "downloads_30d": 180,
        },
        # the merge names both bases and was already counted under Qwen/A
        "deepseek-ai/R": {
            "family": "deepseek",
            "children_listed": 2,
            "children_counted": 1,
            "downloads_30d": 40,
        },
        "openai/gpt-oss-x": {
            "family": "gpt-oss",
            "children_listed": 0,
            "children_counted": 0,
            "downloads_30d": 0,
        },
    }
    assert not eco["truncated"].any()


def test_the_ecosystem_budget_is_respected(setup) -> None:
    config, store = setup(budget=1)
    with FakeHub([dict(m) for m in HUB]) as hub:
        result = collect(config, store, build_hub(hub.url, timeout=5, page_size=1000), lambda: T1)
        listings = [p for p in hub.state.requests if "filter=base_model" in p]
    assert result.status == "ok" and result.requests == 3 + 2 + 3 + 1
    assert len(listings) == 1
    assert list(store.context_frame(tables.ecosystem).base_model_id) == ["Qwen/A"]


def test_a_failing_context_request_is_recorded_and_the_rest_kept(setup, vtime) -> None:
    from .fakefaults import Fault, FaultyHub

    config, store = setup()
    with FaultyHub([dict(m) for m in HUB]) as hub:
        hub.state.faults.append(Fault("pipeline_tag=text-generation", status=404))
        result = collect(config, store, build_hub(hub.url, timeout=5, page_size=1000), lambda: T1)
    assert result.status == "partial"
    assert result.errors == (("ranks:text-generation", "HTTP 404 Not Found (missing or private)"),)
    assert set(store.context_frame(tables.hub_ranks).scope) == {"all"}
    assert len(store.snapshots_frame()) == 5  # Qwen/A, Qwen/B, R, its distill, gpt-oss-x


def test_report_states_the_three_scopes_with_hand_computed_numbers(
    setup, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config, store = setup()
    path = config.path
    week2 = [dict(m) for m in HUB]
    with FakeHub(week2) as hub:
        hub_api = build_hub(hub.url, timeout=5, page_size=1000)
        collect(config, store, hub_api, lambda: datetime(2026, 8, 13, 12, 0, tzinfo=UTC))  # W33
        with hub.state.lock:  # a week later: Qwen/B climbs past deepseek-ai/R, one more fine-tune
            hub.state.models["Qwen/B"]["downloads"] = 450
            hub.state.models["community/B-ft"] = child("community/B-ft", 5, ("finetune", "Qwen/A"))
        collect(config, store, hub_api, lambda: T1)  # W34
    assert main(["--config", str(path), "report", "--week", "2026-W34"]) == 0
    capsys.readouterr()
    folder = tmp_path / "reports" / "2026-W34"
    context = json.loads((folder / "summary.json").read_text())["hub_context"]

    qwen = next(f for f in context["ranks"]["all"]["families"] if f["family"] == "qwen")
    # top 5: embed 1000, bert 900, Qwen/A 500, Qwen/B 450, deepseek-ai/R 400 → total 3250
    assert qwen["best_rank"] == 3 and qwen["top10"] == 2 and qwen["top_n"] == 2
    assert qwen["share"] == round((500 + 450) / 3250, 4)
    assert qwen["best_rank_prev"] == 3 and qwen["top100_prev"] == 2
    deepseek = next(f for f in context["ranks"]["all"]["families"] if f["family"] == "deepseek")
    assert (deepseek["best_rank"], deepseek["best_rank_prev"]) == (5, 4)
    gpt = next(f for f in context["ranks"]["all"]["families"] if f["family"] == "gpt-oss")
    assert gpt["best_rank"] is None and gpt["top_n"] == 0

    leaders = context["leaders"]["all"]
    assert [x["model_id"] for x in leaders[:2]] == [
        "sentence-transformers/embed",
        "google-bert/base",
    ]
    assert leaders[0]["family"] is None and leaders[2]["family"] == "qwen"
    pipelines = {p["pipeline_tag"]: p["share"] for p in context["pipelines"]}
    assert pipelines == {
        "text-generation": round(1350 / 3250, 4),
        "sentence-similarity": round(1000 / 3250, 4),
        "fill-mask": round(900 / 3250, 4),
    }

    deriv = {d["family"]: d for d in context["derivatives"]}
    assert deriv["qwen"]["total"] == 5 and deriv["qwen"]["change"] == 1  # 4 → 5 on Qwen/A
    assert deriv["deepseek"]["change"] == 0
    eco = {e["family"]: e for e in context["ecosystem"]}
    # Qwen official 500 + 450; ecosystem 100 + 50 + 30 + 5
    assert (eco["qwen"]["official"], eco["qwen"]["ecosystem"]) == (950, 185)
    assert eco["qwen"]["ecosystem_share"] == round(185 / (950 + 185), 4)
    # DeepSeek official: R 400 + its distill 250 (a fine-tune of Qwen/A, but DeepSeek's own)
    assert (eco["deepseek"]["official"], eco["deepseek"]["ecosystem"]) == (650, 40)

    summary = json.loads((folder / "summary.json").read_text())
    claim = next(c for c in summary["claims"] if c["id"] == "qwen-most-used")
    scopes = {s["scope"]: s for s in claim["scopes"]}
    assert scopes["whole Hub"]["verdict"] == "supported" and scopes["whole Hub"]["value"] == 3
    assert scopes["Hub, text-generation"]["value"] == 1
    assert scopes["ecosystem"]["verdict"] == "supported" and scopes["ecosystem"]["value"] == 1

    for chart in ("hub_share.png", "ecosystem.png"):
        png = folder / chart
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    text = (folder / "report.md").read_text()
    assert "](hub_share.png)" in text and "](ecosystem.png)" in text
    assert "## On the whole Hub" in text and "## Adaptation: derivatives and ecosystem" in text
    # only 5 ranks were captured: one count column (top 5), never a "top 10" or "top 100"
    assert (
        "| Family | Best rank | Best model | Since last week | Top 5 | Share of top-5 downloads |"
        in text
    )
    assert "| Qwen | #3 | Qwen/A | same | 2 | 29.2 % |" in text
    assert "| DeepSeek | #5 | deepseek-ai/R | ↓1 |" in text
    assert "Not in the top 5: gpt-oss." in text
    assert "- Whole Hub: ✅ supported — its best model, Qwen/A, is #3 of the whole Hub" in text
    assert "with 2 Qwen models among the top 5 captured" in text
    assert "top 100" not in text.lower() and "top 10 " not in text.lower()


def test_context_tables_export_with_family(setup, tmp_path: Path) -> None:
    config, store = setup()
    with FakeHub([dict(m) for m in HUB]) as hub:
        collect(config, store, build_hub(hub.url, timeout=5, page_size=1000), lambda: T1)
    out = tmp_path / "ranks.parquet"
    args = ["--config", str(config.path), "export", "--table", "ranks"]
    assert main([*args, "--format", "parquet", "--out", str(out)]) == 0
    frame = pd.read_parquet(out)
    assert len(frame) == 10 and set(frame.scope) == {"all", TG}
    row = frame[(frame.scope == "all") & (frame["rank"] == 3)].iloc[0]
    assert (row.model_id, row.family, row.origin, row.downloads_30d) == (
        "Qwen/A",
        "qwen",
        "CN",
        500,
    )
    assert frame[frame.model_id == "google-bert/base"].family.isna().all()


def test_a_base_model_outside_the_watch_list_is_a_config_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = "context:\n  base_models: [someone/else]\n"
    path = write_config(tmp_path, FAMILIES, extra)
    assert main(["--config", str(path), "status"]) == 2
    err = capsys.readouterr().err
    assert "context.base_models: 'someone/else' is in no watched family" in err
    assert err.count("\n") == 1
