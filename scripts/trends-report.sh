#!/usr/bin/env bash
# Rebuild the example trend report in reports/trends/ from real recorded Hub data.
# Usage: PATH=.venv/bin:$PATH scripts/trends-report.sh
# The recorded CSVs in ../shared/real-data (Feb–Oct 2026: three public collectors plus a few
# spot readings) are imported unchanged into a scratch database, so your own data/monitor.db
# is untouched; the report starts in February 2026 (one earlier spot reading is left out).
set -euo pipefail
cd "$(dirname "$0")/.."
shared="../shared/real-data"
if ! compgen -G "$shared/*/*.csv" > /dev/null; then
  echo "trends-report.sh: no recorded data in $shared (it lives next to this repository)" >&2
  exit 1
fi
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# Left out: the two lists ranked by trending score (park-onezero, silverheart) and the
# hand-transcribed top 62 *by likes* of 2026-10-10. They hold the models people liked lately,
# not a family's downloaded models, so a week resting on them alone would judge "most used" by
# a list that was never about downloads (that October week made Qwen #4 behind DeepSeek).
files=()
for file in "$shared"/*/*.csv; do
  case "$file" in
    *park-onezero*|*silverheart*|*top62_by_likes*) ;;
    *) files+=("$file") ;;
  esac
done
hf-monitor --storage "sqlite:///$scratch/example.db" import "${files[@]}" > /dev/null
hf-monitor --storage "sqlite:///$scratch/example.db" trends --since 2026-02
