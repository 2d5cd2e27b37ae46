#!/usr/bin/env bash
# Measures vnstat-exporter against a minimal net/http server in one run:
#  - requests/s of the webhook vs. scripts/benchserver serving a body of the
#    same size, same wrk settings, alternating A/B/A/B; the ratio; p50/p99;
#  - the daemon's RSS idle and under load;
#  - time from start to the first 200 from the webhook;
#  - the poll cost for 50 and 2,000 interfaces x 62 days: the vnstat child
#    the daemon used to run, and a whole poll reading the database;
#  - the Go benchmarks (go test -bench . -benchmem);
#  - the stripped binary's size, and what the notification library
#    (shoutrrr) and the alert package take of it.
# Needs vnstat, sqlite3, wrk and time (apt-get install vnstat sqlite3 wrk curl time).
#   scripts/bench.sh [seconds per round]     (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
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
echo "binaries: vnstat-exporter $(stat -c %s "$work/vnstat-exporter") bytes, benchserver $(stat -c %s "$work/benchserver") bytes"

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
start_daemon() {
  VNSTAT_DBDIR="$work/db1" INTERFACES=lo WEBHOOK_PATH=$secret LISTEN_HOST=127.0.0.1 PORT=$port LIVE=false \
    "$work/vnstat-exporter" >"$work/daemon.log" 2>&1 &
  daemon=$!
  pids+=("$daemon")
}

# Time to the first 200, five starts.
firsts=()
for _ in 1 2 3 4 5; do
  t0=$(date +%s%N)
  start_daemon
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$secret" 2>/dev/null)" = 200 ]; do sleep 0.002; done
  firsts+=($(( ($(date +%s%N) - t0) / 1000000 )))
  kill "$daemon"; wait "$daemon" 2>/dev/null || true
done
echo "first 200 after start (ms, 5 starts): ${firsts[*]}"

start_daemon
until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$secret")" = 200 ]; do sleep 0.01; done
curl -s "http://127.0.0.1:$port$secret" >"$work/body.json"
sleep 3
rss_idle=$(awk '/VmRSS/{print $2}' /proc/$daemon/status)
echo "daemon RSS idle: $rss_idle KiB ($(awk '/RssAnon|RssFile/{printf "%s %s KiB ", $1, $2}' /proc/$daemon/status)); body $(stat -c %s "$work/body.json") bytes"
"$work/benchserver" -addr 127.0.0.1:$((port + 1)) -body "$work/body.json" &
pids+=($!)
sleep 0.5
echo "benchserver RSS idle: $(awk '/VmRSS/{print $2}' /proc/$!/status) KiB ($(awk '/RssAnon|RssFile/{printf "%s %s KiB ", $1, $2}' /proc/$!/status))"

# run NAME URL: one wrk round; prints "NAME req/s p50 p99".
run() {
  out=$(wrk -t$threads -c$conns -d"${secs}s" --latency "$2")
  rps=$(awk '/Requests\/sec/{print $2}' <<<"$out")
  p50=$(awk '$1=="50%"{print $2}' <<<"$out")
  p99=$(awk '$1=="99%"{print $2}' <<<"$out")
  errs=$(awk '/Non-2xx|Socket errors/{print}' <<<"$out")
  echo "$1 $rps $p50 $p99 ${errs:+($errs)}"
}
echo "wrk -t$threads -c$conns -d${secs}s --latency, alternating (name req/s p50 p99):"
a=() b=()
for round in 1 2 3; do
  r=$(run daemon "http://127.0.0.1:$port$secret"); echo "  $r"; a+=($(cut -d' ' -f2 <<<"$r"))
  rss_load=$(awk '/VmRSS/{print $2}' /proc/$daemon/status)
  r=$(run minimal "http://127.0.0.1:$((port + 1))/"); echo "  $r"; b+=($(cut -d' ' -f2 <<<"$r"))
done
mean() { awk '{s=0; for(i=1;i<=NF;i++) s+=$i; printf "%.0f", s/NF}' <<<"$*"; }
ma=$(mean "${a[@]}") mb=$(mean "${b[@]}")
echo "mean req/s: daemon $ma, minimal $mb, ratio $(awk -v a="$ma" -v b="$mb" 'BEGIN{printf "%.3f", a/b}')"
echo "daemon RSS under load (end of a round): $rss_load KiB; peak: $(awk '/VmHWM/{print $2}' /proc/$daemon/status) KiB"

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
go test -run '^$' -bench . -benchmem ./monitor ./linksrc ./api | grep '^Benchmark'

# Binary size: the release build (static, stripped), and the bytes of the
# symbols of shoutrrr and of the alert package in an unstripped build.
CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/size-bin" ./cmd/vnstat-exporter
CGO_ENABLED=0 go build -trimpath -o "$work/size-sym" ./cmd/vnstat-exporter
echo "binary: $(stat -c %s "$work/size-bin") bytes stripped; $(go tool nm -size "$work/size-sym" | awk '$4 ~ /nicholas-fedor\/shoutrrr/ {s+=$2} $4 ~ /vnstat-exporter\/alert\./ {a+=$2} END {printf "symbols: shoutrrr %d bytes, alert %d bytes", s, a}')"
