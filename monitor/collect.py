"""One collection run: resolve the watch list, ask the Hub, store the snapshots.

The recipe is `fetch_watchlist` (Hub calls, errors kept per selector) then `save_run` (one
transaction). A failing author or model never stops the others: the run is then `partial`
and the failure is recorded with the selector that caused it.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import TypeVar

from .config import Config, Family
from .hub import (
    OUT_OF_TIME,
    STOPPED,
    Hub,
    HubModel,
    HubUnreachable,
    describe_hub_error,
    describe_unreachable,
)
from .store import (
    ContextRows,
    DerivativesRow,
    EcosystemRow,
    ModelRow,
    RankRow,
    SnapshotRow,
    Store,
)

log = logging.getLogger(__name__)
Clock = Callable[[], datetime]
Progress = Callable[[str], None]
T = TypeVar("T")
ECOSYSTEM_LIMIT = 1000  # derivatives listed per base model: one page, the most downloaded
NO_ANSWER = "not fetched: the Hub did not answer"


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Fetched:
    """What a run got from the Hub: models with their family and observation time, and errors."""

    models: dict[str, tuple[HubModel, Family, datetime]] = field(default_factory=dict)
    errors: list[tuple[str, str]] = field(default_factory=list)
    unreachable: str | None = None  # set when nothing at the endpoint answered at all


@dataclass(frozen=True)
class CollectResult:
    run_id: int
    status: str
    models: int
    new_snapshots: int
    requests: int
    errors: tuple[tuple[str, str], ...]
    seconds: float
    context_requests: int = 0  # of `requests`, those for the Hub-wide context

    @property
    def exit_code(self) -> int:
        return 0 if self.status == "ok" else 1


def empty_families(
    config: Config, counts: dict[str, int], errors: Sequence[tuple[str, str]]
) -> list[Family]:
    """Families a run stored no model of although none of their selectors failed: most often a
    misspelt author or a glob that matches nothing, which would otherwise go unnoticed."""
    failed = {selector for selector, _ in errors}
    out = []
    for family in config.families:
        selectors = {f"author:{a.name}" for a in family.authors} | {
            f"model:{m}" for m in family.models
        }
        if not counts.get(family.id) and not selectors & failed:
            out.append(family)
    return out


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

    When `stop` is set (a signal arrived), the request in flight and any wait are dropped, the
    selectors not yet fetched are recorded as skipped and what was fetched is still stored, as
    a `partial` run. When nothing at the endpoint answers at all, the run stops after the first
    selector's retries, is stored as failed, and HubUnreachable says so in one line.
    """
    if stop is not None:
        hub.stop = stop  # one event wakes every wait of the run
    started = clock()
    before = hub.requests  # a Hub may serve several runs (the demo's days): count this one's
    run_id = store.begin_run("collect", hub.endpoint, started)
    fetched = fetch_watchlist(config, hub, clock, progress=progress)
    watch_requests = hub.requests
    context = None
    if fetched.unreachable is None:
        context = fetch_context(config, hub, fetched, clock, progress=progress)
    status = run_status(len(fetched.models), len(fetched.errors))
    new = save_run(
        store,
        run_id,
        fetched,
        status=status,
        requests=hub.requests - before,
        finished=clock(),
        context=context,
    )
    if fetched.unreachable is not None:
        raise HubUnreachable(f"run {run_id} failed: {fetched.unreachable}")
    finished = clock()
    return CollectResult(
        run_id=run_id,
        status=status,
        models=len(fetched.models),
        new_snapshots=new,
        requests=hub.requests - before,
        errors=tuple(fetched.errors),
        seconds=(finished - started).total_seconds(),
        context_requests=hub.requests - watch_requests,
    )


def fetch_watchlist(
    config: Config,
    hub: Hub,
    clock: Clock = utc_now,
    *,
    progress: Progress | None = None,
) -> Fetched:
    """Author listings first (one paginated listing per author), then uncovered explicit ids."""
    out = Fetched()
    say = progress or (lambda _line: None)
    listed: set[tuple[str, str | None]] = set()
    for family in config.families:
        for selector in family.authors:
            key = (selector.name.lower(), selector.search_hint())
            if key in listed:
                continue
            listed.add(key)
            if _stopping(f"author:{selector.name}", hub, out):
                continue
            before = hub.requests
            try:
                batch, unusable = hub.fetch_author_models(selector.name, search=key[1])
            except Exception as exc:  # one author's failure must not cost the others
                reason = _record_failure(f"author:{selector.name}", exc, hub, out)
                say(f"{selector.name}: failed ({reason})")
                continue
            if unusable:
                skipped = f"{unusable} listing item(s) without a usable id skipped"
                out.errors.append((f"author:{selector.name}", skipped))
            seen_at = clock()
            watched = 0
            for model in batch:
                owner = config.classify(model.model_id)
                if owner is not None:
                    watched += 1
                    out.models.setdefault(model.model_id, (model, owner, seen_at))
            say(
                f"{selector.name}: {watched} watched of {len(batch)} listed, {hub.requests - before} request(s)"
            )
            log.info("author %s: %d models", selector.name, len(batch))
    covered = {model_id.lower() for model_id in out.models}
    for family in config.families:
        for model_id in family.models:
            if model_id.lower() in covered or _stopping(f"model:{model_id}", hub, out):
                continue
            try:
                model = hub.fetch_model(model_id)
            except Exception as exc:
                _record_failure(f"model:{model_id}", exc, hub, out)
                continue
            # A renamed model comes back under its new id; it stays in the family that asked.
            out.models.setdefault(model.model_id, (model, family, clock()))
            covered.add(model.model_id.lower())
    return out


