#!/bin/sh
# vnstat-exporter package: after removal (deb postrm, rpm %postun). A deb
# purge also removes the env files the package wrote (vnstat-exporter.env,
# actions.env); the alerts' state in
# /var/lib/vnstat-exporter is systemd's (StateDirectory=) and stays.
set -e
if [ "$1" = purge ]; then
	rm -f /etc/vnstat-exporter/vnstat-exporter.env /etc/vnstat-exporter/actions.env
	rmdir /etc/vnstat-exporter 2>/dev/null || true
fi
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
fi
exit 0
