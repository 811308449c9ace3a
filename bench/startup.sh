#!/usr/bin/env bash
# Wall time of `make run` from a fresh clone until /healthz answers 200 (web, worker and beat
# up), for the first start (creates .venv, installs, initialises PostgreSQL, migrates, seeds)
# and the second. Usage: bash bench/startup.sh [PORT]
set -euo pipefail
port="${1:-8021}"
src="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(mktemp -d)"
git clone -q "$src" "$dir/app"
measure() {
  local started pid
  started=$(date +%s.%N)
  (cd "$dir/app" && RUN_ADDR="127.0.0.1:$port" setsid make run >"$dir/run.log" 2>&1) &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { tail -20 "$dir/run.log"; exit 1; }
    sleep 0.2
  done
  echo "$1 start: healthz 200 after $(echo "$(date +%s.%N) - $started" | bc) s"
  # Stop only this clone's app (a `make run` of your own keeps running).
  for runner in $(pgrep -f "manage.py runall" || true); do
    [ "$(readlink "/proc/$runner/cwd")" = "$dir/app" ] && kill -INT "$runner"
  done
  wait "$pid" 2>/dev/null || true
}
measure first
measure second
rm -rf "$dir"
