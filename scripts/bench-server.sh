#!/usr/bin/env bash
# Load benchmarks (not tests) of a Koho server on SQLite, release build, wrk in a second process on loopback.
#
#   swift build -c release --product koho
#   scripts/bench-server.sh          speed: POSTS posts in the database, then GET /api/v1/posts, the dashboard, one post
#   scripts/bench-server.sh memory   memory: the server's RSS at start, after MEMORY_POSTS emergency posts published to a
#                                    sandbox (a separate `koho sandbox` process), and after MEMORY_SECONDS of polling
#
# Settings (environment): KOHO_BIN (.build/release/koho), PORT (18080), DURATION (wrk, 15s), CONNECTIONS (16),
# POSTS (1000), MEMORY_POSTS (10000), MEMORY_SECONDS (3600), PARALLEL (requests at once while seeding, 4),
# MEMORY_POLL (GET /api/v1/posts while polling: "wrk" as fast as 4 connections go, or N requests a second, as a
# screen left open does), MEMORY_EVERY (print the RSS every so many seconds while polling, 600).
# wrk from Debian: apt-get install wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-speed}
KOHO=${KOHO_BIN:-.build/release/koho}
PORT=${PORT:-18080}
SANDBOX_PORT=${SANDBOX_PORT:-$((PORT + 1))}
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-16}
POSTS=${POSTS:-1000}
MEMORY_POSTS=${MEMORY_POSTS:-10000}
MEMORY_SECONDS=${MEMORY_SECONDS:-3600}
MEMORY_POLL=${MEMORY_POLL:-wrk}
MEMORY_EVERY=${MEMORY_EVERY:-600}
PARALLEL=${PARALLEL:-4}
BASE="http://127.0.0.1:$PORT"
DATA=$(mktemp -d /tmp/koho-bench.XXXXXX)
SERVER="" SANDBOX=""
trap 'kill $SERVER $SANDBOX 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$DATA"' EXIT

rss() { awk '/^VmRSS/ { printf "%.1f MB", $2 / 1024 }' "/proc/$SERVER/status"; }

printf 'bench-chief-password\n' | "$KOHO" users add kacho --role chief --data-dir "$DATA" >/dev/null
printf 'bench-staff-password\n' | "$KOHO" users add tanaka --role staff --accounts kodaira_tokyo --data-dir "$DATA" >/dev/null
TOKEN=$("$KOHO" tokens create tanaka --data-dir "$DATA" | tail -1)
CHIEF=$("$KOHO" tokens create kacho --data-dir "$DATA" | tail -1)
SERVE_ARGS=(--port "$PORT" --data-dir "$DATA")
if [ "$MODE" = memory ]; then
  "$KOHO" sandbox --port "$SANDBOX_PORT" >"$DATA/sandbox.log" 2>&1 &
  SANDBOX=$!
  SERVE_ARGS+=(--sandbox-url "http://127.0.0.1:$SANDBOX_PORT")
  for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$SANDBOX_PORT/_sandbox" >/dev/null 2>&1 && break; sleep 0.2; done
fi
"$KOHO" serve "${SERVE_ARGS[@]}" >"$DATA/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -fs "$BASE/login" >/dev/null 2>&1 && break; sleep 0.2; done

# A logged-in session for the dashboard: the login form's CSRF token, then the login itself.
login() {
  JAR="$DATA/cookies"
  CSRF=$(curl -fs -c "$JAR" "$BASE/login" | grep -o 'name="csrf" value="[^"]*"' | sed 's/.*value="//; s/"$//')
  curl -fs -b "$JAR" -c "$JAR" -o /dev/null --data-urlencode "csrf=$CSRF" --data-urlencode "name=tanaka" \
    --data-urlencode "password=bench-staff-password" "$BASE/login"
  COOKIE=$(awk '$6 == "koho_session" { print "koho_session=" $7 }' "$JAR")
  curl -fs -H "Cookie: $COOKIE" "$BASE/" | grep -q 'ダッシュボード' || { echo "login for the dashboard failed" >&2; exit 1; }
}

run() {
  local name=$1; shift
  local out rps p99 errors
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$@")
  rps=$(echo "$out" | awk '/Requests\/sec/ { print $2 }')
  p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
  errors=$(echo "$out" | awk '/Non-2xx/ { print $NF }')
  printf '%-40s %10s req/s   p99 %8s   non-2xx %s\n' "$name" "$rps" "$p99" "${errors:-0}"
}

