"""One collection run: resolve the watch list, ask the Hub, store the snapshots.

The recipe is `fetch_watchlist` (Hub calls, errors kept per selector) then `save_run` (one
transaction). A failing author or model never stops the others: the run is then `partial`
and the failure is recorded with the selector that caused it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from .config import Config, Family
from .hub import Hub, HubModel, describe_hub_error
from .store import ModelRow, SnapshotRow, Store

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
Progress = Callable[[str], None]
STOPPED = "not fetched: stop requested (SIGTERM/SIGINT)"
OUT_OF_TIME = "not fetched: run deadline reached"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Fetched:
    """What a run got from the Hub: models with their family and observation time, and errors."""

    models: dict[str, tuple[HubModel, Family, datetime]] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class CollectResult:
    run_id: int
    status: str
    models: int
    new_snapshots: int
    requests: int
    errors: tuple[tuple[str, str], ...]
    seconds: float

    @property
    def exit_code(self) -> int:
        return 0 if self.status == "ok" else 1


def collect(
    config: Config,
    store: Store,
    hub: Hub,
    clock: Clock = utc_now,
    *,
    stop: threading.Event | None = None,
    progress: Progress | None = None,
) -> CollectResult:
    """Poll the Hub once for every watched family and store the run.

    When `stop` is set (a signal arrived), the selectors not yet fetched are recorded as
    skipped and what was fetched is still stored, as a `partial` run.
    """
    started = clock()
    run_id = store.begin_run("collect", hub.endpoint, started)
    fetched = fetch_watchlist(config, hub, clock, stop=stop, progress=progress)
    status = run_status(len(fetched.models), len(fetched.errors))
    new = save_run(store, run_id, fetched, status=status, requests=hub.requests, finished=clock())
    finished = clock()
    return CollectResult(
        run_id=run_id,
        status=status,
        models=len(fetched.models),
        new_snapshots=new,
        requests=hub.requests,
        errors=tuple(fetched.errors),
        seconds=(finished - started).total_seconds(),
    )


def fetch_watchlist(
    config: Config,
    hub: Hub,
    clock: Clock = utc_now,
    *,
    stop: threading.Event | None = None,
    progress: Progress | None = None,
) -> Fetched:
    """Author listings first (one paginated listing per author), then uncovered explicit ids."""
    out = Fetched()
    say = progress or (lambda _line: None)

    def stopping(selector: str) -> bool:
        if stop is not None and stop.is_set():
            out.errors.append((selector, STOPPED))
            return True
        left = hub.seconds_left()
        if left is not None and left <= 0:
            out.errors.append((selector, OUT_OF_TIME))
            return True
        return False

    listed: set[tuple[str, str | None]] = set()
    for family in config.families:
        for selector in family.authors:
            key = (selector.name.lower(), selector.search_hint())
            if key in listed:
                continue
            listed.add(key)
            if stopping(f"author:{selector.name}"):
                continue
            before = hub.requests
            try:
                batch, unusable = hub.fetch_author_models(selector.name, search=key[1])
            except Exception as exc:  # one author's failure must not cost the others
                out.errors.append((f"author:{selector.name}", describe_hub_error(exc)))
                say(f"{selector.name}: failed ({describe_hub_error(exc)})")
                log.info("author %s failed: %s", selector.name, describe_hub_error(exc))
                continue
            if unusable:
                out.errors.append(
                    (
                        f"author:{selector.name}",
                        f"{unusable} listing item(s) without a usable id skipped",
                    )
                )
            seen_at = clock()
            for model in batch:
                owner = config.classify(model.model_id)
                if owner is not None:
                    out.models.setdefault(model.model_id, (model, owner, seen_at))
            watched = sum(1 for m in batch if config.classify(m.model_id) is not None)
            say(
                f"{selector.name}: {watched} watched of {len(batch)} listed, {hub.requests - before} request(s)"
            )
            log.info("author %s: %d models", selector.name, len(batch))
    covered = {model_id.lower() for model_id in out.models}
    for family in config.families:
        for model_id in family.models:
            if model_id.lower() in covered or stopping(f"model:{model_id}"):
                continue
            try:
                model = hub.fetch_model(model_id)
            except Exception as exc:
                out.errors.append((f"model:{model_id}", describe_hub_error(exc)))
                log.info("model %s failed: %s", model_id, describe_hub_error(exc))
                continue
            # A renamed model comes back under its new id; it stays in the family that asked.
            out.models.setdefault(model.model_id, (model, family, clock()))
            covered.add(model.model_id.lower())
    return out


def run_status(models: int, errors: int) -> str:
    if not errors:
        return "ok"
    return "partial" if models else "failed"


def save_run(
    store: Store, run_id: int, fetched: Fetched, *, status: str, requests: int, finished: datetime
) -> int:
    """Write a fetched run in one transaction; return how many snapshots were new."""
    model_rows = []
    snapshot_rows = []
    for model, family, seen_at in fetched.models.values():
        model_rows.append(
            ModelRow(
                model_id=model.model_id,
                author=model.author,
                family=family.id,
                origin=family.origin,
                pipeline_tag=model.pipeline_tag,
                library_name=model.library_name,
                created_at=model.created_at,
            )
        )
        snapshot_rows.append(
            SnapshotRow(
                model_id=model.model_id,
                observed_at=seen_at,
                downloads_30d=model.downloads_30d,
                downloads_all_time=model.downloads_all_time,
                likes=model.likes,
                trending_score=model.trending_score,
            )
        )
    return store.finish_run(
        run_id,
        finished_at=finished,
        status=status,
        model_rows=model_rows,
        snapshot_rows=snapshot_rows,
        errors=fetched.errors,
        requests=requests,
    )
