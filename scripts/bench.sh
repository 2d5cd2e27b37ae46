#!/usr/bin/env bash
# Measures vnstat-exporter against a minimal net/http server in one run:
#  - requests/s of the webhook vs. scripts/benchserver serving a body of the
#    same size, same wrk settings, in ROUNDS rounds (default 5) that
#    alternate the servers; the median of each and their ratio; p50/p99.
#    With BENCH_BASE=<git revision>, the daemon built at that revision runs
#    in the same rounds, so before and after are measured in one run;
#  - the daemon's RSS idle and under load, and with 10,000 idle keep-alive
#    connections (scripts/idleconns) at the default MAX_CONNECTIONS and
#    with no practical cap;
#  - time from start to the first 200 from the webhook;
#  - the poll cost for 50 and 2,000 interfaces x 62 days: the vnstat child
#    the daemon used to run, and a whole poll reading the database;
#  - the Go benchmarks (go test -bench . -benchmem);
#  - the stripped binary's size, and what the notification library
#    (shoutrrr) and the alert package take of it.
# Needs vnstat, sqlite3, wrk and time (apt-get install vnstat sqlite3 wrk curl time).
#   [ROUNDS=5] [BENCH_BASE=rev] scripts/bench.sh [seconds per round]   (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
rounds=${ROUNDS:-5}
conns=64
threads=2
for tool in vnstat vnstatd sqlite3 wrk curl /usr/bin/time; do
  command -v $tool >/dev/null || { echo "bench: $tool is missing (apt-get install vnstat sqlite3 wrk curl time)" >&2; exit 1; }
done
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

echo "# vnstat-exporter benchmark, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(go version | cut -d' ' -f3)"
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/vnstat-exporter" ./cmd/vnstat-exporter
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/benchserver" ./scripts/benchserver
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/idleconns" ./scripts/idleconns
echo "binaries: vnstat-exporter $(stat -c %s "$work/vnstat-exporter") bytes, benchserver $(stat -c %s "$work/benchserver") bytes"
if [ -n "${BENCH_BASE:-}" ]; then
  base_rev=$(git rev-parse --short "$BENCH_BASE")
  git worktree add -q --detach "$work/base" "$base_rev"
  (cd "$work/base" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/vnstat-exporter-before" ./cmd/vnstat-exporter)
  git worktree remove --force "$work/base"
  echo "before: the daemon at $base_rev ($(git log -1 --format=%s "$base_rev" | cut -c1-60)...)"
fi

# makedb DIR NAME...: a vnstat database with the named interfaces and 62
# days of rows each, ending today.
makedb() {
  local dir=$1 i=0 name
  shift
  mkdir -p "$dir"
  printf 'DatabaseDir "%s"\n' "$dir" >"$dir/vnstat.conf"
  vnstatd --initdb --config "$dir/vnstat.conf" >/dev/null
  {
    echo "BEGIN;"
    for name in "$@"; do
      i=$((i + 1))
      echo "INSERT INTO interface(id,name,alias,active,created,updated,rxcounter,txcounter,rxtotal,txtotal) VALUES($i,'$name','',1,datetime('now','localtime','-70 days'),datetime('now','localtime'),0,0,0,0);"
      for d in $(seq 0 61); do
        echo "INSERT INTO day(interface,date,rx,tx) VALUES($i,date('now','localtime','-$d days'),$(( (d + 1) * 7340033 * i + 5000000000 )),$(( (d + 3) * 1048583 * i )));"
      done
    done
    echo "COMMIT;"
  } | sqlite3 "$dir/vnstat.db"
}
# The webhook is served for the host's loopback, which every machine has.
makedb "$work/db1" lo

port=18480
secret=/webhook/bench
# start_daemon [BINARY [PORT [ENV...]]]: starts a daemon on db1; sets $daemon.
start_daemon() {
  local bin=${1:-$work/vnstat-exporter} p=${2:-$port}
  shift 2 2>/dev/null || shift $#
  env VNSTAT_DBDIR="$work/db1" INTERFACES=lo WEBHOOK_PATH=$secret LISTEN_HOST=127.0.0.1 PORT=$p LIVE=false "$@" \
    "$bin" >>"$work/daemon.log" 2>&1 &
  daemon=$!
  pids+=("$daemon")
}
# answers PORT: waits for the daemon on PORT to answer the webhook 200.
answers() {
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1$secret" 2>/dev/null)" = 200 ]; do sleep 0.002; done
}