# One draft (speed) or one emergency post taken to scheduled by the chief (memory), by number.
draft() {
  curl -fs -X POST "$BASE/api/v1/posts" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"account\":\"kodaira_tokyo\",\"category\":\"ウ\",\"text\":\"市民まつりのお知らせ その$1\"}" >/dev/null
}
emergency() {
  local id state
  id=$(curl -fs -X POST "$BASE/api/v1/posts" -H "Authorization: Bearer $CHIEF" -H 'Content-Type: application/json' \
    -d "{\"account\":\"kodaira_tokyo\",\"category\":\"ア\",\"text\":\"避難所を開設しました（訓練 $1）\",\"sourceURL\":\"https://www.city.kodaira.tokyo.jp/bousai/$1.html\",\"emergency\":true,\"emergencyReason\":\"訓練\"}" \
    | grep -o '"id" *: *"[^"]*"' | head -1 | sed 's/.*"\([^"]*\)"$/\1/')
  state=$(curl -fs -X POST "$BASE/api/v1/posts/$id/submit" -H "Authorization: Bearer $CHIEF" | grep -o '"state" *: *"[^"]*"' | head -1)
  case "$state" in *submitted*) curl -fs -X POST "$BASE/api/v1/posts/$id/approve" -H "Authorization: Bearer $CHIEF" >/dev/null ;; esac
}
export -f draft emergency
export BASE TOKEN CHIEF

echo "Koho $(git rev-parse --short HEAD 2>/dev/null || echo ?) on SQLite, $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC')"
if [ "$MODE" = memory ]; then
  echo "RSS at start: $(rss)"
  started=$(date +%s)
  seq 1 "$MEMORY_POSTS" | xargs -P "$PARALLEL" -I{} bash -c 'emergency {}'
  while :; do
    left=$(curl -fs -D - -o /dev/null -H "Authorization: Bearer $CHIEF" "$BASE/api/v1/posts?state=scheduled&limit=1" | awk -F': ' 'tolower($1) == "x-total-count" { print $2+0 }')
    publishing=$(curl -fs -D - -o /dev/null -H "Authorization: Bearer $CHIEF" "$BASE/api/v1/posts?state=publishing&limit=1" | awk -F': ' 'tolower($1) == "x-total-count" { print $2+0 }')
    [ "$((left + publishing))" -eq 0 ] && break
    sleep 2
  done
  published=$(curl -fs -D - -o /dev/null -H "Authorization: Bearer $CHIEF" "$BASE/api/v1/posts?state=published&limit=1" | awk -F': ' 'tolower($1) == "x-total-count" { print $2+0 }')
  echo "RSS after $published posts published ($(( $(date +%s) - started )) s): $(rss)"
  login
  POLL=""
  if [ "$MEMORY_POLL" = wrk ]; then
    DURATION="${MEMORY_SECONDS}s" CONNECTIONS=4 run "polling: GET /api/v1/posts for ${MEMORY_SECONDS}s" -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/posts" &
    POLL=$!
    api="API under wrk"
  else
    api="GET /api/v1/posts $MEMORY_POLL times a second"
  fi
  start=$(date +%s)
  end=$(( start + MEMORY_SECONDS ))
  next=$(( start + MEMORY_EVERY ))
  requests=0 failures=0
  while [ "$(date +%s)" -lt "$end" ]; do
    curl -fs -o /dev/null -H "Cookie: $COOKIE" "$BASE/" || failures=$((failures + 1))
    if [ "$MEMORY_POLL" != wrk ]; then
      for _ in $(seq 1 "$MEMORY_POLL"); do
        curl -fs -o /dev/null -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/posts" || failures=$((failures + 1))
      done
      requests=$((requests + MEMORY_POLL))
    fi
    requests=$((requests + 1))
    if [ "$(date +%s)" -ge "$next" ]; then
      echo "RSS after $(( $(date +%s) - start )) s of polling: $(rss)"
      next=$(( next + MEMORY_EVERY ))
    fi
    sleep 1
  done
  [ -n "$POLL" ] && wait "$POLL"
  echo "RSS at the end, after ${MEMORY_SECONDS}s of polling ($api, the dashboard every second, the publisher's own polls; $requests requests by curl, $failures failed): $(rss)"
  exit 0
fi

seq 1 "$POSTS" | xargs -P "$PARALLEL" -I{} bash -c 'draft {}'
login
echo "wrk -t2 -c$CONNECTIONS -d$DURATION, $POSTS posts in the database"
run "GET / (dashboard, session)" -H "Cookie: $COOKIE" "$BASE/"
run "GET /api/v1/posts (bearer token)" -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/posts"
run "GET /api/v1/posts/{id}" -H "Authorization: Bearer $TOKEN" \
  "$BASE/api/v1/posts/$(curl -fs -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/posts?limit=1" | grep -o '"id" *: *"[^"]*"' | head -1 | sed 's/.*"\([^"]*\)"$/\1/')"
echo "RSS after the runs: $(rss)"
