"""Plain-text views for the terminal: the watch list (`models`) and the run history (`status`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

# Both views render from plain records: neither needs pandas.
if TYPE_CHECKING:
    from .config import Config
    from .store import LatestSnapshot, RunRecord


def text_table(headers: Sequence[str], rows: Sequence[Sequence[object]], right: set[int]) -> str:
    """Columns padded to their widest cell; indexes in `right` are right-aligned (numbers)."""
    cells = [[str(h) for h in headers]] + [
        ["" if c is None else str(c) for c in row] for row in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        parts = [
            c.rjust(w) if i in right else c.ljust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines) + "\n"


def thousands(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def render_models(config: Config, latest: Sequence[LatestSnapshot], only: str | None = None) -> str:
    """Each watched family with its models, most downloaded first."""
    members: dict[str | None, list[LatestSnapshot]] = {}
    for row in latest:
        members.setdefault(config.family_id(row.model_id, row.family), []).append(row)
    out = []
    for family in config.families:
        if only and family.id != only:
            continue
        selectors = [
            s.name + (f" ({', '.join(s.include)})" if s.include else "") for s in family.authors
        ]
        selectors += list(family.models)
        out.append(
            f"{family.label} [{family.id}] — {family.organization}, {family.origin}: {'; '.join(selectors)}"
        )
        rows = members.get(family.id, [])
        if not rows:
            out.append("  (nothing collected yet)\n")
            continue
        # most downloaded first, unknown counts last, then by id
        rows.sort(key=lambda r: (r.downloads_30d is None, -(r.downloads_30d or 0), r.model_id))
        table = text_table(
            ["model", "downloads (30 d)", "all-time", "likes", "observed (UTC)"],
            [
                [
                    r.model_id,
                    thousands(r.downloads_30d),
                    thousands(r.downloads_all_time),
                    thousands(r.likes),
                    r.observed_at.strftime("%Y-%m-%d %H:%M"),
                ]
                for r in rows
            ],
            right={1, 2, 3},
        )
        out.append(
            f"  {len(rows)} models\n" + "".join("  " + line + "\n" for line in table.splitlines())
        )
    return "\n".join(out)


def render_status(
    runs: Sequence[RunRecord],
    now: datetime,
    *,
    busy: bool = False,
    good_days: set[date] | None = None,
    first_collect: datetime | None = None,
    next_runs: dict[str, datetime | None] | None = None,
    days: int = 14,
) -> str:
    """Recent runs (newest first), health of the last `days` days, and what runs next.

    Gaps are counted from the day of the first collect: days before it are not missed days.
    """
    if not runs:
        text = "No runs yet. Start with: hf-monitor collect\n"
        return text + _next_lines(next_runs)
    rows = []
    for run in runs:
        seconds = f"{run.seconds:.1f} s" if run.seconds is not None else "–"
        status = run.status
        if status == "running" and (not busy or run is not runs[0]):
            status = "interrupted"
        first_error = f"{run.errors[0][0]}: {run.errors[0][1]}" if run.errors else ""
        more = f" (+{len(run.errors) - 1} more)" if len(run.errors) > 1 else ""
        rows.append(
            [
                run.id,
                run.kind,
                run.started_at.strftime("%Y-%m-%d %H:%M:%S"),
                seconds,
                status,
                run.models,
                run.requests,
                first_error + more,
            ]
        )
    text = text_table(
        ["run", "kind", "started (UTC)", "took", "status", "models", "requests", "errors"],
        rows,
        right={0, 3, 5, 6},
    )
    text += "\n"
    good = [r for r in runs if r.kind == "collect" and r.status == "ok"]
    if good:
        age = now - good[0].started_at
        text += f"Last successful collect: {good[0].started_at:%Y-%m-%d %H:%M} UTC ({_ago(age.total_seconds())} ago)\n"
    else:
        text += "No successful collect among these runs.\n"
    if good_days is not None and first_collect is not None:
        text += _gap_lines(good_days, first_collect.date(), now, days)
    backfills = [r for r in runs if r.kind == "backfill"]
    if backfills:
        latest = backfills[0]
        text += f"Latest backfill: run {latest.id} ({latest.status}) from {latest.source}\n"
    if busy:
        text += "A run is in progress right now.\n"
    return text + _next_lines(next_runs)


def _gap_lines(good_days: set[date], first: date, now: datetime, days: int) -> str:
    """Which of the last `days` full days (not before the first collect) had no good collect."""
    window = [(now - timedelta(days=n)).date() for n in range(days, 0, -1)]
    window = [d for d in window if d >= first]
    if not window:
        return f"First collect today ({first:%d %b}): days without one are counted from then.\n"
    missing = [d for d in window if d not in good_days]
    full = len(window) == days
    span = f"the last {days}" if full else f"the {len(window)} days since {first:%d %b}"
    if missing:
        listed = ", ".join(f"{d:%d %b}" for d in missing[-7:])
        more = f" (latest 7 of {len(missing)})" if len(missing) > 7 else ""
        return f"Days without a successful collect in {span}: {len(missing)} — {listed}{more}\n"
    return f"A successful collect on each of {span}{' days' if full else ''}.\n"


def _next_lines(next_runs: dict[str, datetime | None] | None) -> str:
    if not next_runs:
        return ""
    parts = [
        f"{name} {when:%Y-%m-%d %H:%M %Z}" if when else f"{name} never"
        for name, when in next_runs.items()
    ]
    return "Next scheduled (hf-monitor schedule): " + ", ".join(parts) + "\n"


def _ago(seconds: float) -> str:
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"
