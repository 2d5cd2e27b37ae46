#!/bin/sh
# vnstat-exporter package: before removal (deb prerm, rpm %preun). Stops
# the service on removal, not on upgrade (deb: "upgrade"; rpm: $1 = 1).
set -e
case "$1" in
upgrade | 1) exit 0 ;;
esac
if [ -d /run/systemd/system ]; then
	systemctl disable --now vnstat-exporter.service vnstat-exporter-actions.path >/dev/null 2>&1 || true
fi
exit 0
