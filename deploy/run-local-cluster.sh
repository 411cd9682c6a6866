#!/usr/bin/env bash
# Runs the two-node broker cluster of deploy/compose.yaml on this machine, against a PostgreSQL you already have:
# no containers, both nodes on loopback. The cluster tests (tests/EvidenceBroker.Cluster.Tests) drive it.
#
#   deploy/run-local-cluster.sh start --connection "Host=127.0.0.1;Port=55499;Username=eb;Database=eb_cluster"
#                                     [--ports 5101,5102] [--state DIR] [--server-dir DIR] [--environment Development]
#   deploy/run-local-cluster.sh node N [--state DIR]     (re)start node N alone, e.g. after kill -9
#   deploy/run-local-cluster.sh stop [--state DIR]       stop both nodes (SIGTERM, then SIGKILL after 10 s)
#
# start: builds the server once (unless --server-dir names a built one), makes throwaway PKCS#12 token
# certificates and an audit key with openssl the first time it runs on a state directory and keeps them after (the
# same files for both nodes, so a token from one node is valid on the other, and for every start, so a cluster
# started again on the same database opens what it sealed and verifies what it signed),
# starts node 1, waits for /health/ready (node 1 applies the EF Core migrations and Hangfire's schema, and in
# Development seeds the demo data — seeding is not safe to race), then starts node 2 with migrations off and waits
# for it too. Prints "node1 <pid> <url>" and "node2 <pid> <url>". Logs: STATE/node1.log, STATE/node2.log.
# Exits 3 if a node could not bind its port because something else holds it.
#
# Development is the default environment because the demo API clients exist only there; the certificates, the audit
# key and the issuer are configured all the same, as in production (with --environment Production the nodes start,
# but nothing is seeded: no demo agency, provider, user or client exists). Every other setting can be passed through the
# environment (e.g. RateLimits__IntakeBurst=100000): the nodes inherit it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

command=${1:-}
[ $# -gt 0 ] && shift
state=${EB_CLUSTER_STATE:-/tmp/eb-cluster}
connection=${EB_CLUSTER_CONNECTION:-}
ports=${EB_CLUSTER_PORTS:-5101,5102}
server_dir=
environment=Development
node=
while [ $# -gt 0 ]; do
  case "$1" in
    --connection) connection=$2; shift 2 ;;
    --ports) ports=$2; shift 2 ;;
    --state) state=$2; shift 2 ;;
    --server-dir) server_dir=$2; shift 2 ;;
    --environment) environment=$2; shift 2 ;;
    [0-9]*) node=$1; shift ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done

log() { printf '==> %s\n' "$*" >&2; }

port_of() { cut -d, -f"$1" <<<"$ports"; }

# Everything a node needs, written once by start so that `node N` restarts it with the same settings.
write_config() {
  mkdir -p "$state/certs" "$state/files"
  if [ -z "$server_dir" ]; then
    log "building the server (Release)"
    dotnet build "$root/src/EvidenceBroker.Server" -c Release -nologo -v quiet -o "$state/bin" >&2
    server_dir="$state/bin"
  fi
  [ -f "$server_dir/EvidenceBroker.Server.dll" ] || { echo "no EvidenceBroker.Server.dll in $server_dir" >&2; exit 2; }

  # The certificates and the audit key are made once per state directory and kept: the database holds
  # data-protection keys encrypted with the encryption certificate (and with them every webhook secret and
  # authenticator key) and seals and checkpoints signed with the audit key, so a cluster started again on the same
  # database must find the same ones. A certificate that expires within a day is replaced; the encryption
  # certificates it replaces stay listed as previous ones, so that the keys they encrypted still open.
  local password
  if [ ! -s "$state/certs/password" ]; then
    (umask 077 && openssl rand -hex 16 >"$state/certs/password")
  fi
  password=$(cat "$state/certs/password")
  for use in signing encryption; do
    if [ -s "$state/certs/$use.pfx" ] && openssl x509 -checkend 86400 -noout -in "$state/certs/$use.crt" 2>/dev/null; then
      continue
    fi
    if [ "$use" = encryption ] && [ -s "$state/certs/encryption.pfx" ]; then
      mv "$state/certs/encryption.pfx" "$state/certs/encryption-until-$(date -u +%Y%m%dT%H%M%SZ).pfx"
    fi
    local usage=digitalSignature
    [ "$use" = encryption ] && usage=keyEncipherment
    log "making the $use certificate"
    openssl req -x509 -newkey rsa:2048 -sha256 -days 365 -nodes -subj "/CN=Evidence Broker local cluster $use" \
      -addext "keyUsage=critical,$usage" -keyout "$state/certs/$use.key" -out "$state/certs/$use.crt" 2>/dev/null
    openssl pkcs12 -export -inkey "$state/certs/$use.key" -in "$state/certs/$use.crt" \
      -out "$state/certs/$use.pfx" -passout "pass:$password"
    rm -f "$state/certs/$use.key"
  done
  # One audit key for the cluster, as in production: every node's checkpoints are then checked against it.
  if [ ! -s "$state/certs/audit-signing.pem" ]; then
    log "making the audit signing key"
    openssl ecparam -name prime256v1 -genkey -noout -out "$state/certs/audit-signing.pem" 2>/dev/null
  fi
  chmod 600 "$state/certs/"*.pfx "$state/certs/audit-signing.pem"

  {
    printf 'server_dir=%q\n' "$server_dir"
    printf 'ports=%q\n' "$ports"
    printf 'export ASPNETCORE_ENVIRONMENT=%q\n' "$environment"
    printf 'export Database__Provider=Postgres\n'
    printf 'export Database__ConnectionString=%q\n' "$connection"
    # One issuer for the cluster: tokens name it, and every node must accept tokens any node issued.
    printf 'export Auth__Issuer=%q\n' "http://127.0.0.1:$(port_of 1)/"
    printf 'export Auth__SigningCertificatePath=%q\n' "$state/certs/signing.pfx"
    printf 'export Auth__SigningCertificatePassword=%q\n' "$password"
    printf 'export Auth__EncryptionCertificatePath=%q\n' "$state/certs/encryption.pfx"
    printf 'export Auth__EncryptionCertificatePassword=%q\n' "$password"
    local previous=0 old
    for old in "$state/certs/"encryption-until-*.pfx; do
      [ -e "$old" ] || continue
      printf 'export Auth__PreviousEncryptionCertificates__%d__Path=%q\n' "$previous" "$old"
      printf 'export Auth__PreviousEncryptionCertificates__%d__Password=%q\n' "$previous" "$password"
      previous=$((previous + 1))
    done
    printf 'export Auth__AllowHttp=true\n'
    printf 'export Audit__SigningKeyPath=%q\n' "$state/certs/audit-signing.pem"
    printf 'export Storage__Root=%q\n' "$state/files"
    printf 'export Policy__PackDirectory=%q\n' "$root/policies"
  } >"$state/cluster.env"
  chmod 600 "$state/cluster.env"
}

