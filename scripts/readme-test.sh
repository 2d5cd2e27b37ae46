#!/usr/bin/env bash
# Follows README.md as a newcomer would, in a fresh debian:bookworm-slim
# container with the .deb that `make dist` built: the commands are the
# README's own, taken from the code blocks marked <!-- readme-test: NAME -->
# (install, settings, start), run in order as a user with sudo in the
# directory holding the downloaded .deb. Then checks the answer the last
# command printed: this cycle (START_DAY=17) against the 1 TB quota, and
# that it says vnstat began counting after the cycle began.
# Needs podman (or CONTAINER=docker) with the base images; run after make dist.
set -euo pipefail
cd "$(dirname "$0")/.."
engine=${CONTAINER:-podman}
fail() { echo "readme-test: FAIL: $*" >&2; exit 1; }

deb=$(ls dist/vnstat-exporter_*_linux_amd64.deb 2>/dev/null | head -1)
[ -n "$deb" ] || fail "no amd64 .deb in dist/: run make dist first"

# The marked blocks, in the README's order.
blocks=$(awk '
  /^<!-- readme-test: [a-z-]+ -->$/ { name = $3; next }
  name != "" && /^```/ && !inside { inside = 1; print "# readme-test block: " name; next }
  inside && /^```/ { inside = 0; name = ""; next }
  inside { print }
' README.md)
for want in install settings start; do
  grep -qx "# readme-test block: $want" <<<"$blocks" || fail "README.md has no block marked readme-test: $want"
done
echo "readme-test: the README's commands:"
sed 's/^/readme-test:   /' <<<"$blocks"

out=$("$engine" run --rm --network host -v "$PWD/dist:/dist:ro" -e BLOCKS="$blocks" debian:bookworm-slim bash -euc '
  export DEBIAN_FRONTEND=noninteractive
  # The newcomer: a user with sudo, the .deb downloaded into an empty
  # directory. (A fresh server has sudo; the slim image does not.)
  apt-get update -qq && apt-get install -y -qq sudo >/dev/null
  useradd -m newcomer
  echo "newcomer ALL=(ALL) NOPASSWD:ALL" >/etc/sudoers.d/newcomer
  mkdir /home/newcomer/download && cp "/dist/$(basename "$1")" /home/newcomer/download/
  chown -R newcomer /home/newcomer/download
  printf "%s\n" "$BLOCKS" >/tmp/readme.sh
  cd /home/newcomer/download
  su newcomer -c "cd /home/newcomer/download && bash -e /tmp/readme.sh" >/tmp/readme.out 2>&1 || { cat /tmp/readme.out; exit 1; }
  cat /tmp/readme.out
  echo "--- log"
  cat /tmp/vnstat-exporter.log
' sh "$deb" 2>&1) || { echo "$out"; fail "the README's commands failed in a fresh container"; }
echo "$out" | sed 's/^/readme-test: out: /'

# The answer is the last line of JSON the commands printed.
answer=$(grep '^{"start_date"' <<<"$out" | tail -1)
[ -n "$answer" ] || fail "no webhook answer in the output"
day=$(date +%d); day=${day#0}
if [ "$day" -ge 17 ]; then start=$(date +%Y-%m-17); else start=$(date -d "$(date +%Y-%m-01) -1 month" +%Y-%m-17); fi
python3 - "$answer" "$start" <<'PY' || fail "the answer is not this cycle's"
import json, sys
a, start = json.loads(sys.argv[1]), sys.argv[2]
assert a["start_date"] == start, ("start_date", a["start_date"], start)
assert a["quota"]["limit_bytes"] == 10**12, a["quota"]
assert a.get("counting_since"), "no counting_since on a fresh install"
assert any("vnstat began counting" in w and "USED_OFFSET" in w for w in a.get("warnings", [])), a.get("warnings")
print("readme-test: answer: cycle from", a["start_date"], "quota", a["quota"]["limit_bytes"], "counting since", a["counting_since"])
PY
echo "readme-test: passed"
