#!/usr/bin/env bash
# Rebuilds the fixture vnstat databases (vnstatd --initdb + sqlite3) and
# recaptures what the real vnstat prints for them into
# vnstatsrc/vnstattest/testdata/. Needs vnstat and sqlite3 installed.
set -euo pipefail
cd "$(dirname "$0")/.."
go test ./vnstatsrc/vnstattest -run TestCaptures -update
# The captures are embedded: check them in a fresh build.
go test -count=1 ./vnstatsrc/...
git status --short vnstatsrc/vnstattest/testdata
