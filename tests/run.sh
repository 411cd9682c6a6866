#!/usr/bin/env bash
# The one test command (README): installs what is missing, starts a throwaway PostgreSQL, runs every test
# project, and prints "N passed, N failed" last. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

log() { printf '==> %s\n' "$*" >&2; }

# 1. System packages: PostgreSQL (persistence tests), Chromium (portal tests), poppler (PDF pages to PNG).
need=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
if [ ${#need[@]} -gt 0 ]; then
  log "installing ${need[*]}"
  if [ "$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# 2. A throwaway PostgreSQL cluster on its own port, removed on exit.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pg_dir=$(mktemp -d /tmp/eb-pg.XXXXXX)
pg_port=${EB_TEST_PG_PORT:-55432}
chmod 755 "$pg_dir"
as_postgres() { if [ "$(id -u)" -eq 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$pg_dir"
cleanup() {
  as_postgres "$pg_bin/pg_ctl -D $pg_dir/data -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap cleanup EXIT
# Over TCP it asks for a password, as deploy/'s server does: the broker once lost the password from its connections
# after their first write batch, which a server that trusts every connection never showed.
pg_password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
printf '%s\n' "$pg_password" > "$pg_dir/password"
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$pg_dir/password"
as_postgres "$pg_bin/initdb -D $pg_dir/data -U eb --auth-local=trust --auth-host=scram-sha-256 --pwfile=$pg_dir/password -E UTF8 >/dev/null"
rm -f "$pg_dir/password"
start_postgres() {
  log "starting PostgreSQL ($pg_bin) on port $pg_port"
  as_postgres "$pg_bin/pg_ctl -D $pg_dir/data -l $pg_dir/log -o '-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off' -w start >/dev/null"
}
# If it does not start, say why (its log goes with the throwaway folder) and try once more on the next port, in case
# something else holds this one.
if ! start_postgres; then
  log "PostgreSQL did not start; its log:"
  tail -n 20 "$pg_dir/log" >&2 || true
  pg_port=$((pg_port + 1))
  start_postgres
fi
export EB_TEST_POSTGRES="Host=127.0.0.1;Port=$pg_port;Username=eb;Password=$pg_password;Database=postgres;Pooling=true"

# 3. Build once, then test every project; TRX files carry the counts.
results="$root/TestResults"
rm -rf "$results"
mkdir -p "$results"
# Test servers append their logged errors here; printed below if anything fails.
export EB_SERVER_ERROR_LOG="$results/server-errors.log"
log "building"
dotnet build EvidenceBroker.sln -c Release -nologo -v quiet
log "testing"
set +e
dotnet test EvidenceBroker.sln -c Release --no-build --nologo --logger "trx" --results-directory "$results" -- RunConfiguration.TestSessionTimeout=1500000
status=$?
set -e

passed=0; failed=0; skipped=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); p=${p:-0}
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=${f:-0}
  e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters"); e=${e:-0}
  t=$(sed -n 's/.* timeout="\([0-9]*\)".*/\1/p' <<<"$counters"); t=${t:-0}
  n=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$counters"); n=${n:-0}
  passed=$((passed + p)); failed=$((failed + f + e + t)); skipped=$((skipped + n))
done
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
if [ "$passed" -eq 0 ]; then log "no test ran"; failed=$((failed + 1)); fi
if [ "$failed" -ne 0 ] && [ -s "$EB_SERVER_ERROR_LOG" ]; then
  log "errors the test servers logged (last 200 lines of $EB_SERVER_ERROR_LOG):"
  tail -n 200 "$EB_SERVER_ERROR_LOG"
fi
log "$skipped skipped"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
