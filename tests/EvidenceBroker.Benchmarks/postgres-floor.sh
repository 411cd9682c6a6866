#!/usr/bin/env bash
# What PostgreSQL alone can do with a filing's rows, against the intake benchmark's bare INSERT, with no broker at all.
#
#   tests/EvidenceBroker.Benchmarks/postgres-floor.sh SOURCE_DATABASE [SECONDS]
#
# SOURCE_DATABASE is a broker database on PostgreSQL holding at least one filing made with an Idempotency-Key (after
# eb-load, say). Connection settings come from the usual PG* variables (PGHOST, PGPORT, PGUSER). The script copies
# the schema into a scratch database, takes one filing's rows as a template, and runs pgbench for SECONDS (10) in
# each case, then drops the scratch database:
#
#   bare         16 clients, each request one INSERT of the filing's body in its own transaction: what the
#                benchmark's bare endpoint asks of PostgreSQL.
#   batch-N      1 client, transactions of N filings (N = 4, 8, 16, 32; nine rows each: request, decision, two
#                audit entries, two deadlines, two outbox messages, idempotency key), each holding an advisory lock
#                until it commits, as a write batch holds the audit chain's; one INSERT per table for the whole
#                batch. The cheapest way PostgreSQL can take chained filings, N at a time.
#   unchained    16 clients, one filing per transaction and no lock: what the rows alone cost without a chain.
#
# It prints each case's rate in requests or filings per second, how busy the cores were, and the CPU each request
# or filing cost: pgbench's own, and everything else's (PostgreSQL, when nothing else runs on the machine).
# pgbench itself takes little CPU; the broker's own work (HTTP, token, validation, decision, JSON, hashing) comes on
# top of these figures, on the same two cores. See docs/throughput.md.
set -euo pipefail

source_db=${1:?usage: postgres-floor.sh SOURCE_DATABASE [SECONDS]}
seconds=${2:-10}
scratch="eb_floor_$$"
work=$(mktemp -d)
trap 'psql -qX -d postgres -c "DROP DATABASE IF EXISTS $scratch" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT

q() { psql -qAtX -v ON_ERROR_STOP=1 "$@"; }

q -d postgres -c "CREATE DATABASE $scratch"
pg_dump -s -x -O -d "$source_db" | q -d "$scratch" >/dev/null

# One filing's rows, as templates. The filing is the newest that has an idempotency key (both audit entries, both
# deadlines and both outbox messages belong to it).
filing=$(q -d "$source_db" -c 'SELECT "RequestId" FROM idempotency_keys ORDER BY "CreatedAt" DESC LIMIT 1')
[ -n "$filing" ] || { echo "no filing with an Idempotency-Key in $source_db" >&2; exit 1; }
copy_rows() { # table, filter
  q -d "$source_db" -c "COPY (SELECT * FROM $1 WHERE $2) TO STDOUT" > "$work/$1.tsv"
  q -d "$scratch" -c "CREATE TABLE tpl_$1 (LIKE $1)" -c "\\copy tpl_$1 FROM '$work/$1.tsv'"
}
copy_rows requests "\"Id\" = '$filing'"
copy_rows decisions "\"RequestId\" = '$filing'"
copy_rows audit_entries "\"SubjectType\" = 'request' AND \"SubjectId\" = '$filing'"
copy_rows deadlines "\"RequestId\" = '$filing'"
copy_rows outbox "\"RequestId\" = '$filing'"
copy_rows idempotency_keys "\"RequestId\" = '$filing'"
q -d "$scratch" \
  -c 'CREATE TABLE bench_bare (id TEXT PRIMARY KEY, body TEXT NOT NULL)' \
  -c 'CREATE TABLE tpl_body AS SELECT "Content" AS body FROM tpl_requests' \
  -c "CREATE SEQUENCE floor_audit START $(( $(q -d "$source_db" -c 'SELECT coalesce(max("Sequence"), 0) FROM audit_entries') + 1 ))"

