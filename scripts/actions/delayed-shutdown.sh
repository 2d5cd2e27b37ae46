#!/bin/sh
# vnstat-exporter root action: shut the machine down some minutes after
# the quota is used up (the AT_PERCENT threshold, 100 by default), at
# most once per billing cycle.
#
# Install:  install -m 0755 scripts/actions/delayed-shutdown.sh /etc/vnstat-exporter/action
#           INTERFACES and START_DAY in /etc/vnstat-exporter/actions.env
#           systemctl enable --now vnstat-exporter-actions.path
#           and ROOT_ACTIONS=true in /etc/vnstat-exporter/vnstat-exporter.env
# Cancel a pending shutdown with: shutdown -c (it is not scheduled again
# in the same cycle).
#
# Run by `vnstat-exporter run-actions`, which runs only events of the
# cycle now running by root's own clock and START_DAY, and gives the
# script that cycle (never the daemon's word for it); its settings come
# from /etc/vnstat-exporter/actions.env:
#   DELAY_MINUTES=10        minutes between the event and the shutdown
#   BOOT_GRACE_MINUTES=15   a machine is not shut down sooner than this
#                           after it booted: an event inside the grace
#                           shuts it down when the grace ends, so that
#                           there is time to log in and cancel
#   AT_PERCENT=100          the threshold that shuts down
#   STAMP_DIR=/var/lib/vnstat-exporter-actions
#                           where the cycles it shut down in are noted
#
# Once per cycle: the cycle is root's (VNSTAT_EXPORTER_CYCLE_START from
# run-actions); a second event in it (after a boot, the daemon's state
# lost, a forged one) does nothing. A shutdown that would come after the
# cycle resets (VNSTAT_EXPORTER_RESETS_IN seconds from now) is not
# scheduled: the new cycle's quota is there by then.
set -eu
set -f
: "${DELAY_MINUTES:=10}"
: "${BOOT_GRACE_MINUTES:=15}"
: "${AT_PERCENT:=100}"
: "${STAMP_DIR:=/var/lib/vnstat-exporter-actions}"

log() { logger -t vnstat-exporter-action "$*" 2>/dev/null || true; echo "$*"; }

[ "${VNSTAT_EXPORTER_EVENT:-}" = threshold ] || exit 0
[ "${VNSTAT_EXPORTER_THRESHOLD:-0}" -ge "$AT_PERCENT" ] || exit 0

cycle=${VNSTAT_EXPORTER_CYCLE_START:-}
case "$cycle" in
[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]) ;;
*) log "no cycle from run-actions ('$cycle'); not shutting down"; exit 1 ;;
esac
stamp="$STAMP_DIR/shutdown-$cycle"
if [ -e "$stamp" ]; then
	log "already shut down once in the cycle that began on $cycle; not again"
	exit 0
fi

up=$(cut -d. -f1 /proc/uptime)
minutes=$DELAY_MINUTES
grace_left=$((BOOT_GRACE_MINUTES * 60 - up))
if [ "$grace_left" -gt 0 ]; then
	left=$(((grace_left + 59) / 60))
	[ "$left" -le "$minutes" ] || minutes=$left
	log "the machine booted ${up}s ago, inside the boot grace of $BOOT_GRACE_MINUTES min: the shutdown comes when the grace ends"
fi
if [ $((minutes * 60)) -ge "${VNSTAT_EXPORTER_RESETS_IN:-0}" ]; then
	log "the cycle resets on ${VNSTAT_EXPORTER_RESETS_ON:-?}, before a shutdown in $minutes min: not shutting down"
	exit 0
fi

mkdir -p "$STAMP_DIR"
date -u +%FT%TZ >"$stamp"
log "the quota of the cycle that began on $cycle is used up (the ${VNSTAT_EXPORTER_THRESHOLD}% threshold): shutting down in $minutes min"
if ! shutdown -h "+$minutes" "vnstat-exporter: traffic quota used up; shutting down. Cancel with: shutdown -c"; then
	rm -f "$stamp"
	log "shutdown failed"
	exit 1
fi
