#!/usr/bin/env bash
# CPU time per request of a liaison binary for GET /api/v1/contacts?state=FR: the server's user +
# system CPU time (/proc/<pid>/stat) over a 10-second wrk run (-t2 -c64, after a 2-second
# warm-up), divided by the requests answered. Unlike requests per second, this hardly depends on
# what else the machine runs, so binaries can be compared on a shared machine.
# Usage: bench/cpu_per_request.sh BINARY IO_THREADS WORKER_THREADS   (needs wrk; SQLite, 2,000
# contacts loaded by load_contacts.py as in contacts_vs_nginx.sh)
set -euo pipefail
bin=$1; io=$2; workers=$3
cd "$(dirname "$0")/.."
tmp=$(mktemp -d /tmp/liaison-cpu.XXXXXX)
trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > $tmp/l.toml <<TOML
[server]
host = "127.0.0.1"
port = $port
public_url = "http://127.0.0.1:$port"
io_threads = $io
worker_threads = $workers
[database]
url = "sqlite://$tmp/l.db"
[security]
secret_key = "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
[log]
level = "warn"
format = "json"
TOML
token=$("$bin" init --config $tmp/l.toml | sed -n 's/^token: //p')
"$bin" serve --config $tmp/l.toml --ready-file $tmp/ready >$tmp/log 2>&1 &
pid=$!
for _ in $(seq 1 300); do [ -s $tmp/ready ] && break; sleep 0.1; done
python3 bench/load_contacts.py --port $port --token "$token" --contacts 2000 >/dev/null
echo "wrk.headers[\"Authorization\"] = \"Bearer $token\"" > $tmp/a.lua
wrk -t2 -c64 -d2s -s $tmp/a.lua "http://127.0.0.1:$port/api/v1/contacts?state=FR" >/dev/null
ticks() { awk '{print $14+$15}' /proc/$pid/stat; }
t0=$(ticks)
out=$(wrk -t2 -c64 -d10s -s $tmp/a.lua "http://127.0.0.1:$port/api/v1/contacts?state=FR")
t1=$(ticks)
n=$(echo "$out" | awk '/requests in/{print $1}')
rps=$(echo "$out" | awk '/Requests\/sec/{print $2}')
hz=$(getconf CLK_TCK)
awk -v n="$n" -v rps="$rps" -v t0="$t0" -v t1="$t1" -v hz="$hz" -v name="$(basename $bin) io$io w$workers" -v load="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN { cpu=(t1-t0)/hz; printf "%s: %d requests, %.0f req/s, CPU %.2f s, %.1f us CPU per request, load %s\n", name, n, rps, cpu, cpu/n*1e6, load }'
kill $pid; wait $pid 2>/dev/null || true
