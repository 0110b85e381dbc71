#!/usr/bin/env bash
# Rebuild the example reports from real recorded Hub data: the weekly report of 2026-W34
# (reports/2026-W34/) and the long-range trend report (reports/trends/), from one database so
# the two agree on every week they share.
# Usage: PATH=.venv/bin:$PATH scripts/example-report.sh [DIR]   (default DIR: ../shared/real-data)
# The imports go into a scratch database, so your own data/monitor.db is untouched.
set -euo pipefail
cd "$(dirname "$0")/.."
shared="${1:-../shared/real-data}"
daily="$shared/namhyeokwoo_huggingface-trending/hf_top_likes_downloads_daily_2026-08-07_2026-08-22.csv"
if [ ! -f "$daily" ]; then
    echo "example-report.sh: no recorded data at $shared/ (the real data lives in ../shared/real-data beside this clone); pass its folder as the first argument" >&2
    exit 2
fi
command -v hf-monitor >/dev/null || { echo "example-report.sh: hf-monitor is not on PATH (try PATH=.venv/bin:\$PATH $0)" >&2; exit 2; }
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
db=(--storage "sqlite:///$scratch/example.db")
# The daily file holds the Hub's 300 most downloaded models each day (and the 300 most liked),
# so their Hub-wide ranks can be stored as well.
hf-monitor "${db[@]}" import --hub-top 300 "$daily" > /dev/null
# The other recorded series. Left out: the two lists ranked by trending score (park-onezero,
# silverheart), which hold the models people liked lately rather than a family's downloaded
# ones, and the hand-transcribed spot files (*_TRANSCRIBED.csv), partial copies of a few
# dozen models that would decide a whole week alone (the October one is ranked by likes).
others=()
for file in "$shared"/*/*.csv; do
  case "$file" in
    "$daily"|*park-onezero*|*silverheart*|*TRANSCRIBED*) ;;
    *) others+=("$file") ;;
  esac
done
hf-monitor "${db[@]}" import "${others[@]}" > /dev/null
hf-monitor "${db[@]}" report --week 2026-W34 --out reports
hf-monitor "${db[@]}" trends --since 2026-02   # reports/trends/, linked from reports/index.md
