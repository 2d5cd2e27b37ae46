package main

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
)

// crossBinary is the daemon for goarch (and goarm), behind a wrapper
// that runs it under qemu-user-static: the binary named by
// CROSS_BIN_<goarch><goarm> (CROSS_BIN_arm64, ...) or found in DIST_DIR
// (what `make dist` built) when one is set, else one built here.
func crossBinary(t *testing.T, goarch, goarm, distName, qemu string) string {
	t.Helper()
	q, err := exec.LookPath(qemu)
	if err != nil {
		t.Skipf("needs %s (apt-get install qemu-user-static)", qemu)
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "vnstat-exporter-"+goarch+goarm)
	if given := os.Getenv("CROSS_BIN_" + goarch + goarm); given != "" {
		// A binary taken from elsewhere, such as the arm64 image.
		bin = given
	} else if dist := os.Getenv("DIST_DIR"); dist != "" {
		bin = filepath.Join(dist, distName, "vnstat-exporter")
		if _, err := os.Stat(bin); err != nil {
			t.Fatalf("DIST_DIR is set but %v", err)
		}
	} else {
		cmd := exec.Command("go", "build", "-trimpath", "-tags", "timetzdata", "-o", bin, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch, "GOARM="+goarm, "GOMIPS=softfloat")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build for %s: %v\n%s", goarch, err, out)
		}
	}
	wrapper := filepath.Join(dir, "run")
	if err := os.WriteFile(wrapper, []byte("#!/bin/sh\nexec "+q+" "+bin+" \"$@\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return wrapper
}

// TestCrossArch runs the arm64, armv7 and mipsle binaries (a Raspberry Pi,
// an ARM VPS, an OpenWrt router) under qemu-user-static against a real vnstat database: the webhook
// must equal the sums of the rows, and /health say ok.
func TestCrossArch(t *testing.T) {
	testrig.Long(t)
	testrig.Vnstat(t)
	_, today := localToday()
	lo, dbdir := oneIfaceDB(t, "lo", 21, true)
	start := cycleStart(today, 15)
	rx, tx := lo.Sum(start, today)
	for _, arch := range []struct{ goarch, goarm, dist, qemu string }{
		{"arm64", "", "vnstat-exporter_linux_arm64_v8.0", "qemu-aarch64-static"},
		{"arm", "7", "vnstat-exporter_linux_arm_7", "qemu-arm-static"},
		// OpenWrt: the other SQLite (vnstatsrc/sqlite_ncruces.go).
		{"mipsle", "", "vnstat-exporter_linux_mipsle_softfloat", "qemu-mipsel-static"},
	} {
		t.Run(arch.goarch+arch.goarm, func(t *testing.T) {
			bin := crossBinary(t, arch.goarch, arch.goarm, arch.dist, arch.qemu)
			d := startDaemon(t, bin, "VNSTAT_DBDIR="+dbdir, "INTERFACES=lo", "START_DAY=15", "POLL_INTERVAL=2s", "LIVE=false", "QUOTA=2TB")
			var got struct {
				webhookResponse
				UsedBytes uint64 `json:"used_bytes"`
			}
			body := d.waitFor(t, e2eSecret, http.StatusOK)
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatal(err)
			}
			if got.InBytes != rx || got.OutBytes != tx || got.UsedBytes != rx+tx || got.StartDate != start.Format(time.DateOnly) ||
				string(got.In) != mibString(rx) || string(got.Out) != mibString(tx) {
				t.Errorf("%s answered %s; want in %d (%s MiB) out %d (%s MiB) from %s", arch.goarch, body, rx, mibString(rx), tx, mibString(tx), start.Format(time.DateOnly))
			}
			d.waitFor(t, "/health", http.StatusOK, `"status":"ok"`)
		})
	}
}
