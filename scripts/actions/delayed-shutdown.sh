#!/bin/sh
# vnstat-exporter root action: shut the machine down some minutes after
# the quota is used up (the 100 % threshold), once per cycle, with a boot
# guard: a machine that booted less than BOOT_GUARD_MINUTES ago is not
# shut down again, so that a replayed event cannot keep it from booting.
# (vnstat-exporter itself never runs an event twice: the daemon records
# it before it runs and the runner's ledger keeps it across the reboot;
# this guard holds even if both were wiped.)
#
# Install:  install -m 0755 scripts/actions/delayed-shutdown.sh /etc/vnstat-exporter/action
#           systemctl enable --now vnstat-exporter-actions.path
#           and ROOT_ACTIONS=true in /etc/vnstat-exporter/vnstat-exporter.env
# Cancel a pending shutdown with: shutdown -c
set -eu
set -f
: "${DELAY_MINUTES:=10}"
: "${BOOT_GUARD_MINUTES:=15}"
: "${AT_PERCENT:=100}"
: "${STAMP_DIR:=/var/lib/vnstat-exporter-actions}"
: "${SHUTDOWN:=shutdown}"

log() { logger -t vnstat-exporter-action "$*" 2>/dev/null || true; echo "$*"; }

[ "${VNSTAT_EXPORTER_EVENT:-}" = threshold ] || exit 0
[ "${VNSTAT_EXPORTER_THRESHOLD:-0}" -ge "$AT_PERCENT" ] || exit 0

up=$(cut -d. -f1 /proc/uptime)
if [ "$up" -lt $((BOOT_GUARD_MINUTES * 60)) ]; then
	log "boot guard: not shutting down, the machine booted ${up}s ago (less than ${BOOT_GUARD_MINUTES} min)"
	exit 0
fi
cycle=$(printf '%s' "${VNSTAT_EXPORTER_CYCLE_START:-unknown}" | tr -cd '0-9-')
stamp="$STAMP_DIR/shutdown-$cycle"
if [ -e "$stamp" ]; then
	log "already shut down once in the cycle that began on $cycle; not again"
	exit 0
fi
mkdir -p "$STAMP_DIR"
date -u +%FT%TZ > "$stamp"
log "quota used up (${VNSTAT_EXPORTER_PERCENT:-?}%): shutting down in $DELAY_MINUTES min"
"$SHUTDOWN" -h "+$DELAY_MINUTES" "vnstat-exporter: traffic quota used up; shutting down. Cancel with: shutdown -c"
