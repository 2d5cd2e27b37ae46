package actions

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCommandTimeout kills a command that runs too long, with its
// children, says so, and bounds its output.
func TestCommandTimeout(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "slow.sh")
	child := filepath.Join(dir, "child.pid")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nhead -c 100000 /dev/zero | tr '\\0' x\nsh -c 'echo $$ > "+child+"; exec sleep 120' &\nsleep 120\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	res := RunCommand(context.Background(), script, nil, 300*time.Millisecond)
	if !res.TimedOut || res.Err == nil || !strings.Contains(res.Err.Error(), "killed after the timeout of 300ms") {
		t.Errorf("result %+v, want killed at the timeout", res)
	}
	if len(res.Output) > MaxOutput+100 || !strings.Contains(res.Output, "more bytes") {
		t.Errorf("output of %d bytes not bounded: %.80q", len(res.Output), res.Output)
	}
	waitGone(t, child)
}

// TestCommandLeftoverKilled: a command that exits 0 at once but leaves a
// process in the background is reported as done, not as timed out, and
// what it left is killed when it exits.
func TestCommandLeftoverKilled(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "quick.sh")
	child := filepath.Join(dir, "child.pid")
	if err := os.WriteFile(script, []byte("#!/bin/sh\n(sh -c 'echo $$ > "+child+"; exec sleep 120') &\nwhile [ ! -s "+child+" ]; do :; done\necho started\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	res := RunCommand(context.Background(), script, nil, time.Minute)
	if res.Err != nil || res.TimedOut || res.Leftover == 0 || res.Output != "started" {
		t.Errorf("result %+v, want done, with a leftover killed", res)
	}
	waitGone(t, child)
}

// waitGone waits until the process whose ID is in the file pidFile is
// gone (or a zombie), failing after a minute.
func waitGone(t *testing.T, pidFile string) {
	t.Helper()
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatalf("the child did not start: %v", err)
	}
	pid := strings.TrimSpace(string(b))
	deadline := time.Now().Add(time.Minute)
	for {
		stat, err := os.ReadFile("/proc/" + pid + "/stat")
		if err != nil || strings.Contains(string(stat), ") Z ") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %s still running: %s", pid, stat)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestCommandSetsidChildKilled: a process that left the command's process
// group and session (setsid) is found by the run ID and killed with it.
func TestCommandSetsidChildKilled(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "escape.sh")
	child := filepath.Join(dir, "child.pid")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nsetsid sh -c 'echo $$ > "+child+"; exec sleep 120' &\nwhile [ ! -s "+child+" ]; do :; done\necho started\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	res := RunCommand(context.Background(), script, nil, time.Minute)
	if res.Err != nil || res.Leftover == 0 || res.Unkillable != 0 || res.Output != "started" {
		t.Errorf("result %+v, want done, with the setsid child killed", res)
	}
	waitGone(t, child)
}
