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

	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
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
	testrig.Long(t)
	testrig.Vnstat(t)
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
	env := []string{"VNSTAT_DBDIR=" + dbdir, "INTERFACES=" + n.Host, "POLL_INTERVAL=1s", "LIVE=false", "STATE_DIR=" + state, "SUMMARY_AFTER=0s",
		"QUOTA=" + strconv.FormatUint(rx+tx, 10), "ROOT_ACTIONS=true"}
	d := startDaemon(t, bin, env...)
	files := waitSpool(t, spool, 1)
	if !strings.Contains(files[0], "threshold-100_"+start.Format(time.DateOnly)) {
		t.Errorf("spooled %v", files)
	}
	settings := writeSettings(t, "START_DAY=1\nINTERFACES="+n.Host+"\nTHROTTLE_DIR="+filepath.Join(work, "throttle")+"\n")
	runActions := func() string {
		t.Helper()
		out, err := exec.Command(bin, "run-actions", "-spool", spool, "-owner", strconv.Itoa(os.Geteuid()), "-ledger", filepath.Join(work, "ledger", "done"),
			"-settings", settings, script).CombinedOutput()
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
	if !strings.Contains(out, "throttled "+n.Host+" to 1mbit: the 100% threshold of the cycle that began on "+start.Format(time.DateOnly)) {
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
		"-ledger", filepath.Join(work, "ledger", "done"), "-settings", writeSettings(t, "START_DAY=1\nINTERFACES=eth0\n"), script)
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
	out, err := exec.Command(bin, "run-actions", "-owner", "no-such-user-x", "-settings", writeSettings(t, "START_DAY=1\nINTERFACES=eth0\n"), script).CombinedOutput()
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

// writeSettings writes root's settings for the actions (actions.env) into
// a file of the test's, 0644.
func writeSettings(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "actions.env")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestRunActionsInitAndLift: run-actions init writes root's settings from
// the daemon's env file (START_DAY and INTERFACES as the daemon reads
// them), 0644, and keeps an existing file; run-actions lift runs the
// script with the event lift and root's values; settings that others can
// change are refused with one line and exit 2.
func TestRunActionsInitAndLift(t *testing.T) {
	bin := buildBinary(t)
	work := t.TempDir()
	daemon := filepath.Join(work, "vnstat-exporter.env")
	if err := os.WriteFile(daemon, []byte("START_DAY=17\nINTERFACES=\"eth0, wlan0\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	settings := filepath.Join(work, "actions.env")
	out, err := exec.Command(bin, "run-actions", "init", "-env-file", daemon, "-settings", settings).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "wrote "+settings+" with START_DAY=17 and INTERFACES=eth0,wlan0") {
		t.Fatalf("init: %v: %s", err, out)
	}
	if fi, err := os.Stat(settings); err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("settings: %v %v", fi, err)
	}
	if err := os.WriteFile(daemon, []byte("START_DAY=3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(bin, "run-actions", "init", "-env-file", daemon, "-settings", settings).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "keeping the existing") {
		t.Fatalf("second init: %v: %s", err, out)
	}
	script := filepath.Join(work, "action")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nenv | grep ^VNSTAT_EXPORTER_ | grep -v RUN_ID | sort\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(bin, "run-actions", "lift", "-settings", settings, script).CombinedOutput()
	for _, want := range []string{`VNSTAT_EXPORTER_EVENT=lift`, `VNSTAT_EXPORTER_INTERFACES=eth0,wlan0`, `VNSTAT_EXPORTER_CYCLE_START=`} {
		if err != nil || !strings.Contains(string(out), want) {
			t.Errorf("lift: %v: %s lacks %s", err, out, want)
		}
	}
	if err := os.Chmod(settings, 0o666); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "run-actions", "lift", "-settings", settings, script)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err = cmd.Run()
	if exitCode(err) != 2 || strings.Count(stderr.String(), "\n") != 1 || !strings.Contains(stderr.String(), "-settings: "+settings+" must belong to user ID "+strconv.Itoa(os.Geteuid())+" and be 0644 or stricter") {
		t.Errorf("open settings: %v: %s", err, stderr.String())
	}
}
