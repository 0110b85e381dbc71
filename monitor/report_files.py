"""Writing a week's report: its folder (report.md, summary.json, the PNGs), landed whole or not
at all, and `index.md` over every week."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pandas as pd

from .analysis import Week
from .charts import render_week_charts
from .claims import load_claims
from .config import Config
from .errors import OutputError, UsageError
from .files import publish, staging, write_file
from .formatting import when
from .provenance import Provenance
from .report import (
    CHART_FILES,
    VERDICT_MARK,
    WEEK_FOLDER,
    Report,
    build_report,
    pick_week,
    read_context,
    read_week,
    summary,
)
from .store import Store


def report_week(
    store: Store,
    config: Config,
    week: Week | str | None,
    out_dir: Path,
    source: Provenance | None = None,
    frame: pd.DataFrame | None = None,
) -> tuple[Report, Path]:
    """Build and write one week's report from the store (`week` None: the latest with data).

    `source` overrides where the numbers are said to come from (the demo); by default the runs
    behind the week's values say it. `frame` is the week's `read_week`, when already read."""
    claims = load_claims(config.claims_path(), config)
    if not isinstance(week, Week):
        week = pick_week(store, week)
    if frame is None:
        frame = read_week(store, config, week)
    report = build_report(frame, config, claims, week, read_context(store, week))
    if source is not None:
        report = replace(report, source=source)
    return report, write_report(report, frame, config, out_dir)


def write_report(report: Report, frame: pd.DataFrame, config: Config, out_dir: Path) -> Path:
    """Write `out_dir/<week>/` (report.md, summary.json, PNGs) and refresh `out_dir/index.md`;
    `frame` is the report's classified snapshots (`read_week`), for the charts."""
    from .markdown import render_markdown

    folder = week_folder(out_dir, report.week.label)
    data = summary(report, config)
    text = render_markdown(report, config)
    # Every file lands whole or not at all, and the week is marked complete last (files.py).
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with staging(folder) as scratch:
            render_week_charts(report, frame, config, scratch)
            write_file(scratch / "report.md", text)
            write_file(
                scratch / "summary.json", json.dumps(data, indent=2, ensure_ascii=False) + "\n"
            )
            publish(scratch, folder, owned=set(CHART_FILES.values()))
        write_index(out_dir)
    except OSError as exc:
        raise OutputError(f"{folder}: cannot write the report: {exc.strerror or exc}") from None
    return folder


def _cell(text: str) -> str:
    """Claim text for a Markdown table cell (the claims file is ours, but may hold a pipe)."""
    return " ".join(text.split()).replace("|", "\\|")


def week_folder(out_dir: Path, label: str) -> Path:
    """The folder of one week; the label is checked so no path can leave `out_dir`."""
    if not WEEK_FOLDER.fullmatch(label):
        raise UsageError(f"week {label!r} must look like 2026-W34")
    return out_dir / label


def write_index(out_dir: Path) -> Path:
    """`index.md`: every week with a summary.json, newest first, with its verdicts."""
    from .trends_report import trends_index_section  # the trend report links itself here too

    rows = []
    weeks = (p for p in out_dir.glob("*/summary.json") if WEEK_FOLDER.fullmatch(p.parent.name))
    for path in sorted(weeks, reverse=True):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        verdicts = "<br>".join(
            f"{VERDICT_MARK.get(c['verdict'], c['verdict'])}: {_cell(c.get('statement', c['id']))}"
            for c in data.get("claims", [])
        )
        as_of = datetime.strptime(data["as_of"], "%Y-%m-%dT%H:%M:%SZ")
        rows.append(f"| [{data['week']}]({data['week']}/report.md) | {when(as_of)} | {verdicts} |")
    text = "# Weekly reports\n\nNewest first. Each week's folder has `report.md`, `summary.json` and the charts.\n\n"
    text += "| week | data as of | verdicts |\n|---|---|---|\n" + "\n".join(rows) + "\n"
    trends = trends_index_section(out_dir)
    text += f"\n{trends}" if trends else ""
    index = out_dir / "index.md"
    write_file(index, text)
    return index
