#!/usr/bin/env bash
# `make run`: the job scheduler (reminders, overdue notices, escalations) in the background and
# the web server in the foreground; Ctrl+C stops both. No broker is needed.
set -euo pipefail
BIN="$1"; HOST="$2"; PORT="$3"
"$BIN/python" manage.py run_scheduler --interval 60 &
SCHEDULER=$!
trap 'kill $SCHEDULER 2>/dev/null || true' EXIT INT TERM
"$BIN/python" manage.py runserver "$HOST:$PORT"
