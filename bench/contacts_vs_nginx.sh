#!/usr/bin/env bash
# Benchmark: liaison answering GET /api/v1/contacts?state=FR (authenticated, filtered, from
# SQLite, through the access policy) against nginx serving the very same response body as a
# static file. Peer comparison, same machine, same client (wrk), same connection count.
#
# Usage (as root, or a user that may run apt through sudo):  bench/contacts_vs_nginx.sh
# Environment:
#   BENCH_DURATION=10s      wrk duration per run
#   BENCH_CONNECTIONS=64    wrk connections (-c); wrk threads are fixed at 2 (-t2)
#   BENCH_RUNS="2:warn 4:warn 4:info"
#                           liaison runs as worker_threads:log_level[:nocache]; "warn" silences
#                           the access log, "info" (the default level) writes one JSON line per
#                           request; "nocache" turns the contact list cache off
#                           ([server] response_cache_bytes = 0)
#   BENCH_IO_THREADS=1      liaison [server] io_threads
#   BENCH_SKIP_BUILD=1      use an existing build/release/liaison
#   LIAISON_BIN=path        use this binary (implies BENCH_SKIP_BUILD)
#   BENCH_KEEP=1            keep the temporary directory (config, database, logs)
#   BENCH_DATABASE=postgresql
#                           store the node in a throwaway local PostgreSQL cluster (fsync on,
#                           tests/support/pg_cluster.py --durable) instead of SQLite
#   BENCH_CLUSTER=1         afterwards, also run BENCH_CLUSTER_SERVERS (3) `liaison serve`
#                           processes on the one database behind an nginx load balancer, and
#                           compare one server direct, one through the balancer and all through
#                           it, under the read load and under a write-mixed load (see the
#                           "cluster" block at the end and bench/README.md)
#   BENCH_CLUSTER_WORKERS=4 worker_threads of each cluster server
#   BENCH_WRITE_EVERY=10    in the mixed load, every Nth request of a wrk thread is a PATCH
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

duration=${BENCH_DURATION:-10s}
connections=${BENCH_CONNECTIONS:-64}
runs=${BENCH_RUNS:-"2:warn 4:warn 4:info"}
io_threads=${BENCH_IO_THREADS:-1}
database=${BENCH_DATABASE:-sqlite}
state=FR
path="/api/v1/contacts?state=$state"

scripts/deps bench

if [ -n "${LIAISON_BIN:-}" ]; then
  bin=$LIAISON_BIN
else
  if [ "${BENCH_SKIP_BUILD:-0}" != 1 ]; then
    cmake -S . -B build/release -G Ninja -DCMAKE_BUILD_TYPE=Release -DLIAISON_TESTS=OFF >/dev/null
    cmake --build build/release --target liaison
  fi
  # The executable target is declared in src/CMakeLists.txt, so it lands in build/release/src/.
  bin=$root/build/release/liaison
  [ -x "$bin" ] || bin=$root/build/release/src/liaison
fi
[ -x "$bin" ] || { echo "bench: no liaison binary at $bin" >&2; exit 1; }

tmp=$(mktemp -d /tmp/liaison-bench.XXXXXX)
liaison_pid=
nginx_pid=
stop_liaison() {
  if [ -n "$liaison_pid" ] && kill -0 "$liaison_pid" 2>/dev/null; then
    kill -TERM "$liaison_pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$liaison_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$liaison_pid" 2>/dev/null || true
    wait "$liaison_pid" 2>/dev/null || true
  fi
  liaison_pid=
}
cleanup() {
  stop_liaison
  if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then
    kill -TERM "$nginx_pid" 2>/dev/null || true  # the master stops its workers
    wait "$nginx_pid" 2>/dev/null || true
  fi
  if [ -s "$tmp/pg/data_dir" ]; then /usr/bin/python3 tests/support/pg_cluster.py stop "$tmp/pg"; fi
  if [ "${BENCH_KEEP:-0}" = 1 ]; then echo "bench: kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# --- liaison ---------------------------------------------------------------------------------
case "$database" in
  sqlite) db_url="sqlite://$tmp/liaison.db"; db_note="SQLite WAL in $tmp" ;;
  postgresql)
    /usr/bin/python3 tests/support/pg_cluster.py start "$tmp/pg" --durable >/dev/null
    db_url=$(cat "$tmp/pg/url")
    db_note="PostgreSQL $(pg_config --version 2>/dev/null | sed 's/PostgreSQL //') on loopback (fsync on), pool_size = worker threads + 2" ;;
  *) echo "bench: BENCH_DATABASE must be sqlite or postgresql" >&2; exit 2 ;;