def _record_failure(selector: str, exc: Exception, hub: Hub, out: Fetched) -> str:
    """Record why a selector failed and return it; a first failure without a single answer
    from the endpoint marks the Hub unreachable, so the remaining selectors are not tried."""
    reason = describe_hub_error(exc)
    out.errors.append((selector, reason))
    log.info("%s failed: %s", selector, reason)
    if hub.log.answers == 0 and hub.log.unreachable is not None:
        out.unreachable = describe_unreachable(hub.endpoint, hub.log.unreachable, hub.requests)
    return reason


def _stopping(selector: str, hub: Hub, out: Fetched) -> bool:
    """True (and the selector recorded as skipped) once a stop was asked for, time is up or
    the Hub proved unreachable."""
    if out.unreachable is not None:
        out.errors.append((selector, NO_ANSWER))
        return True
    if hub.stop.is_set():
        out.errors.append((selector, STOPPED))
        return True
    left = hub.seconds_left()
    if left is not None and left <= 0:
        out.errors.append((selector, OUT_OF_TIME))
        return True
    return False


def fetch_context(
    config: Config,
    hub: Hub,
    fetched: Fetched,
    clock: Clock = utc_now,
    *,
    progress: Progress | None = None,
) -> ContextRows | None:
    """Hub-wide ranks, derivative counts and ecosystem downloads (None when switched off).

    Failures are recorded in `fetched.errors` per selector (`ranks:all`,
    `derivatives:Qwen/…`, `ecosystem:Qwen/…`), like the watch list's.
    """
    settings = config.settings.context
    if not settings.enabled:
        return None
    say = progress or (lambda _line: None)
    rows = ContextRows(observed_at=clock())

    def attempt(selector: str, call: Callable[[], T]) -> T | None:
        if _stopping(selector, hub, fetched):
            return None
        try:
            return call()
        except Exception as exc:  # one failure must not cost the rest
            _record_failure(selector, exc, hub, fetched)
            return None

    for scope, tag in [("all", None), *((p, p) for p in settings.pipelines)]:
        top = attempt(f"ranks:{scope}", partial(hub.fetch_top, settings.top_n, tag))
        if top is not None:
            rows.ranks += [
                RankRow(
                    scope=scope,
                    rank=rank,
                    model_id=m.model_id,
                    downloads_30d=m.downloads_30d,
                    likes=m.likes,
                    pipeline_tag=m.pipeline_tag,
                    library_name=m.library_name,
                )
                for rank, m in enumerate(top, 1)
            ]
            say(f"Hub-wide top {len(top)} ({scope})")

    bases = base_models(config, fetched)
    for base, family in bases:
        counts = attempt(f"derivatives:{base}", partial(hub.fetch_children_counts, base))
        if counts is not None:
            rows.derivatives.append(DerivativesRow(base, family.id, **asdict(counts)))
    say(f"model tree of {len(rows.derivatives)} base models")

    # Third-party derivatives, each counted once: never an official repo of a watched family,
    # and never twice when it names several bases (the first base listed keeps it).
    counted: set[str] = set(fetched.models)
    start = hub.requests
    for base, family in bases:
        if hub.requests - start >= settings.ecosystem_budget:
            log.info("ecosystem budget of %d requests spent", settings.ecosystem_budget)
            break
        children = attempt(f"ecosystem:{base}", partial(hub.fetch_children, base, ECOSYSTEM_LIMIT))
        if children is None:
            continue
        mine = [
            c for c in children if c.model_id not in counted and config.classify(c.model_id) is None
        ]
        counted.update(c.model_id for c in mine)
        rows.ecosystem.append(
            EcosystemRow(
                base_model_id=base,
                family=family.id,
                children_listed=len(children),
                children_counted=len(mine),
                downloads_30d=sum(c.downloads_30d or 0 for c in mine),
                truncated=len(children) >= ECOSYSTEM_LIMIT,
            )
        )
    say(f"ecosystem downloads of {len(rows.ecosystem)} base models")
    return rows


def base_models(config: Config, fetched: Fetched) -> list[tuple[str, Family]]:
    """Each family's most downloaded models in this run (`base_models_per_family`), then the
    config's explicit `base_models`; in family order."""
    settings = config.settings.context
    out: list[tuple[str, Family]] = []
    for family in config.families:
        own = [m for m, f, _ in fetched.models.values() if f.id == family.id]
        own.sort(key=lambda m: (-(m.downloads_30d or 0), m.model_id))
        picked = [m.model_id for m in own[: settings.base_models_per_family]]
        seen = {m.lower() for m in picked}
        picked += [
            m for m in settings.base_models
            if m.lower() not in seen and config.classify(m) is family
        ]  # fmt: skip
        out += [(model_id, family) for model_id in picked]
    return out


def run_status(models: int, errors: int) -> str:
    if not errors:
        return "ok"
    return "partial" if models else "failed"


def save_run(
    store: Store,
    run_id: int,
    fetched: Fetched,
    *,
    status: str,
    requests: int,
    finished: datetime,
    context: ContextRows | None = None,
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
        context=context,
    )
