#!/bin/sh
# vnstat-exporter root action: throttle the interfaces' outgoing traffic
# when the quota is used up (the AT_PERCENT threshold, 100 by default),
# and put back exactly the shaping it found when the next cycle begins
# (the new_cycle event) or when asked (vnstat-exporter run-actions lift).
#
# Install:  install -m 0755 scripts/actions/tc-throttle.sh /etc/vnstat-exporter/action
#           INTERFACES and START_DAY in /etc/vnstat-exporter/actions.env
#           systemctl enable --now vnstat-exporter-actions.path
#           and ROOT_ACTIONS=true in /etc/vnstat-exporter/vnstat-exporter.env
#
# Run by `vnstat-exporter run-actions`, which gives it root's own values
# (never the daemon's): the interfaces from INTERFACES of actions.env, the
# cycle by root's clock; its settings come from actions.env too:
#   RATE=1mbit          the throttled rate (tc's units: kbit, mbit, ...)
#   AT_PERCENT=100      the threshold that throttles
#   THROTTLE_DIR=/var/lib/vnstat-exporter-actions/throttle
#                       where the shaping found is kept until it is put back
#
# It shapes egress only (a tbf root qdisc): that is what most providers
# bill, and shaping what arrives needs an ifb device. Before it shapes an
# interface it saves what is there (tc -j qdisc show, tc -d class show)
# and works out how to put it back: the kernel's default qdisc, or a tree
# of tbf, htb (with its classes), pfifo, bfifo and pfifo_fast qdiscs. An
# interface whose shaping it could not put back exactly (tc filters,
# other kinds, tbf's peakrate) is not touched: the run fails with a line
# that says why. Needs tc (iproute2) and jq.
set -eu
set -f # no globbing: a name such as * stays *
: "${RATE:=1mbit}"
: "${AT_PERCENT:=100}"
: "${THROTTLE_DIR:=/var/lib/vnstat-exporter-actions/throttle}"
HANDLE=1e55: # the throttle's own qdisc handle

log() { logger -t vnstat-exporter-action "$*" 2>/dev/null || true; echo "$*"; }

# valid NAME: an interface name tc will not cut or read as something
# else, that is on this host.
valid() {
	case "$1" in
	*[!A-Za-z0-9._@-]* | "" | . | ..) log "refusing interface name '$1'"; return 1 ;;
	esac
	if [ "${#1}" -gt 15 ]; then
		log "refusing interface name '$1': longer than 15 bytes"
		return 1
	fi
	if ! ip link show dev "$1" >/dev/null 2>&1; then
		log "refusing interface '$1': not on this host"
		return 1
	fi
}

# ours NAME: the root qdisc is the throttle.
ours() {
	[ "$(tc -j qdisc show dev "$1" root | jq -r '.[0] | "\(.kind) \(.handle)"')" = "tbf $HANDLE" ]
}

# qdisc_args [N]: tc's arguments for the qdisc in JSON on stdin (kind and
# options; a tbf's burst N bytes more), or nothing for a kind it cannot
# put back exactly.
qdisc_args() {
	jq -r --argjson more "${1:-0}" '
	  .options as $o |
	  if .kind == "tbf" and ($o | has("minburst") | not) then
	    "tbf rate \($o.rate * 8)bit burst \($o.burst + $more)b" +
	      (if $o.lat != null then " latency \($o.lat)us" else " limit \($o.limit)b" end)
	  elif .kind == "htb" then
	    "htb r2q \($o.r2q) default \($o.default) direct_qlen \($o.direct_qlen)"
	  elif .kind == "pfifo" or .kind == "bfifo" then "\(.kind) limit \($o.limit)"
	  elif .kind == "pfifo_fast" then "pfifo_fast"
	  else empty end'
}

# plan NAME DIR: saves NAME's shaping into DIR and writes DIR/restore,
# the tc commands that put it back; fails, saying why, when it cannot.
plan() {
	i=$1 dir=$2
	tc -j qdisc show dev "$i" >"$dir/qdisc.json"
	tc qdisc show dev "$i" >"$dir/qdisc"
	tc -d class show dev "$i" >"$dir/class"
	# Ingress and clsact sit apart from the root, which the throttle
	# replaces: they stay as they are.
	jq -c '.[] | select(.parent != "ffff:fff1")' "$dir/qdisc.json" >"$dir/tree"
	echo 'tc qdisc del dev "$i" root' >"$dir/restore.new"
	why=""
	for h in $(jq -r .handle "$dir/tree") $(awk '$1 == "class" {print $3}' "$dir/class"); do
		if [ -n "$(tc filter show dev "$i" parent "$h" 2>/dev/null)" ]; then
			why="it has tc filters (parent $h)"
		fi
	done
	if [ -z "$why" ] && [ -z "$(jq -c 'select(.handle != "0:")' "$dir/tree")" ]; then
		# The kernel's default (noqueue, mq, pfifo_fast, fq_codel): it
		# comes back when the root qdisc is deleted.
		mv "$dir/restore.new" "$dir/restore"
		return 0
	fi
	if [ -n "$(awk '$1 == "class" && $2 != "htb" && $2 != "tbf"' "$dir/class")" ]; then
		why="it has classes other than htb's"
	fi
	# The root qdisc, then the classes, parents first (a higher level is
	# nearer the root), then the other qdiscs, which hang from classes.
	jq -c 'select(.root)' "$dir/tree" >"$dir/roots"
	while read -r q; do
		args=$(printf '%s' "$q" | qdisc_args)
		[ -n "$args" ] || why="its root qdisc is $(printf '%s' "$q" | jq -r .kind)"
		echo "tc qdisc add dev \"\$i\" root handle $(printf '%s' "$q" | jq -r .handle) $args" >>"$dir/restore.new"
	done <"$dir/roots"
	awk '$1 == "class" && $2 == "htb"' "$dir/class" | sed 's/.* level \([0-9]*\) *$/\1 &/' | sort -rn -k1,1 -s | cut -d' ' -f2- >"$dir/classes"
	while read -r line; do
		set -- $line
		id=$3 parent=root args=""
		shift 3
		while [ $# -gt 0 ]; do
			case "$1" in
			parent) parent="parent $2"; shift ;;
			leaf | mpu | linklayer | level | overhead) shift ;;
			prio | quantum | rate | ceil) args="$args $1 $2"; shift ;;
			burst | cburst) args="$args $1 ${2%/*}"; shift ;;
			esac
			shift
		done
		echo "tc class add dev \"\$i\" $parent classid $id htb$args" >>"$dir/restore.new"
	done <"$dir/classes"
	jq -c 'select((.root | not) and .handle != "0:")' "$dir/tree" >"$dir/leaves"
	while read -r q; do
		args=$(printf '%s' "$q" | qdisc_args)
		[ -n "$args" ] || why="it has a $(printf '%s' "$q" | jq -r .kind) qdisc"
		echo "tc qdisc add dev \"\$i\" parent $(printf '%s' "$q" | jq -r .parent) handle $(printf '%s' "$q" | jq -r .handle) $args" >>"$dir/restore.new"
	done <"$dir/leaves"
	if [ -n "$why" ]; then
		log "not throttling $i: $why, which this script cannot put back exactly; adapt it, or remove that shaping"
		return 1
	fi
	mv "$dir/restore.new" "$dir/restore"
}

