#!/usr/bin/env bash
# Smoke run of every benchmark: `bench/bench_*.py --smoke` in turn, each on (a copy of) the tiny demo in a
# database of its own (see docs/performance.md, "Smoke mode"). Stops at the first failure with a
# non-zero exit; prints the total time.
#
#     scripts/bench_smoke.sh [python]        # default: .venv/bin/python of this repository
#
# Scripts that need PostgreSQL print SKIPPED when none is reachable, unless
# JICENG_REQUIRE_POSTGRES is set (then they fail).
set -uo pipefail
PY="${1:-}"
if [[ -n "$PY" && "$PY" == */* && "$PY" != /* ]]; then
	PY="$PWD/$PY"  # relative to where we were called from
fi
cd "$(dirname "$0")/.."
PY="${PY:-.venv/bin/python}"
start=$SECONDS
count=0
# The tiny demo is built once for the whole run (SQLite and, when reachable, PostgreSQL) and
# each script copies it (bench/_smoke.py, TEMPLATE_ENV); dropped when the run ends.
template="$(mktemp -d "${TMPDIR:-/tmp}/jiceng_smoke_template_XXXXXX")"
trap '"$PY" bench/_smoke.py --drop-template "$template"' EXIT
if ! "$PY" bench/_smoke.py --make-template "$template"; then
	echo "bench smoke: FAILED building the tiny demo after $((SECONDS - start)) s" >&2
	exit 1
fi
export JICENG_SMOKE_TEMPLATE="$template"
echo "bench smoke: tiny demo built once in $((SECONDS - start)) s"
for script in bench/bench_*.py; do
	if ! "$PY" "$script" --smoke; then
		echo "bench smoke: FAILED in $script after $((SECONDS - start)) s" >&2
		exit 1
	fi
	count=$((count + 1))
done
echo "bench smoke: $count scripts without failure in $((SECONDS - start)) s"
