#!/usr/bin/env bash
# Rebuild the example trend report in reports/trends/ from real recorded Hub data.
# Usage: PATH=.venv/bin:$PATH scripts/trends-report.sh
# Every CSV in ../shared/real-data (Feb–Oct 2026, five public collectors plus a few spot
# readings) is imported unchanged into a scratch database, so your own data/monitor.db is
# untouched; the report starts in February 2026 (one earlier spot reading is left out).
set -euo pipefail
cd "$(dirname "$0")/.."
shared="../shared/real-data"
if ! compgen -G "$shared/*/*.csv" > /dev/null; then
  echo "trends-report.sh: no recorded data in $shared (it lives next to this repository)" >&2
  exit 1
fi
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
hf-monitor --storage "sqlite:///$scratch/example.db" import "$shared"/*/*.csv > /dev/null
hf-monitor --storage "sqlite:///$scratch/example.db" trends --since 2026-02