# Time to the first 200, five starts.
firsts=()
for _ in 1 2 3 4 5; do
  t0=$(date +%s%N)
  start_daemon
  answers $port
  firsts+=($(( ($(date +%s%N) - t0) / 1000000 )))
  kill "$daemon"; wait "$daemon" 2>/dev/null || true
done
echo "first 200 after start (ms, 5 starts): ${firsts[*]}"

start_daemon
main_daemon=$daemon
answers $port
curl -s "http://127.0.0.1:$port$secret" >"$work/body.json"
sleep 3
rss_idle=$(awk '/VmRSS/{print $2}' /proc/$main_daemon/status)
echo "daemon RSS idle: $rss_idle KiB ($(awk '/RssAnon|RssFile/{printf "%s %s KiB ", $1, $2}' /proc/$main_daemon/status)); body $(stat -c %s "$work/body.json") bytes"
"$work/benchserver" -addr 127.0.0.1:$((port + 1)) -body "$work/body.json" &
pids+=($!)
sleep 0.5
echo "benchserver RSS idle: $(awk '/VmRSS/{print $2}' /proc/$!/status) KiB ($(awk '/RssAnon|RssFile/{printf "%s %s KiB ", $1, $2}' /proc/$!/status))"
servers=("daemon http://127.0.0.1:$port$secret")
if [ -n "${BENCH_BASE:-}" ]; then
  start_daemon "$work/vnstat-exporter-before" $((port + 2))
  answers $((port + 2))
  servers=("before http://127.0.0.1:$((port + 2))$secret" "${servers[@]}")
fi
servers+=("minimal http://127.0.0.1:$((port + 1))/")
# The dashboard page, against a minimal server answering the same bytes.
curl -s "http://127.0.0.1:$port$secret/dashboard" >"$work/page.html"
"$work/benchserver" -addr 127.0.0.1:$((port + 9)) -body "$work/page.html" &
pids+=($!)
sleep 0.5
echo "dashboard page $(stat -c %s "$work/page.html") bytes"
servers+=("dashboard http://127.0.0.1:$port$secret/dashboard" "minimal-page http://127.0.0.1:$((port + 9))/")
if [ -n "${BENCH_BASE:-}" ]; then
  curl -s "http://127.0.0.1:$((port + 2))$secret/dashboard" >"$work/page-before.html"
  echo "dashboard page before $(stat -c %s "$work/page-before.html") bytes"
  servers+=("before-dashboard http://127.0.0.1:$((port + 2))$secret/dashboard")
fi

# run NAME URL: one wrk round; prints "NAME req/s p50 p99".
run() {
  out=$(wrk -t$threads -c$conns -d"${secs}s" --latency "$2")
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  p50=$(awk '$1=="50%"{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  errs=$(awk '/Non-2xx|Socket errors/{print}' <<<"$out")
  echo "$1 $rps $p50 $p99 ${errs:+($errs)}"
}
echo "wrk -t$threads -c$conns -d${secs}s --latency, $rounds rounds, each server once a round (name req/s p50 p99):"
: >"$work/rounds"
for round in $(seq "$rounds"); do
  for s in "${servers[@]}"; do
    r=$(run $s); echo "  $round $r"; echo "$round $r" >>"$work/rounds"
  done
  rss_load=$(awk '/VmRSS/{print $2}' /proc/$main_daemon/status)
done
# med FORMAT: the median of the numbers on standard input, one a line.
med() { sort -g | awk -v f="$1" '{v[NR]=$1} END{printf f, NR%2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
# rps NAME: NAME's req/s in each round, one a line.
rps() { awk -v n="$1" '$2==n{print $3}' "$work/rounds"; }
# ratios NAME BASE: NAME/BASE in each round, one a line, in order.
ratios() { awk -v n="$1" -v m="$2" '$2==n{a[$1]=$3} $2==m{b[$1]=$3} END{for(r=1;r in b;r++) printf "%.3f\n", a[r]/b[r]}' "$work/rounds"; }
for s in "${servers[@]}"; do
  name=${s%% *}
  case $name in minimal | minimal-page | before-dashboard) continue ;; dashboard) base=minimal-page ;; *) base=minimal ;; esac
  ma=$(rps "$name" | med %.0f)
  mb=$(rps "$base" | med %.0f)
  echo "median req/s: $name $ma, $base $mb, ratio of medians $(awk -v a="$ma" -v b="$mb" 'BEGIN{printf "%.3f", a/b}'); per round: $(ratios "$name" "$base" | tr '\n' ' ')(median $(ratios "$name" "$base" | med %.3f))"
