#!/usr/bin/env bash
# Installs vnstat-exporter as a systemd service, or removes it.
#
#   scripts/install.sh [--binary PATH]   build (or take PATH), install, enable, start
#   scripts/install.sh --uninstall       stop, disable, remove binary and units
#
# The root actions' units (vnstat-exporter-actions.path and .service) and
# the example action scripts (to /usr/local/share/vnstat-exporter/actions)
# are installed but not enabled: see README, "Alerts and actions".
#
# Idempotent. Never overwrites an existing env file; on first install it
# writes one with a random WEBHOOK_PATH. DESTDIR installs under another root
# (for packaging and tests) and skips systemctl.
set -euo pipefail

destdir=${DESTDIR:-}
bin_dst=$destdir/usr/local/bin/vnstat-exporter
unit_dst=$destdir/etc/systemd/system/vnstat-exporter.service
unit_dir=$destdir/etc/systemd/system
actions_units="vnstat-exporter-actions.path vnstat-exporter-actions.service"
examples_dst=$destdir/usr/local/share/vnstat-exporter/actions
env_dir=$destdir/etc/vnstat-exporter
env_dst=$env_dir/vnstat-exporter.env
here=$(cd "$(dirname "$0")/.." && pwd)

die() { echo "install.sh: $*" >&2; exit 1; }

binary=
uninstall=0
while [ $# -gt 0 ]; do
  case $1 in
    --binary) [ $# -ge 2 ] || die "--binary needs a path"; binary=$2; shift 2 ;;
    --uninstall) uninstall=1; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
done

[ "$(id -u)" = 0 ] || die "run as root (sudo $0 $*)"

# systemctl only on a live systemd and without DESTDIR.
systemd_live() { [ -z "$destdir" ] && [ -d /run/systemd/system ]; }

if [ $uninstall = 1 ]; then
  if systemd_live; then
    systemctl disable --now vnstat-exporter.service vnstat-exporter-actions.path 2>/dev/null || true
  fi
  rm -f "$bin_dst" "$unit_dst"
  for u in $actions_units; do rm -f "$unit_dir/$u"; done
  rm -rf "$examples_dst"
  rmdir "$(dirname "$examples_dst")" 2>/dev/null || true
  systemd_live && systemctl daemon-reload
  echo "install.sh: removed $bin_dst and $unit_dst; kept $env_dst (delete it yourself if you want)"
  exit 0
fi

if ! command -v vnstat >/dev/null 2>&1; then
  die "vnstat is not installed. Install it and start its daemon first:
  Debian/Ubuntu: sudo apt-get install vnstat
  RHEL/Fedora:   sudo dnf install epel-release && sudo dnf install vnstat && sudo systemctl enable --now vnstat
  Alpine:        sudo apk add vnstat && sudo rc-update add vnstatd && sudo rc-service vnstatd start"
fi

if [ -z "$binary" ]; then
  command -v go >/dev/null 2>&1 || die "no Go toolchain to build with; pass --binary PATH"
  binary=$(mktemp)
  trap 'rm -f "$binary"' EXIT
  version=$(git -C "$here" describe --always --dirty 2>/dev/null || echo dev)
  (cd "$here" && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=$version" -o "$binary" ./cmd/vnstat-exporter)
fi
[ -x "$binary" ] || die "$binary is not an executable"
"$binary" -version >/dev/null || die "$binary does not run"

install -D -m 0755 "$binary" "$bin_dst"
install -D -m 0644 "$here/systemd/vnstat-exporter.service" "$unit_dst"
for u in $actions_units; do install -D -m 0644 "$here/systemd/$u" "$unit_dir/$u"; done
install -d -m 0755 "$examples_dst"
install -m 0755 "$here"/scripts/actions/*.sh "$examples_dst/"
if [ -e "$env_dst" ]; then
  echo "install.sh: keeping the existing $env_dst"
else
  install -d -m 0755 "$env_dir"
  secret=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
  umask 077
  { cat "$here/systemd/vnstat-exporter.env"
    echo
    echo "# Written by install.sh: a random secret path."
    echo "WEBHOOK_PATH=/webhook/$secret"
  } >"$env_dst"
  chmod 0600 "$env_dst"
  echo "install.sh: wrote $env_dst with a random WEBHOOK_PATH (root can read it there)"
fi
# Root's own settings for the root actions, from the daemon's START_DAY
# and INTERFACES; an existing file is kept.
"$bin_dst" run-actions init -env-file "$env_dst" -settings "$env_dir/actions.env" || true

if systemd_live; then
  systemctl daemon-reload
  systemctl enable vnstat-exporter.service
  systemctl restart vnstat-exporter.service
  echo "install.sh: vnstat-exporter is running; check: systemctl status vnstat-exporter"
else
  echo "install.sh: installed under ${destdir:-/}; systemd is not running here, so the service was not started"
fi
