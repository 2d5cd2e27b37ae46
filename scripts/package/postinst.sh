#!/bin/sh
# vnstat-exporter package: after install or upgrade (deb postinst, rpm %post).
# On the first install, writes /etc/vnstat-exporter/vnstat-exporter.env
# from the template with a random WEBHOOK_PATH, and
# /etc/vnstat-exporter/actions.env (root's settings for the root actions),
# as scripts/install.sh does; existing files are never touched, so
# upgrades keep your settings.
set -e
env_dir=/etc/vnstat-exporter
env_file=$env_dir/vnstat-exporter.env
if [ ! -e "$env_file" ]; then
	install -d -m 0755 "$env_dir"
	secret=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	old_umask=$(umask)
	umask 077
	{
		cat /usr/share/vnstat-exporter/vnstat-exporter.env
		echo
		echo "# Written on first install: a random secret path."
		echo "WEBHOOK_PATH=/webhook/$secret"
	} >"$env_file"
	umask "$old_umask"
	chmod 0600 "$env_file"
	echo "vnstat-exporter: wrote $env_file with a random WEBHOOK_PATH (read it there)"
fi
# Root's own settings for the root actions, from the daemon's START_DAY
# and INTERFACES; an existing file is kept.
/usr/bin/vnstat-exporter run-actions init -env-file "$env_file" -settings "$env_dir/actions.env" || true
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null 2>&1 || true
	systemctl enable vnstat-exporter.service >/dev/null 2>&1 || true
	systemctl restart vnstat-exporter.service || true
	echo "vnstat-exporter: running; its URL: sudo vnstat-exporter url -env-file $env_file"
else
	# A container or a minimal image: nothing starts vnstatd or this
	# service, and nothing said so before.
	echo "vnstat-exporter: systemd is not running here, so neither vnstatd nor vnstat-exporter was started. Start them with:"
	echo "  sudo vnstatd --daemon"
	echo "  sudo vnstat-exporter -env-file $env_file &"
fi
exit 0
