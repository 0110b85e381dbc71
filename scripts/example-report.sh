#!/usr/bin/env bash
# Rebuild the example report in reports/2026-W34/ from real recorded Hub data.
# Usage: scripts/example-report.sh [FILE]   (default: the namhyeokwoo daily file in ../shared/real-data)
# The import goes into a scratch database, so your own data/monitor.db is untouched.
set -euo pipefail
cd "$(dirname "$0")/.."
file="${1:-../shared/real-data/namhyeokwoo_huggingface-trending/hf_top_likes_downloads_daily_2026-08-07_2026-08-22.csv}"
if [ ! -f "$file" ]; then
    echo "example-report.sh: no recorded data at $file (the real data lives in ../shared/real-data beside this clone); pass the CSV file as the first argument" >&2
    exit 2
fi
command -v hf-monitor >/dev/null || { echo "example-report.sh: hf-monitor is not on PATH (try PATH=.venv/bin:\$PATH $0)" >&2; exit 2; }
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# The file holds the Hub's 300 most downloaded models each day (and the 300 most liked), so
# their Hub-wide ranks can be stored as well.
hf-monitor --storage "sqlite:///$scratch/example.db" import --hub-top 300 "$file"
hf-monitor --storage "sqlite:///$scratch/example.db" report --week 2026-W34 --out reports
