#!/usr/bin/env bash
# Builds the image and runs it as the README's docker-compose.yml does:
# host network, no capabilities, read-only root, no-new-privileges, a vnstat
# database mounted read-only at /var/lib/vnstat. Checks /health, the
# webhook's numbers against the rows inserted in the database, that the
# process is not root, and that the image's HEALTHCHECK passes. Prints the
# image size. Needs root and podman (../shared/container/make-base-images.sh
# prepares it here) or docker.
set -euo pipefail
cd "$(dirname "$0")/.."

engine=${CONTAINER:-$(command -v podman >/dev/null 2>&1 && echo podman || echo docker)}
image=vnstat-exporter:test
name=vnstat-exporter-test-$$
secret=/webhook/container-test-$RANDOM$RANDOM
port=$((20000 + RANDOM % 10000))
work=$(mktemp -d)
volume=vnstat-exporter-test-state-$$
cleanup() {
  "$engine" rm -f "$name" >/dev/null 2>&1 || true
  "$engine" volume rm -f "$volume" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "container-test: FAIL: $*" >&2; "$engine" logs "$name" 2>&1 | tail -30 >&2 || true; exit 1; }

build_flags=()
[ "$(basename "$engine")" = podman ] && build_flags=(--format docker --network host)
"$engine" build "${build_flags[@]}" --build-arg VERSION=container-test -t "$image" . >"$work/build.log" 2>&1 ||
  { tail -30 "$work/build.log" >&2; fail "image build"; }
size=$("$engine" image inspect "$image" --format '{{.Size}}')
echo "container-test: image $image is $size bytes ($((size / 1024 / 1024)) MiB)"

# A vnstat database as vnstatd makes it, with 40 days of rows for the
# host's NICs (what the container must choose by itself) and for lo (what
# it must not).
db=$work/db
mkdir -m 0755 "$db"
printf 'DatabaseDir "%s"\n' "$db" >"$work/vnstat.conf"
vnstatd --initdb --config "$work/vnstat.conf" >/dev/null
nics=()
for dev in /sys/class/net/*; do
  [ -e "$dev/device" ] && [ ! -e "$dev/bonding_slave" ] && nics+=("$(basename "$dev")")
done
[ ${#nics[@]} -gt 0 ] || fail "no physical NIC in /sys/class/net to test the automatic choice with"
# vnstatd ran in this boot (btime) and saved each NIC's counters a MiB ago,
# so the live part is what the kernel counted since.
btime=$(awk '/^btime /{print $2}' /proc/stat)
{
  echo "BEGIN;"
  echo "UPDATE info SET value='$btime' WHERE name='btime';"
  id=0
  for ifname in lo "${nics[@]}"; do
    id=$((id + 1))
    rxc=$(( $(cat "/sys/class/net/$ifname/statistics/rx_bytes") - 1048576 ))
    txc=$(( $(cat "/sys/class/net/$ifname/statistics/tx_bytes") - 1048576 ))
    [ $rxc -ge 0 ] || rxc=0
    [ $txc -ge 0 ] || txc=0
    echo "INSERT INTO interface(id,name,alias,active,created,updated,rxcounter,txcounter,rxtotal,txtotal) VALUES($id,'$ifname','',1,datetime('now','localtime','-60 days'),datetime('now','localtime','-1 minute'),$rxc,$txc,0,0);"
    for d in $(seq 0 39); do
      echo "INSERT INTO day(interface,date,rx,tx) VALUES($id,date('now','localtime','-$d days'),$(( (d + 1) * 7340033 * id + 5000000000 )),$(( (d + 3) * 1048583 * id )));"
    done
  done
  echo "COMMIT;"
} | sqlite3 "$db/vnstat.db"
chmod 0644 "$db/vnstat.db"
start=$(date +%Y-%m-01)
expect=$(sqlite3 "$db/vnstat.db" "SELECT sum(d.rx) || ' ' || sum(d.tx) FROM day d JOIN interface i ON i.id = d.interface WHERE i.name <> 'lo' AND d.date >= '$start' AND d.date <= date('now','localtime');")

localtime=()
[ -e /etc/localtime ] && localtime=(-v /etc/localtime:/etc/localtime:ro)
"$engine" run -d --name "$name" --network host --cap-drop ALL --read-only \
  --security-opt no-new-privileges \
  -v "$db:/var/lib/vnstat:ro" "${localtime[@]}" -v "$volume:/var/lib/vnstat-exporter" \
  -e WEBHOOK_PATH="$secret" -e PORT="$port" -e LISTEN_HOST=127.0.0.1 -e START_DAY=1 -e POLL_INTERVAL=2s \
  -e QUOTA=1MB -e ROOT_ACTIONS=true \
  "$image" >/dev/null || fail "container did not start"

health=
for _ in $(seq 1 100); do
  health=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/health" || true)
  [ "$health" = 200 ] && break
  sleep 0.2
done
[ "$health" = 200 ] || fail "/health answered $health, not 200: $(curl -s "http://127.0.0.1:$port/health")"
echo "container-test: /health 200: $(curl -s "http://127.0.0.1:$port/health")"

body=$(curl -sf "http://127.0.0.1:$port$secret") || fail "webhook did not answer 200"
# The totals are vnstat's rows plus what the kernel counted since vnstat's
# saved counters: in_bytes - live_in_bytes must be the rows.
field() { printf '%s' "$body" | grep -oE "\"$1\":[0-9]+" | tail -1 | cut -d: -f2; }
in_b=$(printf '%s' "$body" | sed -E 's/^\{[^[]*"in_bytes":([0-9]+),.*/\1/')
out_b=$(printf '%s' "$body" | sed -E 's/^\{[^[]*"out_bytes":([0-9]+),.*/\1/')
live_in=$(field live_in_bytes)
live_out=$(field live_out_bytes)
[ -n "$live_in" ] && [ -n "$live_out" ] || fail "no live top-up: the container could not read vnstat's database: $body"
[ $((live_in + live_out)) -ge 1048576 ] || fail "live top-up $live_in/$live_out is below the MiB counted since the save: $body"
got="$((in_b - live_in)) $((out_b - live_out))"
[ "$got" = "$expect" ] || fail "webhook in/out bytes less the live top-up '$got', the database's rows for ${nics[*]} since $start are '$expect'"
for nic in "${nics[@]}"; do
  printf '%s' "$body" | grep -q "\"name\":\"$nic\"" || fail "webhook does not report $nic: $body"
