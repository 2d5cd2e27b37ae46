package vnstatsrc_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc"
)

func TestExecRunner(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name    string
		argv    []string
		runner  vnstatsrc.ExecRunner
		out     string
		wantErr []string
	}{
		{name: "output and LC_ALL=C", argv: []string{"sh", "-c", `printf '%s' "$LC_ALL"`}, out: "C"},
		{name: "exit status and stderr", argv: []string{"sh", "-c", "echo 'Error: Unable to open database' >&2; exit 1"},
			wantErr: []string{"running sh -c", "exit status 1", "Error: Unable to open database"}},
		{name: "error on stdout, as vnstat prints them", argv: []string{"sh", "-c", "echo 'Error: Failed to open database'; exit 1"},
			wantErr: []string{"exit status 1", "Error: Failed to open database"}},
		{name: "missing binary", argv: []string{filepath.Join(dir, "no-vnstat"), "--json"},
			wantErr: []string{"no-vnstat --json", "no such file or directory"}},
		{name: "output beyond the bound", argv: []string{"sh", "-c", "yes"}, runner: vnstatsrc.ExecRunner{MaxOutput: 1 << 20},
			wantErr: []string{"output exceeds 1048576 bytes"}},
		{name: "timeout", argv: []string{"sh", "-c", "sleep 30"}, runner: vnstatsrc.ExecRunner{Timeout: 100 * time.Millisecond},
			wantErr: []string{"timed out after 100ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := tt.runner.Run(context.Background(), tt.argv)
			if len(tt.wantErr) == 0 {
				if err != nil || string(out) != tt.out {
					t.Fatalf("Run = %q, %v; want %q", out, err, tt.out)
				}
				return
			}
			var rerr *vnstatsrc.RunError
			if !errors.As(err, &rerr) {
				t.Fatalf("Run error = %v, want a *RunError", err)
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if out != nil {
				t.Errorf("failed Run returned %d bytes of output", len(out))
			}
		})
	}
}

// TestExecRunnerKillsChildren checks that a timeout kills the command's own
// children, which would otherwise outlive it holding the output pipe.
func TestExecRunnerKillsChildren(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	r := vnstatsrc.ExecRunner{Timeout: 200 * time.Millisecond}
	done := make(chan error, 1)
	go func() {
		_, err := r.Run(context.Background(), []string{"sh", "-c", "sleep 60 & echo $! > " + pidFile + "; wait"})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "timed out") {
			t.Fatalf("Run error = %v, want a timeout", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Run did not return after its timeout")
	}
	b, err := os.ReadFile(pidFile)
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	// Killed, the sleep is gone or a zombie awaiting its reaper.
	deadline := time.Now().Add(10 * time.Second)
	for {
		stat, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil || strings.Contains(string(stat), ") Z ") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("child %d still running after the timeout: %s", pid, stat)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestClientArgv(t *testing.T) {
	begin := time.Date(2026, time.November, 15, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name, bin, dbdir string
		want             []string
	}{
		{"vnstat's own database", "vnstat", "", []string{"vnstat", "--json", "d", "--begin", "2026-11-15"}},
		{"VNSTAT_DBDIR", "/usr/bin/vnstat", "/var/lib/vnstat", []string{"/usr/bin/vnstat", "--json", "d", "--begin", "2026-11-15", "--dbdir", "/var/lib/vnstat"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := vnstatsrc.NewClient(tt.bin, tt.dbdir, nil, nil).DailyArgv(begin)
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("argv = %q, want %q", got, tt.want)
			}
		})
	}
}
