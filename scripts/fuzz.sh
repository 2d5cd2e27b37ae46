#!/usr/bin/env bash
# Runs each fuzz target for a while (default 60s each): the configuration
# loader and the server's check of its paths. New failing inputs land in
# <package>/testdata/fuzz/<Target>/ and fail `go test` until fixed.
#   scripts/fuzz.sh [duration]      e.g. scripts/fuzz.sh 10m
set -euo pipefail
cd "$(dirname "$0")/.."
time=${1:-60s}
for target in "FuzzLoad ./config" "FuzzCheckPaths ./api"; do
  set -- $target
  echo "fuzz: $1 in $2 for $time"
  go test -run '^$' -fuzz "^$1\$" -fuzztime "$time" "$2" 2>&1 | tail -3
done
