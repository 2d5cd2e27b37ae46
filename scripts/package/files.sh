#!/bin/sh
# GoReleaser's before hook: the units as packages install them, with the
# binary in /usr/bin (Debian and Fedora policy) instead of install.sh's
# /usr/local/bin. Writes build/package/.
set -eu
cd "$(dirname "$0")/../.."
mkdir -p build/package
for u in vnstat-exporter.service vnstat-exporter-actions.service vnstat-exporter-actions.path; do
	sed 's#/usr/local/bin/vnstat-exporter#/usr/bin/vnstat-exporter#g; s#/usr/local/share/vnstat-exporter#/usr/share/vnstat-exporter#g' "systemd/$u" >"build/package/$u"
done