esac
liaison_port=$(free_port)
cat > "$tmp/liaison.toml" <<TOML
[server]
host = "127.0.0.1"
port = $liaison_port
public_url = "http://127.0.0.1:$liaison_port"
io_threads = $io_threads
worker_threads = 4

[database]
url = "$db_url"

[security]
secret_key = "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"

[log]
level = "warn"
format = "json"
TOML
chmod 600 "$tmp/liaison.toml"

token=$("$bin" init --config "$tmp/liaison.toml" | sed -n 's/^token: //p')
[ -n "$token" ] || { echo "bench: liaison init printed no token" >&2; exit 1; }

# start_liaison WORKERS LEVEL [CACHE_BYTES]: (re)starts the server with config overrides from the
# environment.
start_liaison() {
  rm -f "$tmp/ready"
  local pool=4  # The default; on PostgreSQL one connection per worker thread plus two.
  [ "$database" = sqlite ] || pool=$(($1 + 2))
  LIAISON_SERVER_WORKER_THREADS=$1 LIAISON_LOG_LEVEL=$2 LIAISON_DATABASE_POOL_SIZE=$pool \
    LIAISON_SERVER_RESPONSE_CACHE_BYTES=${3:-67108864} \
    "$bin" serve --config "$tmp/liaison.toml" --ready-file "$tmp/ready" \
    >>"$tmp/liaison-$1-$2.log" 2>&1 &
  liaison_pid=$!
  wait_ready "$liaison_pid" "$tmp/ready" "$tmp/liaison-$1-$2.log"
}

# wait_ready PID READY_FILE LOG: waits up to 30 s for a server to write its ready file; exits the
# script with the log's tail if the server exits or never gets ready.
wait_ready() {
  for _ in $(seq 1 300); do
    [ -s "$2" ] && return 0
    kill -0 "$1" 2>/dev/null || { echo "bench: liaison serve exited:" >&2; tail -20 "$3" >&2; exit 1; }
    sleep 0.1
  done
  echo "bench: liaison serve ($3) did not become ready" >&2; exit 1
}

start_liaison 4 warn
python3 bench/load_contacts.py --port "$liaison_port" --token "$token" --contacts 2000

mkdir -p "$tmp/www/api/v1"
status=$(curl -s -o "$tmp/www/api/v1/contacts" -w '%{http_code}' \
  -H "Authorization: Bearer $token" "http://127.0.0.1:$liaison_port$path")
[ "$status" = 200 ] || { echo "bench: GET $path answered $status" >&2; cat "$tmp/www/api/v1/contacts" >&2; exit 1; }
count=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(len(d["items"]))' "$tmp/www/api/v1/contacts")
bytes=$(wc -c < "$tmp/www/api/v1/contacts")
echo "bench: GET $path returns $count contacts, $bytes bytes"

# --- nginx, serving the same body at the same path -------------------------------------------
nginx_port=$(free_port)
chmod 755 "$tmp" "$tmp/www" "$tmp/www/api" "$tmp/www/api/v1"
chmod 644 "$tmp/www/api/v1/contacts"
cat > "$tmp/nginx.conf" <<NGINX
daemon off;
worker_processes 2;
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  types { }
  default_type application/json;
  client_body_temp_path $tmp/nginx-body;
  proxy_temp_path $tmp/nginx-proxy;
  fastcgi_temp_path $tmp/nginx-fastcgi;
  uwsgi_temp_path $tmp/nginx-uwsgi;
  scgi_temp_path $tmp/nginx-scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nginx_port;
    root $tmp/www;
  }
}
NGINX
nginx -p "$tmp" -c "$tmp/nginx.conf" -e "$tmp/nginx-error.log" &
nginx_pid=$!
for _ in $(seq 1 100); do
  curl -s -o /dev/null "http://127.0.0.1:$nginx_port$path" && break
  sleep 0.1
done
cmp -s <(curl -s "http://127.0.0.1:$nginx_port$path") "$tmp/www/api/v1/contacts" \
  || { echo "bench: nginx does not serve the same body" >&2; cat "$tmp/nginx-error.log" >&2; exit 1; }

# --- wrk ---------------------------------------------------------------------------------------
cat > "$tmp/auth.lua" <<'LUA'
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_TOKEN")
LUA

