#!/usr/bin/env bash
# Runs a command while CPU-bound processes, one per core and two at the
# least, keep every core busy; stops them when the command ends, whatever
# its exit, and exits with the command's status. Each busy process also
# ends by itself after BUSY_MAX seconds (default 1800), so none outlives a
# killed run.
#   scripts/busy.sh go test -short -count=1 ./...
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: scripts/busy.sh COMMAND [ARG...]" >&2; exit 2; }
busy=()
stop() { kill "${busy[@]}" 2>/dev/null || true; wait "${busy[@]}" 2>/dev/null || true; }
trap stop EXIT
n=$(nproc)
[ "$n" -ge 2 ] || n=2
for _ in $(seq "$n"); do
  timeout "${BUSY_MAX:-1800}" sh -c 'while :; do :; done' &
  busy+=($!)
done
echo "busy.sh: $n CPU-bound processes running (${busy[*]}): $*"
"$@"