# A SELECT list for TABLE that takes every column from its template t, except those given as column=expression.
select_list() {
  local table=$1; shift
  local cols; cols=$(q -d "$scratch" -c "SELECT string_agg(quote_ident(column_name), ' ' ORDER BY ordinal_position)
                                         FROM information_schema.columns WHERE table_name = '$table'")
  local out=() col expr pair
  for col in $cols; do
    expr="t.$col"
    for pair in "$@"; do [ "\"${pair%%=*}\"" = "$col" ] && expr=${pair#*=}; done
    out+=("$expr")
  done
  (IFS=,; echo "${out[*]}")
}

# The filings' rows, one INSERT per table, as many filings as :n (a new id, reference and key each).
cat > "$work/filings.sql" <<SQL
WITH f AS (SELECT gen_random_uuid() AS id, md5(random()::text) AS ref FROM generate_series(1, :n)),
r AS (INSERT INTO requests SELECT $(select_list requests 'Id=f.id' 'Reference=f.ref') FROM tpl_requests t, f),
d AS (INSERT INTO decisions SELECT $(select_list decisions 'RequestId=f.id') FROM tpl_decisions t, f),
a AS (INSERT INTO audit_entries SELECT $(select_list audit_entries "Sequence=nextval('floor_audit')" 'SubjectId=f.id::text') FROM tpl_audit_entries t, f),
l AS (INSERT INTO deadlines SELECT $(select_list deadlines 'Id=gen_random_uuid()' 'RequestId=f.id') FROM tpl_deadlines t, f),
o AS (INSERT INTO outbox SELECT $(select_list outbox 'Id=gen_random_uuid()' 'RequestId=f.id') FROM tpl_outbox t, f)
INSERT INTO idempotency_keys SELECT $(select_list idempotency_keys 'Key=f.ref' 'RequestId=f.id') FROM tpl_idempotency_keys t, f;
SQL
{ echo 'BEGIN;'; echo 'SELECT pg_advisory_xact_lock(4542484601);'; cat "$work/filings.sql"; echo 'COMMIT;'; } > "$work/chained.sql"
echo 'INSERT INTO bench_bare SELECT gen_random_uuid()::text, body FROM tpl_body;' > "$work/bare.sql"

busy_ticks() { # CPU ticks every core has spent busy since boot (all of /proc/stat's first line but idle and iowait)
  local cpu user nice system idle iowait rest
  read -r cpu user nice system idle iowait rest < /proc/stat
  local total=$(( user + nice + system )); for t in $rest; do total=$(( total + t )); done
  echo $total
}

run() { # name, filings or requests per transaction, pgbench arguments...
  local name=$1 per=$2; shift 2
  local before; before=$(busy_ticks)
  local out; out=$( { TIMEFORMAT='%U %S'; time pgbench -n -T "$seconds" "$@" "$scratch" 2>/dev/null; } 2>&1 )
  local after; after=$(busy_ticks)
  local tps; tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' <<< "$out")
  local client; client=$(tail -n 1 <<< "$out")
  awk -v n="$name" -v tps="$tps" -v per="$per" -v busy=$(( after - before )) -v hz="$(getconf CLK_TCK)" -v s="$seconds" \
      -v cores="$(nproc)" -v client="$client" 'BEGIN {
    split(client, c, " "); done = tps * per * s; all = busy / hz; mine = c[1] + c[2]
    printf "%-10s %7.0f /s   cores busy %3.0f %%   CPU each: PostgreSQL and the rest %.3f ms, pgbench %.3f ms\n",
      n, tps * per, 100 * all / s / cores, 1000 * (all - mine) / done, 1000 * mine / done }'
}

echo "PostgreSQL alone, ${seconds} s a case, filing $filing of $source_db as the template:"
run bare 1 -c 16 -j 2 -f "$work/bare.sql"
for n in 4 8 16 32; do run "batch-$n" "$n" -c 1 -D n="$n" -f "$work/chained.sql"; done
run unchained 1 -c 16 -j 2 -D n=1 -f "$work/filings.sql"