# run_wrk NAME URL: runs wrk and prints "NAME rps p50_ms p99_ms non2xx".
run_wrk() {
  BENCH_TOKEN=$token wrk -t2 -c"$connections" -d"$duration" --latency -s "$tmp/auth.lua" "$2" \
    > "$tmp/wrk-$1.txt" 2>&1
  python3 - "$1" "$tmp/wrk-$1.txt" <<'PY'
import re, sys
name, text = sys.argv[1], open(sys.argv[2]).read()
def ms(v, unit):
    return float(v) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]
rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
p = {q: re.search(rf"^\s+{q}%\s+([\d.]+)(us|ms|s|m)\s*$", text, re.M) for q in ("50", "99")}
bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
errs = re.search(r"Socket errors:.*", text)
if not rps:
    sys.exit(f"bench: cannot parse wrk output for {name}:\n{text}")
print(name, rps.group(1),
      *(f"{ms(*m.groups()):.2f}" if m else "-" for m in (p["50"], p["99"])),
      bad.group(1) if bad else "0", "errors" if errs else "-")
PY
}

results=()
results+=("$(run_wrk nginx "http://127.0.0.1:$nginx_port$path")")
for run in $runs; do
  IFS=: read -r workers level cache <<<"$run"
  stop_liaison
  if [ "$cache" = nocache ]; then
    start_liaison "$workers" "$level" 0
    level=$level-nocache
  else
    start_liaison "$workers" "$level"
  fi
  # A short warm-up so that the first run does not pay for cold caches alone.
  BENCH_TOKEN=$token wrk -t2 -c"$connections" -d2s -s "$tmp/auth.lua" \
    "http://127.0.0.1:$liaison_port$path" >/dev/null 2>&1 || true
  results+=("$(run_wrk "liaison-w$workers-$level" "http://127.0.0.1:$liaison_port$path")")
done
stop_liaison

# --- report ------------------------------------------------------------------------------------
echo
echo "GET $path ($count contacts, $bytes bytes), wrk -t2 -c$connections -d$duration, $(nproc) cores, $(date -u +%FT%TZ)"
echo "nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'): worker_processes 2, access_log off, static file"
echo "liaison: io_threads $io_threads, $db_note, one Bearer token; log level warn = no access log, info = JSON access log to a file"
python3 - "${results[@]}" <<'PY'
import sys
rows = [r.split() for r in sys.argv[1:]]
nginx = float(rows[0][1])
print(f"{'server':<22}{'req/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}{'vs nginx':>10}")
for name, rps, p50, p99, bad, errs in rows:
    note = "" if errs == "-" else "  (socket errors, see wrk output)"
    print(f"{name:<22}{float(rps):>12.0f}{p50:>10}{p99:>10}{bad:>10}{float(rps) / nginx:>10.3f}{note}")
PY
for r in "${results[@]}"; do
  set -- $r
  if [ "$5" != 0 ]; then echo "bench: WARNING: $1 answered $5 non-2xx responses; its figure is not valid" >&2; fi
done

# --- cluster: several servers on one database behind nginx (BENCH_CLUSTER=1) -----------------
# Kept apart from the single-server runs above. The same node (database, data set, token) is
# served by BENCH_CLUSTER_SERVERS `liaison serve` processes on their own ports; a second nginx
# balances over them (an upstream with keep-alive connections to the servers, round robin).
# Each load runs three ways: one server directly, one server through the balancer (the
# balancer's own cost), and every server through the balancer. Two loads: the read load above,
# and a write-mixed load in which every BENCH_WRITE_EVERY-th request of a wrk thread is a
# PATCH /api/v1/contacts/{id} with If-Match (each wrk thread patches its own contacts, one at a
# time each, and learns the new ETag from the answer), the rest the same GET.
cluster_pids=()
cluster_ports=()
balancer_pid=
stop_cluster() {
  local pid
  for pid in "${cluster_pids[@]}" $balancer_pid; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${cluster_pids[@]}" $balancer_pid; do wait "$pid" 2>/dev/null || true; done
  cluster_pids=()
  balancer_pid=
}

# start_cluster_server INDEX PORT: one more server of the cluster, on the node's configuration.
start_cluster_server() {
  local workers=${BENCH_CLUSTER_WORKERS:-4} ready="$tmp/ready-cluster-$1" pool=4
  [ "$database" = sqlite ] || pool=$((workers + 2))
  rm -f "$ready"
  LIAISON_SERVER_PORT=$2 LIAISON_SERVER_WORKER_THREADS=$workers LIAISON_LOG_LEVEL=warn \
    LIAISON_DATABASE_POOL_SIZE=$pool \
    "$bin" serve --config "$tmp/liaison.toml" --ready-file "$ready" >>"$tmp/cluster-$1.log" 2>&1 &
  cluster_pids+=($!)
  wait_ready "${cluster_pids[-1]}" "$ready" "$tmp/cluster-$1.log"
}

# dump_contacts PORT FILE: every contact's id and current ETag, as a Lua table (for mixed.lua).
dump_contacts() {
  python3 - "$1" "$token" "$2" <<'PY'
import http.client, json, sys, urllib.parse
port, token, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
items, cursor = [], None
while True:
    query = {"limit": "100", **({"cursor": cursor} if cursor else {})}
    conn.request("GET", "/api/v1/contacts?" + urllib.parse.urlencode(query),
                 headers={"Authorization": f"Bearer {token}"})
    page = json.loads(conn.getresponse().read())
    items += page["items"]
    cursor = page.get("next")
    if not cursor:
        break
with open(out, "w") as f:
    f.write("return {\n")
    for c in items:
        f.write(f'  {{id = "{c["id"]}", etag = \'"{c["version"]}"\'}},\n')
    f.write("}\n")
PY
}

# versions_added BEFORE AFTER: how many versions the contacts gained between two dumps, i.e.
# how many PATCHes committed.
versions_added() {
  python3 - "$1" "$2" <<'PY'
import re, sys
def versions(path):
    return {m[0]: int(m[1]) for m in re.findall(r'id = "(ctc_\w+)", etag = \'"(\d+)"\'', open(path).read())}
before, after = versions(sys.argv[1]), versions(sys.argv[2])
print(sum(after[k] - v for k, v in before.items()))
PY
}

# run_wrk_mixed NAME URL: run_wrk with the write-mixed script, starting from the contacts'
# current ETags; prints run_wrk's row with the number of committed PATCHes appended.
run_wrk_mixed() {
  local saved=$tmp/auth.lua.read row
  dump_contacts "${cluster_ports[0]}" "$tmp/contacts.lua"
  cp "$tmp/auth.lua" "$saved"
  cp "$tmp/mixed.lua" "$tmp/auth.lua"
  row=$(run_wrk "$@")
  cp "$saved" "$tmp/auth.lua"
  dump_contacts "${cluster_ports[0]}" "$tmp/contacts-after.lua"
  echo "$row $(versions_added "$tmp/contacts.lua" "$tmp/contacts-after.lua")"
}

run_cluster_bench() {
  local servers=${BENCH_CLUSTER_SERVERS:-3} i ports=() upstream_all=""
  cluster_ports=()
  trap 'stop_cluster; cleanup' EXIT
  stop_liaison
  for i in $(seq 1 "$servers"); do ports+=("$(free_port)"); done
  cluster_ports=("${ports[@]}")
  for i in $(seq 1 "$servers"); do upstream_all+="    server 127.0.0.1:${ports[$((i - 1))]};"$'\n'; done
  local lb_one lb_all
  lb_one=$(free_port)
  lb_all=$(free_port)
  cat > "$tmp/balancer.conf" <<NGINX
daemon off;
worker_processes 1;
pid $tmp/balancer.pid;
error_log $tmp/balancer-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $tmp/balancer-body;
  proxy_temp_path $tmp/balancer-proxy;
  fastcgi_temp_path $tmp/balancer-fastcgi;
  uwsgi_temp_path $tmp/balancer-uwsgi;
  scgi_temp_path $tmp/balancer-scgi;
  keepalive_requests 1000000;
  upstream liaison_one {
    server 127.0.0.1:${ports[0]};
    keepalive 64;
  }
  upstream liaison_all {
$upstream_all    keepalive 64;
  }
  server {
    listen 127.0.0.1:$lb_one;
    location / { proxy_pass http://liaison_one; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
  server {
    listen 127.0.0.1:$lb_all;
    location / { proxy_pass http://liaison_all; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
NGINX
  nginx -p "$tmp" -c "$tmp/balancer.conf" -e "$tmp/balancer-error.log" &
  balancer_pid=$!

  start_cluster_server 1 "${ports[0]}"
  cat > "$tmp/mixed.lua" <<LUA
-- Mostly GET $path; every Nth request of a thread is a PATCH of one of the thread's own contacts
-- with If-Match, a contact at most once in flight. The answer's ETag is the next If-Match.
-- (wrk.format with a header table of its own does not add wrk.headers: the token goes in it.)
local every = tonumber(os.getenv("BENCH_WRITE_EVERY") or "10")
local token = os.getenv("BENCH_TOKEN")
wrk.headers["Authorization"] = "Bearer " .. token
local next_tid = 0
function setup(thread)
  next_tid = next_tid + 1
  thread:set("tid", next_tid)
end
local idle, etags, in_flight, counter = {}, {}, {}, 0
function init(args)
  local all = dofile("$tmp/contacts.lua")
  for i, c in ipairs(all) do
    if i % 2 == tid - 1 then
      table.insert(idle, c.id)
      etags[c.id] = c.etag
    end
  end
end
function request()
  counter = counter + 1
  if counter % every == 0 and #idle > 0 then
    local id = table.remove(idle, 1)
    in_flight[id] = true
    return wrk.format("PATCH", "/api/v1/contacts/" .. id,
      {["Authorization"] = "Bearer " .. token, ["If-Match"] = etags[id],
       ["Content-Type"] = "application/json"},
      '{"title":"Duty officer ' .. tid .. "-" .. counter .. '"}')
  end
  return wrk.format("GET", "$path")
end
function response(status, headers, body)
  if status ~= 200 or body:sub(1, 9) == '{"items":' then return end
  local id = body:match('^{"id":"(ctc_[%w]+)"')
  if id and in_flight[id] then
    in_flight[id] = nil
    etags[id] = headers["ETag"] or headers["etag"]
    table.insert(idle, id)
  end
end
LUA

  local read_rows=() mixed_rows=()
  # Warm-up, then one server directly and through the balancer.
  BENCH_TOKEN=$token wrk -t2 -c"$connections" -d2s -s "$tmp/auth.lua" \
    "http://127.0.0.1:${ports[0]}$path" >/dev/null 2>&1 || true
  read_rows+=("$(run_wrk "direct-1" "http://127.0.0.1:${ports[0]}$path")")
  read_rows+=("$(run_wrk "balancer-1" "http://127.0.0.1:$lb_one$path")")
  mixed_rows+=("$(run_wrk_mixed "mixed-direct-1" "http://127.0.0.1:${ports[0]}$path")")
  mixed_rows+=("$(run_wrk_mixed "mixed-balancer-1" "http://127.0.0.1:$lb_one$path")")
  for i in $(seq 2 "$servers"); do start_cluster_server "$i" "${ports[$((i - 1))]}"; done
  BENCH_TOKEN=$token wrk -t2 -c"$connections" -d2s -s "$tmp/auth.lua" \
    "http://127.0.0.1:$lb_all$path" >/dev/null 2>&1 || true
  read_rows+=("$(run_wrk "balancer-$servers" "http://127.0.0.1:$lb_all$path")")
  mixed_rows+=("$(run_wrk_mixed "mixed-balancer-$servers" "http://127.0.0.1:$lb_all$path")")
  stop_cluster

  echo
  echo "cluster: $servers liaison serve processes (worker_threads ${BENCH_CLUSTER_WORKERS:-4} each, log level warn) on one database ($db_note)"
  echo "balancer: nginx $(nginx -v 2>&1 | sed 's/.*nginx\///'), worker_processes 1, upstream keepalive 64, round robin; wrk -t2 -c$connections -d$duration; load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "mixed: every ${BENCH_WRITE_EVERY:-10}th request of a wrk thread is PATCH /api/v1/contacts/{id} with If-Match; "PATCH ok" = versions the contacts gained (committed PATCHes)"
  python3 - "${read_rows[@]}" -- "${mixed_rows[@]}" <<'PY'
import sys
args = sys.argv[1:]
cut = args.index("--")
print(f"{'load':<8}{'path':<22}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}"
      f"{'PATCH ok':>10}{'vs direct-1':>13}")
for load, rows in (("read", args[:cut]), ("mixed", args[cut + 1:])):
    rows = [r.split() for r in rows]
    base = float(rows[0][1])
    for name, rps, p50, p99, bad, errs, *patched in rows:
        note = "" if errs == "-" else "  (socket errors)"
        print(f"{load:<8}{name:<22}{float(rps):>10.0f}{p50:>10}{p99:>10}{bad:>10}"
              f"{(patched or ['-'])[0]:>10}{float(rps) / base:>13.3f}{note}")
PY
}

if [ "${BENCH_CLUSTER:-0}" = 1 ]; then run_cluster_bench; fi
