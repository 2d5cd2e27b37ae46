#!/usr/bin/env bash
# Runs the end-to-end suite: the built daemon against vnstat databases made
# by vnstatd --initdb (TestEndToEnd*, and the cases of snapshot_test.go:
# vnstat --add, DST at midnight, idle days, 2,000 interfaces, a zone
# mismatch, a bridge-network namespace), and against a real vnstatd
# counting real traffic on a veth pair in a network namespace
# (TestRealVnstatd and the live tests, root only); alerts to webhook and
# ntfy receivers on loopback (TestAlertsEndToEnd) and the root action
# chain throttling a veth with tc (TestRootActionThrottle). Prints how many cases
# ran, passed and were skipped.
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
go test -race -count=1 -v -timeout 10m -run '^(TestEndToEnd|TestEndToEndVnstatFails|TestEndToEndQuotaAndPreviousCycle|TestRealVnstatd|TestLiveTopUpRealVnstatd|TestLinkEventsTriggerPoll|TestStalledVnstatdRealTraffic|TestVnstatAddGivesNoLiveSpike|TestDSTAtMidnight|TestIdleDaysAreNotGaps|TestManyInterfacesOneReported|TestZoneMismatchRealVnstatd|TestBridgeNamespace|TestAlertsEndToEnd|TestRootActionThrottle|TestPrometheusFleet|TestExamplesMatchLiveAnswers)$' ./cmd/vnstat-exporter >"$log" 2>&1
rc=$?
grep -E '^\s*--- (FAIL|SKIP)' -A2 "$log" | grep -v '^--$' || true
[ $rc -ne 0 ] && tail -50 "$log"
pass=$(grep -cE '^\s*--- PASS' "$log")
fail=$(grep -cE '^\s*--- FAIL' "$log")
skip=$(grep -cE '^\s*--- SKIP' "$log")
echo "e2e cases ran: $((pass + fail))"
echo "e2e: $pass passed, $fail failed, $skip skipped"
exit $rc
