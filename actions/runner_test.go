package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// spoolRig is a daemon's state directory with its spool, the runner's
// own directory and a script that appends each event's key to a file.
type spoolRig struct {
	t      *testing.T
	state  string // STATE_DIR
	spool  string
	own    string // the runner's directory
	runs   string // the script's record
	log    bytes.Buffer
	runner *Runner
}

func newSpoolRig(t *testing.T, ownDir string) *spoolRig {
	t.Helper()
	root := t.TempDir()
	s := &spoolRig{t: t, state: filepath.Join(root, "state"), own: ownDir, runs: filepath.Join(root, "runs")}
	if s.own == "" {
		s.own = filepath.Join(root, "own")
	}
	s.spool = filepath.Join(s.state, SpoolDir)
	if err := os.MkdirAll(s.spool, 0o700); err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(root, "action.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho \"$VNSTAT_EXPORTER_KEY\" >> "+s.runs+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	s.runner = &Runner{Spool: s.spool, Owner: os.Geteuid(), Ledger: filepath.Join(s.own, "done"), Script: script,
		Timeout: time.Minute, Logger: slog.New(slog.NewTextHandler(&s.log, nil))}
	return s
}

// event spools the event key with sequence number seq, as the daemon does.
func (s *spoolRig) event(seq uint64, key string) string {
	s.t.Helper()
	b, _ := json.Marshal(Record{Env: []string{EnvPrefix + "KEY=" + key}})
	name := Name(seq, key)
	if err := os.WriteFile(filepath.Join(s.spool, name), b, 0o600); err != nil {
		s.t.Fatal(err)
	}
	return name
}

func (s *spoolRig) run() {
	s.t.Helper()
	if err := s.runner.Run(context.Background()); err != nil {
		s.t.Fatalf("Run: %v\n%s", err, s.log.String())
	}
}

// ran is the keys the script ran for, in order.
func (s *spoolRig) ran() []string {
	b, _ := os.ReadFile(s.runs)
	return strings.Fields(string(b))
}

func (s *spoolRig) left() []string {
	entries, err := os.ReadDir(s.spool)
	if err != nil {
		s.t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestRunnerHighWaterMark: events run once each, in the order of their
// sequence numbers; one spooled again, or one below the mark, is removed
// without a run, however many events came between.
func TestRunnerHighWaterMark(t *testing.T) {
	s := newSpoolRig(t, "")
	s.event(1795089600000007, "b")
	s.event(1795089600000005, "a")
	s.run()
	if diff := cmp.Diff([]string{"a", "b"}, s.ran()); diff != "" {
		t.Errorf("runs (-want +got):\n%s", diff)
	}
	b, _ := os.ReadFile(s.runner.Ledger)
	if string(b) != "0001795089600000007\n" {
		t.Errorf("ledger %q", b)
	}
	// 1,500 later events: no list to evict the first from.
	for i := range uint64(1500) {
		s.event(1795089600001000+i, "x")
	}
	s.run()
	s.event(1795089600000005, "a")    // spooled again
	s.event(1795089600000006, "late") // below the mark
	s.event(1795089600009000, "c")
	s.run()
	ran := s.ran()
	if len(ran) != 1503 || ran[len(ran)-1] != "c" || strings.Count(strings.Join(ran, " "), "a") != 1 {
		t.Errorf("ran %d events, last %q", len(ran), ran[len(ran)-1])
	}
	if left := s.left(); len(left) != 0 {
		t.Errorf("left in the spool: %v", left)
	}
	if !strings.Contains(s.log.String(), "already run; removing") {
		t.Errorf("log:\n%s", s.log.String())
	}
}

// TestRunnerRejects: every entry that is not a spooled event is set
// aside (a copy of what was read) and removed, touching nothing it points
// to, and the events after it still run.
func TestRunnerRejects(t *testing.T) {
	s := newSpoolRig(t, "")
	outside := filepath.Join(t.TempDir(), "precious")
	if err := os.WriteFile(outside, []byte("keep me"), 0o644); err != nil {
		t.Fatal(err)
	}
	put := func(name, content string) {
		if err := os.WriteFile(filepath.Join(s.spool, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	// A link under an event's name, to a file outside.
	if err := os.Symlink(outside, filepath.Join(s.spool, Name(1795089600000001, "link"))); err != nil {
		t.Fatal(err)
	}
	// A hard link to a file outside.
	if err := os.Link(outside, filepath.Join(s.spool, Name(1795089600000002, "hardlink"))); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(s.spool, Name(1795089600000003, "fifo")), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(s.spool, Name(1795089600000004, "dir")), 0o700); err != nil {
		t.Fatal(err)
	}
	put(Name(1795089600000005, "env"), `{"env":["LD_PRELOAD=/tmp/x.so"]}`)
	put(Name(1795089600000006, "big"), `{"env":["`+strings.Repeat("A", maxSpoolFile)+`"]}`)
	put("20261130T010203.000000000Z-00-old-format.json", `{"env":[]}`)
	put("1795089600000007\n-newline.json", `{"env":[]}`)
	put(".alerts.json1234", "a temporary file left by a crash")
	put("0000000000000000000-zero.json", `{"env":[]}`)
	s.event(1795089600000009, "good")
	s.run()
	if diff := cmp.Diff([]string{"good"}, s.ran()); diff != "" {
		t.Errorf("runs (-want +got):\n%s", diff)
	}
	if left := s.left(); len(left) != 0 {
		t.Errorf("left in the spool: %v", left)
	}
	if b, err := os.ReadFile(outside); err != nil || string(b) != "keep me" {
		t.Errorf("the file outside: %q, %v", b, err)
	}
	kept, _ := filepath.Glob(filepath.Join(s.own, "rejected", "*"))
	if len(kept) != 10 {
		t.Errorf("rejected/ holds %d files, want 10: %v", len(kept), kept)
	}
	for _, want := range []string{"a symbolic link", "has 2 links", "a FIFO", "a directory", "only VNSTAT_EXPORTER_NAME=value", "larger than 65536 bytes", "not in the spool's format"} {
		if !strings.Contains(s.log.String(), want) {
			t.Errorf("log does not say %q:\n%s", want, s.log.String())
		}
	}
}

// TestRunnerRejectedElsewhere: with the runner's directory on another
// filesystem than the spool (a tmpfs), a bad file is still set aside and
// the next event runs.
func TestRunnerRejectedElsewhere(t *testing.T) {
	var st, sst syscall.Statfs_t
	if syscall.Statfs("/dev/shm", &st) != nil || st.Type != 0x01021994 {
		t.Skip("needs a tmpfs at /dev/shm")
	}
	own, err := os.MkdirTemp("/dev/shm", "runner-test-")
	if err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() { os.RemoveAll(own) })
	s := newSpoolRig(t, filepath.Join(own, "own"))
	if syscall.Statfs(s.spool, &sst) != nil || sst.Type == st.Type {
		t.Skip("the temporary directory is a tmpfs too")
	}
	if err := os.WriteFile(filepath.Join(s.spool, Name(1795089600000001, "bad")), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.event(1795089600000002, "good")
	s.run()
	if diff := cmp.Diff([]string{"good"}, s.ran()); diff != "" {
		t.Errorf("runs (-want +got):\n%s", diff)
	}
	if kept, _ := filepath.Glob(filepath.Join(s.own, "rejected", "*bad.json")); len(kept) != 1 {
		t.Errorf("rejected: %v", kept)
	}
}

// TestRunnerRejectedIsBounded: a daemon that spools junk cannot fill the
// runner's directory.
func TestRunnerRejectedIsBounded(t *testing.T) {
	s := newSpoolRig(t, "")
	for i := range MaxRejected + 20 {
		if err := os.WriteFile(filepath.Join(s.spool, "junk"+string(rune('a'+i%26))+strings.Repeat("x", i)), []byte("junk"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s.event(1795089600000001, "good")
	s.run()
	kept, _ := filepath.Glob(filepath.Join(s.own, "rejected", "*"))
	if len(kept) != MaxRejected {
		t.Errorf("rejected/ holds %d files, want %d", len(kept), MaxRejected)
	}
	if left := s.left(); len(left) != 0 || len(s.ran()) != 1 {
		t.Errorf("left %v, ran %v", left, s.ran())
	}
}

// TestRunnerRefusesAnUntrustedSpool: a spool that is a link (to a
// directory holding files named like events and like run events), that
// belongs to another user or that others can write to is refused with an
// error, and nothing anywhere is touched.
func TestRunnerRefusesAnUntrustedSpool(t *testing.T) {
	victim := t.TempDir()
	s := newSpoolRig(t, "")
	// Files the runner would remove ("already run") or run.
	s.event(1795089600000005, "a")
	s.run()
	names := []string{Name(1795089600000001, "old"), Name(1795089600000009, "new"), "passwd"}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(victim, n), []byte(`{"env":[]}`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(s.spool); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, s.spool); err != nil {
		t.Fatal(err)
	}
	err := s.runner.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "is not a directory (a symbolic link is not followed)") {
		t.Errorf("Run through a link: %v", err)
	}
	entries, _ := os.ReadDir(victim)
	if len(entries) != len(names) {
		t.Errorf("the linked directory holds %v", entries)
	}
	if kept, _ := filepath.Glob(filepath.Join(s.own, "rejected", "*")); len(kept) != 0 {
		t.Errorf("moved into rejected/: %v", kept)
	}

	// Writable by others.
	if err := os.Remove(s.spool); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(s.spool, 0o700); err != nil {
		t.Fatal(err)
	}
	s.event(1795089600000010, "b")
	if err := os.Chmod(s.spool, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := s.runner.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "can be written by group or others") {
		t.Errorf("Run of a world-writable spool: %v", err)
	}
	if err := os.Chmod(s.spool, 0o700); err != nil {
		t.Fatal(err)
	}

	// Another user's.
	s.runner.Owner = os.Geteuid() + 1
	if err := s.runner.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "not to the daemon's") {
		t.Errorf("Run of another user's spool: %v", err)
	}
	// The default owner, the parent's, is refused when it is root.
	s.runner.Owner = -1
	err = s.runner.Run(context.Background())
	if os.Geteuid() == 0 && (err == nil || !strings.Contains(err.Error(), "belongs to root")) {
		t.Errorf("Run with a root-owned parent: %v", err)
	}
	if diff := cmp.Diff([]string{"a"}, s.ran()); diff != "" {
		t.Errorf("runs (-want +got):\n%s", diff)
	}
	if left := s.left(); len(left) != 1 {
		t.Errorf("spool: %v", left)
	}
}

// TestRunnerDaemonUser runs as root against a spool that a daemon's user
// owns, as under systemd: the default owner is the state directory's; a
// file in it that root owns (a hard link the daemon could not make, or a
// file planted by someone else) is rejected.
func TestRunnerDaemonUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, to give the spool to another user")
	}
	const daemon = 64999
	s := newSpoolRig(t, "")
	s.runner.Owner = -1
	good := s.event(1795089600000002, "good")
	s.event(1795089600000001, "foreign")
	for _, p := range []string{s.state, s.spool, filepath.Join(s.spool, good)} {
		if err := os.Chown(p, daemon, daemon); err != nil {
			t.Fatal(err)
		}
	}
	s.run()
	if diff := cmp.Diff([]string{"good"}, s.ran()); diff != "" {
		t.Errorf("runs (-want +got):\n%s", diff)
	}
	if !strings.Contains(s.log.String(), "belongs to user ID 0, not to the daemon's (64999)") {
		t.Errorf("log:\n%s", s.log.String())
	}
}

// TestRunnerStopped: a runner stopped (SIGTERM) before an event neither
// runs nor marks it; the next run does.
func TestRunnerStopped(t *testing.T) {
	s := newSpoolRig(t, "")
	s.event(1795089600000001, "a")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.runner.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if len(s.ran()) != 0 || len(s.left()) != 1 {
		t.Fatalf("ran %v, left %v", s.ran(), s.left())
	}
	s.run()
	if diff := cmp.Diff([]string{"a"}, s.ran()); diff != "" {
		t.Errorf("runs (-want +got):\n%s", diff)
	}
}