throttle() {
	i=$1 dir=$THROTTLE_DIR/$1
	if [ -f "$dir/restore" ] && ours "$i"; then
		tc qdisc change dev "$i" root handle "$HANDLE" tbf rate "$RATE" burst 32kbit latency 400ms
		log "$i stays throttled to $RATE"
		return 0
	fi
	rm -rf "$dir"
	mkdir -p "$dir"
	if ! plan "$i" "$dir"; then
		rm -rf "$dir"
		return 1
	fi
	tc qdisc replace dev "$i" root handle "$HANDLE" tbf rate "$RATE" burst 32kbit latency 400ms
	log "throttled $i to $RATE: the ${VNSTAT_EXPORTER_THRESHOLD}% threshold of the cycle that began on $VNSTAT_EXPORTER_CYCLE_START; lifted when the cycle resets on $VNSTAT_EXPORTER_RESETS_ON"
}

# bursts NAME DIR: tbf keeps its burst as a time at its rate, which tc
# shows rounded down: given back, a burst can come out a few bytes lower
# than it was. Raise each a byte at a time until it is as it was.
bursts() {
	jq -c 'select(.kind == "tbf")' "$2/tree" >"$2/tbfs"
	while read -r q; do
		h=$(printf '%s' "$q" | jq -r .handle)
		where=$(printf '%s' "$q" | jq -r 'if .root then "root" else "parent \(.parent)" end')
		want=$(printf '%s' "$q" | jq .options.burst)
		more=0
		while [ "$(tc -j qdisc show dev "$1" | jq --arg h "$h" '.[] | select(.handle == $h) | .options.burst')" -lt "$want" ] && [ "$more" -lt 64 ]; do
			more=$((more + 1))
			# shellcheck disable=SC2046,SC2086 # words on purpose
			tc qdisc change dev "$1" $where handle "$h" $(printf '%s' "$q" | qdisc_args "$more")
		done
	done <"$2/tbfs"
}

lift() {
	i=$1 dir=$THROTTLE_DIR/$1
	[ -f "$dir/restore" ] || return 0
	if ! ours "$i"; then
		log "not lifting $i: its root qdisc is no longer the throttle (changed by hand?); left as it is"
		rm -rf "$dir"
		return 1
	fi
	if ! (. "$dir/restore"); then
		log "putting back the shaping of $i failed (tc's error above); what was there is saved in $dir"
		return 1
	fi
	bursts "$i" "$dir"
	# htb's direct_packets_stat is a counter, not shaping: packets that
	# come while its classes are put back go direct and count there.
	if [ "$(tc -j qdisc show dev "$i" | jq -c 'map(del(.refcnt, .options.direct_packets_stat))')" != "$(jq -c 'map(del(.refcnt, .options.direct_packets_stat))' "$dir/qdisc.json")" ] ||
		[ "$(tc qdisc show dev "$i" | sed 's/ direct_packets_stat [0-9]*//')" != "$(sed 's/ direct_packets_stat [0-9]*//' "$dir/qdisc")" ] ||
		[ "$(tc -d class show dev "$i")" != "$(cat "$dir/class")" ]; then
		log "lifted the throttle on $i, but what is there now differs from what was saved in $dir: compare with tc qdisc show dev $i"
		return 1
	fi
	rm -rf "$dir"
	log "lifted the throttle on $i: its shaping is as it was"
}

command -v jq >/dev/null || { log "tc-throttle needs jq (apt-get install jq)"; exit 1; }
failed=0
for i in $(printf '%s' "${VNSTAT_EXPORTER_INTERFACES:-}" | tr ',' ' '); do
	valid "$i" || { failed=1; continue; }
	case "${VNSTAT_EXPORTER_EVENT:-}" in
	threshold)
		[ "${VNSTAT_EXPORTER_THRESHOLD:-0}" -ge "$AT_PERCENT" ] || continue
		throttle "$i" || failed=1
		;;
	new_cycle | lift)
		lift "$i" || failed=1
		;;
	esac
done
exit "$failed"
