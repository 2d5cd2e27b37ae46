#!/usr/bin/env bash
# Checks the systemd side of deployment without a running systemd:
#  - systemd-analyze verify on the units, the service and the root
#    actions' path unit and service (binary path swapped for a built one);
#  - systemd-analyze security --offline=yes: exposure must be 2.0 or lower,
#    for the daemon's unit and for the root actions unit;
#  - scripts/install.sh into a DESTDIR twice (idempotent, env file kept),
#    the installed env file accepted by the daemon, then --uninstall.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "deploy-check: FAIL: $*" >&2; exit 1; }

bin=$work/vnstat-exporter
CGO_ENABLED=0 go build -trimpath -o "$bin" ./cmd/vnstat-exporter

unit=$work/vnstat-exporter.service
sed "s#^ExecStart=/usr/local/bin/vnstat-exporter#ExecStart=$bin#" systemd/vnstat-exporter.service >"$unit"
grep -q "^ExecStart=$bin" "$unit" || fail "no ExecStart=/usr/local/bin/vnstat-exporter in the unit"
out=$(systemd-analyze verify "$unit" 2>&1) || fail "systemd-analyze verify: $out"
[ -z "$out" ] || fail "systemd-analyze verify is not clean: $out"
for u in vnstat-exporter-actions.service vnstat-exporter-actions.path; do
  sed "s#/usr/local/bin/vnstat-exporter #$bin #" "systemd/$u" >"$work/$u"
done
grep -q "^ExecStart=$bin run-actions" "$work/vnstat-exporter-actions.service" || fail "no ExecStart=/usr/local/bin/vnstat-exporter run-actions in the actions unit"
out=$(cd "$work" && systemd-analyze verify vnstat-exporter-actions.path vnstat-exporter-actions.service 2>&1) || fail "systemd-analyze verify (actions): $out"
[ -z "$out" ] || fail "systemd-analyze verify (actions) is not clean: $out"
echo "deploy-check: systemd-analyze verify clean (vnstat-exporter.service, vnstat-exporter-actions.path and .service)"

score=$(systemd-analyze security --offline=yes "$unit" 2>&1 | sed -nE 's/.*Overall exposure level for .*: ([0-9.]+).*/\1/p')
[ -n "$score" ] || fail "no exposure score from systemd-analyze security"
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || fail "exposure $score is above 2.0"
echo "deploy-check: systemd-analyze security --offline=yes exposure $score (goal <= 2.0)"
# The root actions unit: 9.4 before issue 19's sandboxing, 1.8 after.
score=$(systemd-analyze security --offline=yes "$work/vnstat-exporter-actions.service" 2>&1 | sed -nE 's/.*Overall exposure level for .*: ([0-9.]+).*/\1/p')
[ -n "$score" ] || fail "no exposure score for the actions unit"
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' || fail "actions unit exposure $score is above 2.0"
echo "deploy-check: actions unit exposure $score (goal <= 2.0)"

dest=$work/root
DESTDIR=$dest scripts/install.sh --binary "$bin" >/dev/null
env_file=$dest/etc/vnstat-exporter/vnstat-exporter.env
first=$(cat "$env_file")
DESTDIR=$dest scripts/install.sh --binary "$bin" >/dev/null
[ "$first" = "$(cat "$env_file")" ] || fail "a second install changed the env file"
[ "$(stat -c %a "$env_file")" = 600 ] || fail "env file mode $(stat -c %a "$env_file"), want 600"
cmp -s "$bin" "$dest/usr/local/bin/vnstat-exporter" || fail "binary not installed"
cmp -s systemd/vnstat-exporter.service "$dest/etc/systemd/system/vnstat-exporter.service" || fail "unit not installed"
for u in vnstat-exporter-actions.path vnstat-exporter-actions.service; do
  cmp -s "systemd/$u" "$dest/etc/systemd/system/$u" || fail "$u not installed"
done
[ -x "$dest/usr/local/share/vnstat-exporter/actions/tc-throttle.sh" ] || fail "example action scripts not installed"
grep -qE '^WEBHOOK_PATH=/webhook/[0-9a-f]{32}$' "$env_file" || fail "no random WEBHOOK_PATH in the env file"
# Root's settings for the actions, from the daemon's (START_DAY by
# default 1; INTERFACES found by the daemon itself, so left to the admin).
actions_env=$dest/etc/vnstat-exporter/actions.env
[ "$(stat -c %a "$actions_env")" = 644 ] && grep -qx 'START_DAY=1' "$actions_env" && grep -qx 'INTERFACES=' "$actions_env" ||
  fail "no actions.env, 0644, with the daemon's START_DAY"
# The daemon accepts the env file: healthcheck loads the configuration
# (exit 2 if refused) and then finds no daemon on port 1 (exit 1).
set +e
env -i $(grep -E '^[A-Z_]+=' "$env_file") PORT=1 "$bin" healthcheck >/dev/null 2>&1
rc=$?
set -e
[ $rc = 1 ] || fail "the installed env file is refused by the daemon (exit $rc)"
DESTDIR=$dest scripts/install.sh --uninstall >/dev/null
[ ! -e "$dest/usr/local/bin/vnstat-exporter" ] && [ ! -e "$dest/etc/systemd/system/vnstat-exporter.service" ] &&
  [ ! -e "$dest/etc/systemd/system/vnstat-exporter-actions.path" ] && [ ! -e "$dest/usr/local/share/vnstat-exporter" ] || fail "uninstall left files"
[ -e "$env_file" ] || fail "uninstall removed the env file"
if command -v setpriv >/dev/null; then
  msg=$(DESTDIR=$dest setpriv --reuid=65534 --regid=65534 --clear-groups scripts/install.sh --binary "$bin" 2>&1) && fail "install.sh ran as non-root"
  case $msg in *"run as root"*) ;; *) fail "install.sh as non-root said: $msg" ;; esac
fi
echo "deploy-check: install.sh installs, keeps the env file on reinstall, uninstalls, refuses non-root"
echo "deploy-check: passed"
