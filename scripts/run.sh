#!/usr/bin/env bash
# Start the web server, one Celery worker and beat; Ctrl-C stops all three.
# DEBUG stays off unless the caller sets DEBUG=1 (then the server also reloads on code changes).
set -euo pipefail
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
case "${DEBUG:-}" in
  1 | true | yes | on) reload=() ;;
  *) reload=(--noreload) ;;
esac
BIN=.venv/bin
VAR="${VAR_DIR:-var}"  # as governance.settings reads it
mkdir -p "$VAR"/celery/queue "$VAR"/celery/processed "$VAR"/celery/results "$VAR"/celery/control \
  "$VAR"/log

pids=()
cleanup() {
  trap - INT TERM EXIT
  echo
  echo "Stopping…"
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup INT TERM EXIT

$BIN/celery -A governance worker --loglevel=INFO --concurrency=1 --hostname=worker@%h \
  >"$VAR"/log/worker.log 2>&1 &
pids+=($!)
$BIN/celery -A governance beat --loglevel=INFO --schedule="$VAR"/celerybeat-schedule \
  --pidfile= >"$VAR"/log/beat.log 2>&1 &
pids+=($!)

cat <<INFO

  党建引领基层治理 · Grassroots governance
  http://127.0.0.1:${PORT}/          (admin: http://127.0.0.1:${PORT}/admin/, API docs: /api/docs/)

  Demo accounts, password demo12345:
    admin      superuser (Django admin, everything)
    official   official of 东城街道
    worker     community worker of 光明社区
    grid       grid worker in 光明社区
    handler    handler of 云阳区城市管理综合行政执法局
    volunteer  volunteer living in 光明社区

  Health: http://127.0.0.1:${PORT}/healthz/ (alive), /readyz/ (database, broker, worker, sweep)
  Worker and beat logs: ${VAR}/log/worker.log, ${VAR}/log/beat.log. Ctrl-C stops everything.

INFO
$BIN/python manage.py runserver "${reload[@]}" "127.0.0.1:${PORT}" &
pids+=($!)
wait -n "${pids[@]}"
