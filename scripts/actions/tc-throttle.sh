#!/bin/sh
# vnstat-exporter root action: throttle the reported interfaces' outgoing
# traffic when the quota is used up (the 100 % threshold), and lift it
# when the new cycle begins.
#
# Install:  install -m 0755 scripts/actions/tc-throttle.sh /etc/vnstat-exporter/action
#           systemctl enable --now vnstat-exporter-actions.path
#           and ROOT_ACTIONS=true in /etc/vnstat-exporter/vnstat-exporter.env
#
# It shapes egress only (a tbf root qdisc): that is what most providers
# bill, and shaping what arrives needs an ifb device.
# Run by vnstat-exporter-actions.service with the event in VNSTAT_EXPORTER_*
# variables; the settings below can be given in the environment when the
# script is run by hand.
set -eu
set -f                      # no globbing: a name such as * stays *
: "${RATE:=1mbit}"          # the throttled rate
: "${AT_PERCENT:=100}"      # the threshold that throttles

log() { logger -t vnstat-exporter-action "$*" 2>/dev/null || true; echo "$*"; }

# The names come from the unprivileged daemon: accept only what Linux
# allows in an interface name, and quote them anyway.
ifaces=$(printf '%s' "${VNSTAT_EXPORTER_INTERFACES:-}" | tr ',' ' ')
for i in $ifaces; do
	case "$i" in
	*[!A-Za-z0-9._@-]* | "") log "refusing interface name '$i'"; exit 1 ;;
	esac
done

case "${VNSTAT_EXPORTER_EVENT:-}" in
threshold)
	[ "${VNSTAT_EXPORTER_THRESHOLD:-0}" -ge "$AT_PERCENT" ] || exit 0
	for i in $ifaces; do
		tc qdisc replace dev "$i" root tbf rate "$RATE" burst 32kbit latency 400ms
		log "throttled $i to $RATE: ${VNSTAT_EXPORTER_PERCENT:-?}% of the quota used, resets on ${VNSTAT_EXPORTER_RESETS_ON:-?}"
	done
	;;
new_cycle)
	for i in $ifaces; do
		if tc qdisc show dev "$i" root | grep -q '^qdisc tbf'; then
			tc qdisc del dev "$i" root
			log "lifted the throttle on $i: a new cycle began"
		fi
	done
	;;
esac
