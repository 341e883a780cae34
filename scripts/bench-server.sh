#!/usr/bin/env bash
# Load benchmark (not a test): the dashboard and the JSON API of a Koho server on SQLite, under load
# from wrk in a second process on loopback. Prints requests per second and p99 latency.
#   swift build -c release && scripts/bench-server.sh          (wrk from Debian: apt-get install wrk)
set -euo pipefail
cd "$(dirname "$0")/.."
KOHO=${KOHO_BIN:-.build/release/koho}
PORT=${PORT:-18080}
DURATION=${DURATION:-15s}
CONNECTIONS=${CONNECTIONS:-16}
BASE="http://127.0.0.1:$PORT"
DATA=$(mktemp -d /tmp/koho-bench.XXXXXX)
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$DATA"' EXIT

printf 'bench-chief-password\n' | "$KOHO" users add kacho --role chief --data-dir "$DATA" >/dev/null
printf 'bench-staff-password\n' | "$KOHO" users add tanaka --role staff --accounts kodaira_tokyo --data-dir "$DATA" >/dev/null
TOKEN=$("$KOHO" tokens create tanaka --data-dir "$DATA" | tail -1)
"$KOHO" serve --port "$PORT" --data-dir "$DATA" >"$DATA/serve.log" 2>&1 &
SERVER=$!
for _ in $(seq 1 100); do curl -fs "$BASE/login" >/dev/null 2>&1 && break; sleep 0.2; done

# Some posts to list: 100 drafts through the API.
for i in $(seq 1 100); do
  curl -fs -X POST "$BASE/api/v1/posts" -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    -d "{\"account\":\"kodaira_tokyo\",\"category\":\"ウ\",\"text\":\"市民まつりのお知らせ その$i\"}" >/dev/null
done

# A logged-in session for the dashboard: the login form's CSRF token, then the login itself.
JAR="$DATA/cookies"
CSRF=$(curl -fs -c "$JAR" "$BASE/login" | grep -o 'name="csrf" value="[^"]*"' | sed 's/.*value="//; s/"$//')
curl -fs -b "$JAR" -c "$JAR" -o /dev/null --data-urlencode "csrf=$CSRF" --data-urlencode "name=tanaka" \
  --data-urlencode "password=bench-staff-password" "$BASE/login"
COOKIE=$(awk '$6 == "koho_session" { print "koho_session=" $7 }' "$JAR")
curl -fs -H "Cookie: $COOKIE" "$BASE/" | grep -q 'ダッシュボード' || { echo "login for the dashboard failed" >&2; exit 1; }

run() {
  local name=$1; shift
  local out
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency "$@")
  local rps p99
  rps=$(echo "$out" | awk '/Requests\/sec/ { print $2 }')
  p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
  local errors
  errors=$(echo "$out" | awk '/Non-2xx/ { print $NF }')
  printf '%-34s %10s req/s   p99 %8s   non-2xx %s\n' "$name" "$rps" "$p99" "${errors:-0}"
}
echo "Koho $(git rev-parse --short HEAD 2>/dev/null || echo ?) on SQLite, wrk -t2 -c$CONNECTIONS -d$DURATION, $(nproc) cores"
run "GET / (dashboard, session)" -H "Cookie: $COOKIE" "$BASE/"
run "GET /api/v1/posts (bearer token)" -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/posts"
run "GET /api/v1/posts/{id}" -H "Authorization: Bearer $TOKEN" \
  "$BASE/api/v1/posts/$(curl -fs -H "Authorization: Bearer $TOKEN" "$BASE/api/v1/posts" | grep -o '"id" *: *"[^"]*"' | head -1 | sed 's/.*"\([^"]*\)"$/\1/')"