done
printf '%s' "$body" | grep -q '"name":"lo"' && fail "webhook reports lo: $body"
echo "container-test: webhook in/out bytes $in_b $out_b = the rows for ${nics[*]} since $start ($got) + the kernel's counts since vnstat's save ($live_in $live_out), read from the read-only database"

# The image has no shell or id(1): read the process's uid on the host.
pid=$("$engine" inspect "$name" --format '{{.State.Pid}}')
uid=$(awk '/^Uid:/{print $2}' "/proc/$pid/status")
[ -n "$uid" ] && [ "$uid" != 0 ] || fail "the process runs as uid '$uid'"
files=$("$engine" export "$name" | tar -t | grep -v '/$' | sort | tr '\n' ' ')
echo "container-test: the image holds only: $files"
echo "container-test: runs as uid $uid, no capabilities, read-only root"

if [ "$(basename "$engine")" = podman ]; then
  podman healthcheck run "$name" >/dev/null 2>&1 || fail "podman healthcheck run failed"
else
  "$engine" exec "$name" /usr/local/bin/vnstat-exporter healthcheck >/dev/null || fail "health check command failed"
fi
cmd=$("$engine" image inspect "$image" --format '{{json .Config.Healthcheck.Test}}')
echo "container-test: HEALTHCHECK $cmd exits 0"
# STATE_DIR on a named volume, written by the unprivileged user under a
# read-only root: the 100 % event is spooled for the root path unit, and
# a calibration is kept.
state=$("$engine" volume inspect "$volume" --format '{{.Mountpoint}}')
for _ in $(seq 1 100); do
  ls "$state/actions/"*threshold-100_*.json >/dev/null 2>&1 && break
  sleep 0.2
done
ls "$state/actions/"*threshold-100_*.json >/dev/null 2>&1 || fail "no 100% event spooled in the STATE_DIR volume: $(ls -la "$state" "$state/actions" 2>&1)"
cal=$("$engine" exec "$name" /usr/local/bin/vnstat-exporter calibrate 5GB) || fail "calibrate in the container: $cal"
case $cal in 200*'"provider_bytes":5000000000'*) ;; *) fail "calibrate answered: $cal" ;; esac
[ -s "$state/calibration.json" ] || fail "calibration not kept in the volume"
owner=$(stat -c %u "$state/alerts.json")
[ "$owner" = "$uid" ] || fail "alerts.json owned by $owner, not the container's uid $uid"
echo "container-test: STATE_DIR volume written by uid $owner: $(cd "$state" && ls -d alerts.json calibration.json actions/* | tr '\n' ' ')"
"$engine" logs "$name" 2>&1 | grep -q -- "$secret" && fail "the container logged the webhook path"
echo "container-test: passed"
