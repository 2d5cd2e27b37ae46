package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// qdisc is the root qdisc of link.
func qdisc(t *testing.T, link string) string {
	t.Helper()
	out, err := exec.Command("tc", "qdisc", "show", "dev", link, "root").CombinedOutput()
	if err != nil {
		t.Fatalf("tc qdisc show: %v: %s", err, out)
	}
	return string(out)
}

// waitSpool waits for n files in the spool directory.
func waitSpool(t *testing.T, spool string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		files, _ := filepath.Glob(filepath.Join(spool, "*.json"))
		if len(files) >= n {
			return files
		}
		if time.Now().After(deadline) {
			t.Fatalf("spool holds %v, want %d files", files, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestRootActionThrottle runs the privilege-separated chain for real: the
// unprivileged daemon (ROOT_ACTIONS=true) spools the 100 % event, the root
// runner runs scripts/actions/tc-throttle.sh, which puts a tbf qdisc on
// the interface; once only. A restart that finds the state of the last
// cycle spools the new cycle's summary, and the runner lifts the throttle.
func TestRootActionThrottle(t *testing.T) {
	long(t)
	if why := vnstattest.Tools(); why != "" {
		t.Skip(why)
	}
	n := newTestNet(t)
	if _, err := exec.LookPath("tc"); err != nil {
		t.Skip("needs tc (apt-get install iproute2)")
	}
	bin := buildBinary(t)
	_, today := localToday()
	iface, dbdir := oneIfaceDB(t, n.Host, 5, false)
	start := cycleStart(today, 1)
	rx, tx := iface.Sum(start, today)
	work := t.TempDir()
	state := filepath.Join(work, "state")
	spool := filepath.Join(state, "actions")
	script, err := filepath.Abs("../../scripts/actions/tc-throttle.sh")
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"VNSTAT_DBDIR=" + dbdir, "INTERFACES=" + n.Host, "POLL_INTERVAL=1s", "LIVE=false", "STATE_DIR=" + state,
		"QUOTA=" + strconv.FormatUint(rx+tx, 10), "ROOT_ACTIONS=true"}
	d := startDaemon(t, bin, env...)
	files := waitSpool(t, spool, 1)
	if !strings.Contains(files[0], "threshold-100_"+start.Format(time.DateOnly)) {
		t.Errorf("spooled %v", files)
	}
	runActions := func() string {
		t.Helper()
		out, err := exec.Command(bin, "run-actions", "-spool", spool, "-owner", strconv.Itoa(os.Geteuid()), "-ledger", filepath.Join(work, "ledger", "done"), script).CombinedOutput()
		if err != nil {
			t.Fatalf("run-actions: %v\n%s", err, out)
		}
		return string(out)
	}
	out := runActions()
	t.Logf("runner output:\n%s", out)
	if q := qdisc(t, n.Host); !strings.Contains(q, "qdisc tbf") || !strings.Contains(q, "rate 1Mbit") {
		t.Errorf("after the 100%% event: %s\nrunner: %s", q, out)
	}
	if !strings.Contains(out, "throttled "+n.Host+" to 1mbit: 100.00% of the quota used") {
		t.Errorf("runner output: %s", out)
	}
	// Nothing spooled again, nothing run again.
	if out := runActions(); strings.Contains(out, "running action") {
		t.Errorf("second run: %s", out)
	}
	d.stop(t)

	// The state says the daemon last saw the previous cycle: the restart
	// is at the seam, and sums that cycle up.
	var st map[string]any
	b, err := os.ReadFile(filepath.Join(state, "alerts.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	st["cycle"] = cycleStart(start.AddDate(0, 0, -1), 1).Format(time.DateOnly)
	b, _ = json.Marshal(st)
	if err := os.WriteFile(filepath.Join(state, "alerts.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	startDaemon(t, bin, env...)
	files = waitSpool(t, spool, 2)
	if !strings.Contains(files[0], "new_cycle_") || !strings.Contains(files[1], "threshold-100_") {
		t.Errorf("spooled %v: want the summary, then 100 %% of the new cycle", files)
	}
	out = runActions()
	t.Logf("runner output:\n%s", out)
	// The summary lifts the throttle, the new cycle's 100 % puts it back:
	// both ran, in order.
	if i, j := strings.Index(out, "lifted the throttle"), strings.LastIndex(out, "throttled "+n.Host); i < 0 || j < i {
		t.Errorf("runner output: %s", out)
	}
}

// TestDelayedShutdownGuards runs scripts/actions/delayed-shutdown.sh with a
// shutdown command that only records: the boot guard holds on a machine
// that booted recently, and it shuts down once per cycle.
func TestDelayedShutdownGuards(t *testing.T) {
	script, err := filepath.Abs("../../scripts/actions/delayed-shutdown.sh")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	calls := filepath.Join(work, "calls")
	fake := filepath.Join(work, "shutdown")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho \"$@\" >> "+calls+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	up, err := os.ReadFile("/proc/uptime")
	if err != nil {
		t.Skip("no /proc/uptime")
	}
	secs, _ := strconv.ParseFloat(strings.Fields(string(up))[0], 64)
	run := func(guardMinutes int, event, threshold string) string {
		t.Helper()
		cmd := exec.Command(script)
		cmd.Env = []string{"PATH=/usr/bin:/bin", "SHUTDOWN=" + fake, "STAMP_DIR=" + filepath.Join(work, "stamps"),
			"BOOT_GUARD_MINUTES=" + strconv.Itoa(guardMinutes), "VNSTAT_EXPORTER_EVENT=" + event, "VNSTAT_EXPORTER_THRESHOLD=" + threshold,
			"VNSTAT_EXPORTER_CYCLE_START=2026-11-01", "VNSTAT_EXPORTER_PERCENT=100.00"}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		return string(out)
	}
	// Booted less than the guard ago: no shutdown.
	if out := run(int(secs/60)+10, "threshold", "100"); !strings.Contains(out, "boot guard: not shutting down") {
		t.Errorf("guard: %s", out)
	}
	run(0, "threshold", "90")
	run(0, "new_cycle", "")
	if got := linesOf(t, calls); len(got) != 0 {
		t.Fatalf("shut down for %q", got)
	}
	run(0, "threshold", "100")
	if out := run(0, "threshold", "100"); !strings.Contains(out, "already shut down once") {
		t.Errorf("second time: %s", out)
	}
	b, _ := os.ReadFile(calls)
	if !strings.HasPrefix(string(b), "-h +10 vnstat-exporter: traffic quota used up") || strings.Count(string(b), "\n") != 1 {
		t.Errorf("shutdown called with %q, want once", b)
	}
}

// TestThrottleRefusesGlobs: an interface name that is a glob is refused,
// not expanded against the working directory (/ under the runner).
func TestThrottleRefusesGlobs(t *testing.T) {
	script, err := filepath.Abs("../../scripts/actions/tc-throttle.sh")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	calls := filepath.Join(work, "calls")
	if err := os.WriteFile(filepath.Join(work, "tc"), []byte("#!/bin/sh\necho \"$@\" >> "+calls+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, names := range []string{"*", "eth0,*", "?", "[a-z]*"} {
		cmd := exec.Command(script)
		cmd.Dir = "/"
		cmd.Env = []string{"PATH=" + work + ":/usr/bin:/bin", "VNSTAT_EXPORTER_EVENT=threshold", "VNSTAT_EXPORTER_THRESHOLD=100",
			"VNSTAT_EXPORTER_INTERFACES=" + names}
		out, err := cmd.CombinedOutput()
		if err == nil || !strings.Contains(string(out), "refusing interface name") {
			t.Errorf("INTERFACES=%s: %v: %s", names, err, out)
		}
	}
	if b, err := os.ReadFile(calls); err == nil {
		t.Errorf("tc was called: %s", b)
	}
}

// TestRunActionsRefusesALinkedSpool runs the runner's binary against a
// spool the daemon replaced with a link to a directory of root's: it
// exits 1 with one line that says why, and the directory is untouched.
func TestRunActionsRefusesALinkedSpool(t *testing.T) {
	bin := buildBinary(t)
	work := t.TempDir()
	victim := filepath.Join(work, "etc")
	if err := os.Mkdir(victim, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(victim, "0001795089600000001-x.json"), []byte(`{"env":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(work, "state")
	if err := os.Mkdir(state, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(state, "actions")); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(work, "action")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho ran\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "run-actions", "-spool", filepath.Join(state, "actions"), "-owner", strconv.Itoa(os.Geteuid()),
		"-ledger", filepath.Join(work, "ledger", "done"), script)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if exitCode(err) != 1 || strings.Count(stderr.String(), "\n") != 1 || !strings.Contains(stderr.String(), "is not a directory (a symbolic link is not followed)") {
		t.Errorf("run-actions: %v\nstdout: %s\nstderr: %s", err, stdout.String(), stderr.String())
	}
	if entries, _ := os.ReadDir(victim); len(entries) != 1 {
		t.Errorf("the linked directory holds %v", entries)
	}
	// An unknown -owner is a usage error.
	out, err := exec.Command(bin, "run-actions", "-owner", "no-such-user-x", script).CombinedOutput()
	if exitCode(err) != 2 || !strings.Contains(string(out), `-owner "no-such-user-x"`) {
		t.Errorf("unknown owner: %v: %s", err, out)
	}
}

// exitCode is the exit status err reports: 0 for nil, -1 for an error
// that is not an exit status.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := errors.AsType[*exec.ExitError](err); ok {
		return ee.ExitCode()
	}
	return -1
}
