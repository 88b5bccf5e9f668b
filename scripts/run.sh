#!/usr/bin/env bash
# Start the web server, one Celery worker and beat; Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBUG="${DEBUG:-1}"
PORT="${PORT:-8000}"
BIN=.venv/bin
mkdir -p var/celery/queue var/celery/processed var/celery/results var/celery/control var/log

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
  >var/log/worker.log 2>&1 &
pids+=($!)
$BIN/celery -A governance beat --loglevel=INFO --schedule=var/celerybeat-schedule \
  --pidfile= >var/log/beat.log 2>&1 &
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

  Worker and beat logs: var/log/worker.log, var/log/beat.log. Ctrl-C stops everything.

INFO
$BIN/python manage.py runserver "127.0.0.1:${PORT}" &
pids+=($!)
wait -n "${pids[@]}"
