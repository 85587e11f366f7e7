#!/usr/bin/env bash
# Runs a command with throw-away Redis servers on free loopback ports, and stops them (by process
# id) when the command ends, whatever its outcome: a plain redis-server (BULWARK_REDIS_URL), and
# the production topologies of tests/redis_topologies.py: TLS and mutual TLS with certificates
# made now, a Redis Cluster of three masters with a replica each, a master and replica under a
# Sentinel (BULWARK_REDIS_TLS_URL, _MTLS_URL, _CLUSTER_URL, _SENTINEL_URL, _TLS_DIR).
# Installs redis-server (and openssl) with apt-get when missing (the machines this runs on are root).
set -euo pipefail

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1 \
   || ! command -v openssl >/dev/null 2>&1; then
  echo "with-redis: redis-server, redis-cli or openssl not found; installing them with apt-get" >&2
  if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server redis-tools openssl >/dev/null
fi

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
workdir=$(mktemp -d)
redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
  --dir "$workdir" --daemonize no --loglevel warning >"$workdir/redis.log" 2>&1 &
redis_pid=$!
here=$(cd "$(dirname "$0")" && pwd)
cleanup() {
  kill "$redis_pid" 2>/dev/null || true
  wait "$redis_pid" 2>/dev/null || true
  python3 "$here/redis_topologies.py" stop "$workdir/topologies" || true
  rm -rf "$workdir"
}
trap cleanup EXIT INT TERM

for _ in $(seq 1 100); do
  if python3 - "$port" <<'PY' 2>/dev/null; then break; fi
import socket, sys
with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=0.2) as s:
    s.sendall(b"PING\r\n")
    assert s.recv(16).startswith(b"+PONG")
PY
  if ! kill -0 "$redis_pid" 2>/dev/null; then
    echo "with-redis: redis-server exited:" >&2; cat "$workdir/redis.log" >&2; exit 1
  fi
  sleep 0.1
done

export BULWARK_REDIS_URL="redis://127.0.0.1:$port/0"
echo "with-redis: redis-server on 127.0.0.1:$port (pid $redis_pid)"
python3 "$here/redis_topologies.py" start "$workdir/topologies" >"$workdir/topologies.env"
# shellcheck disable=SC1091
. "$workdir/topologies.env"
echo "with-redis: TLS, mutual TLS, cluster and sentinel topologies up ($BULWARK_REDIS_CLUSTER_URL, $BULWARK_REDIS_SENTINEL_URL)"
"$@"
