"""What the fake Hub serves: real recorded Hub numbers, with the counts the recording lacks
derived from them, and made-up derivatives so the model tree has something to count."""

from __future__ import annotations

import csv
import gzip
import math
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

RECORDED_FILE = "recorded_hub_2026-08.csv.gz"


def recorded_days(
    path: Path | None = None, *, derivatives: bool = True
) -> dict[date, list[dict[str, Any]]]:
    """Real recorded Hub numbers, one list of model objects per day, shaped like Hub JSON.

    The recording (16 daily captures, 2026-08-07 … 2026-08-22, of the Hub's top models by likes
    and by downloads: every model of the watched organisations plus the 100 most downloaded
    models overall; built by `scripts/build-recorded-data.py`) has `downloads` (30 days) and
    `likes` but no `downloadsAllTime`, `trendingScore` or full tags. Those are *derived* here so
    the fake Hub can serve them, and are plausible rather than real:

    * downloadsAllTime: a starting value of a quarter of the 30-day count per month of the model's age
      (at least one month), then each day adds one thirtieth of that day's 30-day count, so
      differences between days are consistent with the recorded rolling count;
    * trendingScore: likes gained over the previous (up to) seven recorded days;
    * tags: the library name and pipeline tag.

    With `derivatives`, each day also has *synthetic* third-party derivatives (see
    `synthetic_derivatives`) so the model tree and ecosystem numbers have something to count.
    """
    rows = _read_recorded(path)
    by_day: dict[date, list[dict[str, str]]] = {}
    for row in rows:
        by_day.setdefault(date.fromisoformat(row["snapshot_date"]), []).append(row)
    all_time: dict[str, int] = {}
    likes_history: dict[str, list[int]] = {}
    out: dict[date, list[dict[str, Any]]] = {}
    for day in sorted(by_day):
        models = []
        for row in by_day[day]:
            model_id = row["model_id"]
            downloads = int(row["downloads_30d"])
            likes = int(row["likes"])
            created = row["created_at"] or None
            if model_id not in all_time:
                all_time[model_id] = _initial_all_time(downloads, created, day)
            else:
                # Cumulative counts never fall below the rolling 30-day count.
                all_time[model_id] = max(all_time[model_id] + round(downloads / 30), downloads)
            history = likes_history.setdefault(model_id, [])
            history.append(likes)
            trending = max(likes - history[max(len(history) - 8, 0)], 0)
            tags = [t for t in (row["library_name"], row["pipeline_tag"]) if t]
            models.append(
                {
                    "id": model_id,
                    "downloads": downloads,
                    "downloadsAllTime": all_time[model_id],
                    "likes": likes,
                    "trendingScore": trending,
                    "pipeline_tag": row["pipeline_tag"] or None,
                    "library_name": row["library_name"] or None,
                    "createdAt": created,
                    "lastModified": created,
                    "tags": tags,
                    "gated": "manual"
                    if model_id.startswith(("meta-llama/", "google/gemma"))
                    else False,
                }
            )
        out[day] = models
    if derivatives:
        for index, day in enumerate(sorted(out)):
            out[day] = out[day] + synthetic_derivatives(out[day], index)
    return out


BASE_ORGS = (
    "Qwen", "deepseek-ai", "zai-org", "moonshotai", "MiniMaxAI", "meta-llama", "google",
    "microsoft", "openai", "nvidia", "ibm-granite", "mistralai",
)  # fmt: skip
# Children per base, per relation, per sqrt(like); and the base's downloads their first child gets.
CHILD_RATE = {"finetune": 1.2, "quantized": 0.8, "adapter": 0.5, "merge": 0.1}
CHILD_SHARE = {"finetune": 0.05, "quantized": 0.2, "adapter": 0.01, "merge": 0.005}
MAX_CHILDREN = 60  # per base and relation


def synthetic_derivatives(models: list[dict[str, Any]], day_index: int) -> list[dict[str, Any]]:
    """Plausible, made-up derivatives of the most downloaded models of the watched labs.

    Bases: per organisation, its 3 most downloaded models and its 3 most downloaded
    text-generation / image-text-to-text models. Each gets, per relation, about
    `CHILD_RATE × sqrt(likes)` children (growing 1 % a day) tagged `base_model:<id>` and
    `base_model:<relation>:<id>` like the Hub's, owned by `community-N` accounts, with
    downloads falling off as a power law from `CHILD_SHARE` of the base's. Not real data.
    """
    bases: dict[str, dict[str, Any]] = {}
    for org in BASE_ORGS:
        own = sorted(
            (m for m in models if m["id"].split("/")[0] == org), key=lambda m: -m["downloads"]
        )
        llms = [
            m for m in own if m.get("pipeline_tag") in ("text-generation", "image-text-to-text")
        ]
        for model in own[:3] + llms[:3]:
            bases[model["id"]] = model
    children = []
    for base_id, base in bases.items():
        name = base_id.split("/")[1]
        for relation, rate in CHILD_RATE.items():
            count = min(int(rate * math.sqrt(base["likes"]) * (1 + day_index / 100)), MAX_CHILDREN)
            for i in range(count):
                children.append(
                    {
                        "id": f"community-{(i + len(name)) % 9}/{name}-{relation}-{i + 1}",
                        "downloads": int(
                            base["downloads"] * CHILD_SHARE[relation] / (i + 1) ** 1.6
                        ),
                        "likes": base["likes"] // (40 * (i + 1)),
                        "pipeline_tag": base.get("pipeline_tag"),
                        "library_name": "gguf" if relation == "quantized" else "transformers",
                        "createdAt": base.get("createdAt"),
                        "tags": [f"base_model:{base_id}", f"base_model:{relation}:{base_id}"],
                    }
                )
    return children


def _read_recorded(path: Path | None) -> list[dict[str, str]]:
    if path is None:
        with resources.files("monitor").joinpath("data", RECORDED_FILE).open("rb") as raw:
            text = gzip.decompress(raw.read()).decode("utf-8")
    else:
        text = gzip.decompress(path.read_bytes()).decode("utf-8")
    return list(csv.DictReader(text.splitlines()))


def _initial_all_time(downloads_30d: int, created_at: str | None, day: date) -> int:
    months = 1.0
    if created_at:
        created = datetime.fromisoformat(created_at.replace("Z", "+00:00")).date()
        months = max((day - created).days / 30, 1.0)
    return int(downloads_30d * months * 0.25) + downloads_30d


def as_of(day: date) -> datetime:
    """The moment a recorded day was captured (the recordings ran around 12:40 UTC)."""
    return datetime(day.year, day.month, day.day, 12, 40, tzinfo=UTC)