done
# The dashboard against the webhook's JSON from the same daemon, and
# (BENCH_BASE) the same for the daemon before.
for pair in "dashboard daemon" "before-dashboard before"; do
  set -- $pair
  [ -n "$(rps "$1")" ] || continue
  echo "$1 / $2 (the webhook's JSON) per round: $(ratios "$1" "$2" | tr '\n' ' ')(median $(ratios "$1" "$2" | med %.3f))"
done
echo "daemon RSS under load (end of a round): $rss_load KiB; peak: $(awk '/VmHWM/{print $2}' /proc/$main_daemon/status) KiB"

# Memory with 10,000 idle keep-alive connections, each after one /health:
# at the default cap (the server closes idle ones to make room) and with
# no practical cap.
ulimit -n "$(ulimit -Hn)"
p=$((port + 3))
for cap in 1024 65536; do
  start_daemon "$work/vnstat-exporter" $p MAX_CONNECTIONS=$cap
  answers $p
  before=$(awk '/VmRSS/{print $2}' /proc/$daemon/status)
  : >"$work/idle.out" # emptied here: the background client's own redirection may come late
  "$work/idleconns" -addr 127.0.0.1:$p -path /health -n 10000 >>"$work/idle.out" 2>&1 &
  client=$!
  until [ -s "$work/idle.out" ] || ! kill -0 $client 2>/dev/null; do sleep 0.05; done
  echo "MAX_CONNECTIONS=$cap, 10,000 idle connections: RSS $before -> $(awk '/VmRSS/{print $2}' /proc/$daemon/status) KiB; $(cat "$work/idle.out")"
  kill $client $daemon
  wait $client $daemon 2>/dev/null || true
  p=$((p + 1))
done

# Poll cost for 50 and 2,000 interfaces x 62 days. Before: what the daemon
# ran at every poll until it read the database itself, the vnstat command
# for every interface (its output was capped at 4 MiB). After: a whole poll
# reading the database directly (BenchmarkPollDatabase, in the Go
# benchmarks below, on databases of the same shape), for all interfaces
# and for one named in INTERFACES.
bigdb() {
  local dir=$1 n=$2
  mkdir -p "$dir"
  printf 'DatabaseDir "%s"\n' "$dir" >"$dir/vnstat.conf"
  vnstatd --initdb --config "$dir/vnstat.conf" >/dev/null
  {
    echo "BEGIN;"
    for i in $(seq 1 "$n"); do
      echo "INSERT INTO interface(id,name,alias,active,created,updated,rxcounter,txcounter,rxtotal,txtotal) VALUES($i,'enp${i}s0','',1,datetime('now','localtime','-70 days'),datetime('now','localtime'),0,0,0,0);"
      echo "INSERT INTO day(interface,date,rx,tx) SELECT $i, date('now','localtime','-'||value||' days'), (value+1)*7340033*$i+5000000000, (value+3)*1048583*$i FROM generate_series(0,61);"
    done
    echo "COMMIT;"
  } | sqlite3 "$dir/vnstat.db"
}
begin=$(date +%Y-%m-01 -d "$(date +%Y-%m-15) -1 month")
for n in 50 2000; do
  bigdb "$work/db$n" "$n"
  runs=20; [ "$n" -gt 100 ] && runs=5
  t0=$(date +%s%N)
  for _ in $(seq 1 $runs); do vnstat --json d --begin "$begin" --dbdir "$work/db$n" >"$work/$n.json"; done
  echo "before: vnstat child, $n interfaces x 62 days: $(( ($(date +%s%N) - t0) / (runs * 1000) )) us per run (mean of $runs), $(stat -c %s "$work/$n.json") bytes of JSON (the cap was 4194304), peak RSS $(/usr/bin/time -f %M vnstat --json d --begin "$begin" --dbdir "$work/db$n" 2>&1 >/dev/null) KiB"
done

echo "Go benchmarks:"
go test -run '^$' -bench . -benchmem ./monitor ./vnstatsrc ./linksrc ./api | grep '^Benchmark'

# Binary size: the release build (static, stripped), and the bytes of the
# symbols of shoutrrr and of the alert package in an unstripped build.
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/size-bin" ./cmd/vnstat-exporter
CGO_ENABLED=0 go build -trimpath -o "$work/size-sym" ./cmd/vnstat-exporter
echo "binary: $(stat -c %s "$work/size-bin") bytes stripped; $(go tool nm -size "$work/size-sym" | awk '$4 ~ /nicholas-fedor\/shoutrrr/ {s+=$2} $4 ~ /vnstat-exporter\/alert\./ {a+=$2} END {printf "symbols: shoutrrr %d bytes, alert %d bytes", s, a}')"
