#!/usr/bin/env bash
# Checks what `make dist` builds, as CI does, on this amd64 machine:
#  - SHA256SUMS matches every archive and package; the binary sizes per arch;
#  - the arm64, armv7 and mipsle binaries answer the webhook with the right
#    numbers under qemu-user-static (TestCrossArch with DIST_DIR);
#  - the amd64 .deb installs with apt-get in a fresh debian:bookworm-slim
#    container: vnstat is pulled in, the env file gets a random secret
#    (mode 0600), the units pass systemd-analyze verify, and a reinstall
#    keeps an edited env file;
#  - the image builds for arm64 from the same Dockerfile (Go cross-compiles;
#    no emulation), and its binary passes TestCrossArch under qemu.
#  - the .rpm requires vnstat and holds the binary, units, env template and
#    the postinstall (read with rpm; there is no Fedora image here).
# Needs root, podman with the base images (../shared/container/make-base-images.sh),
# qemu-user-static, rpm, vnstat and sqlite3. Run after `make dist`.
set -euo pipefail
cd "$(dirname "$0")/.."
engine=${CONTAINER:-podman}
work=$(mktemp -d)
cleanup() { "$engine" rm -f "dist-test-$$" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
fail() { echo "dist-test: FAIL: $*" >&2; exit 1; }

[ -f dist/SHA256SUMS ] || fail "no dist/SHA256SUMS: run make dist first"
(cd dist && sha256sum --quiet -c SHA256SUMS) || fail "SHA256SUMS does not match"
echo "dist-test: SHA256SUMS matches $(wc -l <dist/SHA256SUMS) files"
for d in dist/vnstat-exporter_linux_*/; do
  printf 'dist-test: binary %-40s %10d bytes\n' "$(basename "$d")" "$(stat -c %s "$d/vnstat-exporter")"
done

DIST_DIR=$PWD/dist go test -count=1 -run '^TestCrossArch$' -v ./cmd/vnstat-exporter | grep -E '^\s*--- |^(ok|FAIL)'
echo "dist-test: dist's arm64, armv7 and mipsle binaries answered the webhook under qemu"

deb=$(ls dist/vnstat-exporter_*_linux_amd64.deb)
"$engine" run --rm --network host -v "$PWD/dist:/dist:ro" debian:bookworm-slim sh -euc '
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "/dist/$(basename "$1")" >/tmp/install.log 2>&1 || { tail -20 /tmp/install.log; exit 1; }
  dpkg-query -W -f="\${Status}\n" vnstat | grep -qx "install ok installed" || { echo "vnstat was not pulled in"; exit 1; }
  env=/etc/vnstat-exporter/vnstat-exporter.env
  grep -qE "^WEBHOOK_PATH=/webhook/[0-9a-f]{32}$" "$env" || { echo "no random WEBHOOK_PATH in $env"; exit 1; }
  [ "$(stat -c %a "$env")" = 600 ] || { echo "$env mode $(stat -c %a "$env")"; exit 1; }
  a=/etc/vnstat-exporter/actions.env
  [ "$(stat -c %a:%U "$a")" = 644:root ] && grep -qx START_DAY=1 "$a" || { echo "no actions.env of root, 0644, with START_DAY=1"; exit 1; }
  echo "QUOTA=500GB" >>"$env"
  cp "$env" /tmp/edited
  apt-get install -y -qq --reinstall "/dist/$(basename "$1")" >/tmp/reinstall.log 2>&1 || { tail -20 /tmp/reinstall.log; exit 1; }
  cmp -s "$env" /tmp/edited || { echo "the reinstall changed the edited env file"; exit 1; }
  /usr/bin/vnstat-exporter -version
  apt-get install -y -qq systemd procps >/tmp/systemd.log 2>&1 || { tail -20 /tmp/systemd.log; exit 1; }
  # --man=no: debian:bookworm-slim leaves man pages out, so man:vnstat(1)
  # cannot be found there (the host check in deploy-check.sh includes it).
  out=$(systemd-analyze verify --man=no vnstat-exporter.service vnstat-exporter-actions.service vnstat-exporter-actions.path 2>&1) || { echo "$out"; exit 1; }
  [ -z "$out" ] || { echo "systemd-analyze verify: $out"; exit 1; }
  echo "installed: vnstat $(dpkg-query -W -f="\${Version}" vnstat), env file 0600 with a secret, kept on reinstall, actions.env of root 0644, units verified"
' sh "$deb" | sed 's/^/dist-test: deb: /'

# The .rpm: no Fedora image here, so its metadata is read with rpm(8).
rpmfile=$(ls dist/vnstat-exporter_*_linux_amd64.rpm)
rpm -qp --requires "$rpmfile" 2>/dev/null | grep -qx vnstat || fail "$rpmfile does not require vnstat"
for f in /usr/bin/vnstat-exporter /usr/lib/systemd/system/vnstat-exporter.service /usr/lib/systemd/system/vnstat-exporter-actions.path \
  /usr/share/vnstat-exporter/vnstat-exporter.env; do
  rpm -qpl "$rpmfile" 2>/dev/null | grep -qx "$f" || fail "$rpmfile lacks $f"
done
rpm -qp --scripts "$rpmfile" 2>/dev/null | grep -q 'WEBHOOK_PATH=/webhook/' || fail "$rpmfile has no postinstall writing the secret"
echo "dist-test: rpm: requires vnstat, holds the binary, units and env template, and the postinstall"

# buildah does not set BUILDPLATFORM by itself (docker buildx does).
"$engine" build --platform linux/arm64 --build-arg BUILDPLATFORM="linux/$(go env GOARCH)" --format docker --network host --build-arg VERSION=dist-test -t vnstat-exporter:arm64-test . >"$work/build.log" 2>&1 ||
  { tail -30 "$work/build.log" >&2; fail "arm64 image build"; }
arch=$("$engine" image inspect vnstat-exporter:arm64-test --format '{{.Architecture}}')
[ "$arch" = arm64 ] || fail "image architecture $arch, want arm64"
"$engine" create --name "dist-test-$$" vnstat-exporter:arm64-test >/dev/null
"$engine" cp "dist-test-$$:/usr/local/bin/vnstat-exporter" "$work/vnstat-exporter-arm64"
CROSS_BIN_arm64=$work/vnstat-exporter-arm64 go test -count=1 -run '^TestCrossArch$/^arm64$' -v ./cmd/vnstat-exporter | grep -E '^\s*--- |^(ok|FAIL)'
echo "dist-test: the arm64 image ($("$engine" image inspect vnstat-exporter:arm64-test --format '{{.Size}}') bytes) holds an arm64 binary that answers under qemu"
echo "dist-test: passed"