start_node() {
  local n=$1
  # shellcheck disable=SC1091
  source "$state/cluster.env"
  local port url pid
  port=$(port_of "$n")
  url="http://127.0.0.1:$port"
  if [ -f "$state/node$n.pid" ] && kill -0 "$(cat "$state/node$n.pid")" 2>/dev/null; then
    echo "node $n is already running (pid $(cat "$state/node$n.pid"))" >&2; exit 1
  fi
  # Only node 1 migrates: the schema exists before any other node starts (compose does the same with depends_on).
  local migrate=false
  [ "$n" = 1 ] && migrate=true
  local logged_before=0
  [ -f "$state/node$n.log" ] && logged_before=$(stat -c %s "$state/node$n.log")
  (
    cd "$server_dir"
    export ASPNETCORE_URLS="$url" Database__MigrateAtStart=$migrate
    exec dotnet EvidenceBroker.Server.dll </dev/null >>"$state/node$n.log" 2>&1
  ) &
  pid=$!
  echo "$pid" >"$state/node$n.pid"
  for _ in $(seq 1 240); do
    if curl -fsS -o /dev/null --max-time 2 "$url/health/ready" 2>/dev/null; then
      echo "node$n $pid $url"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "node $n exited during start; last lines of $state/node$n.log:" >&2
      tail -n 40 "$state/node$n.log" >&2
      # Exit 3 when its port was taken (by this start's log, not an earlier one's): a caller that chose the ports can
      # choose others and start again.
      if tail -c +$((logged_before + 1)) "$state/node$n.log" | grep -q 'address already in use'; then exit 3; fi
      exit 1
    fi
    sleep 0.5
  done
  echo "node $n was not ready within 120 s; see $state/node$n.log" >&2
  kill -9 "$pid" 2>/dev/null || true
  exit 1
}

stop_nodes() {
  local pids=()
  for n in 1 2; do
    if [ -f "$state/node$n.pid" ]; then
      local pid
      pid=$(cat "$state/node$n.pid")
      if kill -0 "$pid" 2>/dev/null; then kill -TERM "$pid" && pids+=("$pid"); fi
      rm -f "$state/node$n.pid"
    fi
  done
  for _ in $(seq 1 20); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && return 0
    sleep 0.5
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
}

case "$command" in
  start)
    [ -n "$connection" ] || { echo "start needs --connection (an Npgsql connection string)" >&2; exit 2; }
    mkdir -p "$state"
    write_config
    start_node 1
    start_node 2
    ;;
  node)
    [ -n "$node" ] || { echo "node needs a number (1 or 2)" >&2; exit 2; }
    [ -f "$state/cluster.env" ] || { echo "no cluster in $state: run start first" >&2; exit 2; }
    start_node "$node"
    ;;
  stop)
    stop_nodes
    ;;
  *)
    sed -n '2,20p' "$0" >&2
    exit 2
    ;;
esac
