package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
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
		Settings: &Settings{StartDay: 15, Interfaces: []string{"eth0", "wlan0"}}, Now: rigNow,
		Timeout: time.Minute, Logger: slog.New(slog.NewTextHandler(&s.log, nil))}
	return s
}

// rigNow is the runner's clock in the rig: in the cycle that began on
// 2026-11-15 for START_DAY=15.
func rigNow() time.Time { return time.Date(2026, 12, 5, 18, 0, 0, 0, time.UTC) }

// event spools the event key with sequence number seq, as the daemon does:
// the 100 % threshold of the rig's cycle on eth0.
func (s *spoolRig) event(seq uint64, key string) string {
	s.t.Helper()
	return s.spoolEnv(seq, key, EnvPrefix+"EVENT=threshold", EnvPrefix+"THRESHOLD=100", EnvPrefix+"CYCLE_START=2026-11-15",
		EnvPrefix+"INTERFACES=eth0")
}

// spoolEnv spools an event key with sequence number seq and the
// variables env besides KEY.
func (s *spoolRig) spoolEnv(seq uint64, key string, env ...string) string {
	s.t.Helper()
	b, _ := json.Marshal(Record{Env: append([]string{EnvPrefix + "KEY=" + key}, env...)})
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
	testrig.Root(t, "to give the spool to another user")
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

// TestRunnerManyEntriesInOrder spools more events than one run takes on
// (maxEntries), in random order: each runs once, in sequence order, none
// removed as already run. With 10,000 a run, the runner used to take the
// first 10,000 names the directory gave, and a high number among them
// raised the mark past lower ones still in the spool.
func TestRunnerManyEntriesInOrder(t *testing.T) {
	n := 20000
	if testing.Short() {
		// The same with a smaller batch: the full size runs the script
		// 20,000 times.
		defer func(m int) { maxEntries = m }(maxEntries)
		maxEntries, n = 50, 120
	}
	s := newSpoolRig(t, "")
	seqs := make([]uint64, n)
	for i := range seqs {
		seqs[i] = 1795089600000000 + uint64(i)*7
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for _, i := range rng.Perm(n) {
		s.event(seqs[i], strconv.FormatUint(seqs[i], 10))
	}
	for range n/maxEntries + 1 {
		s.run()
	}
	ran := s.ran()
	want := make([]string, n)
	for i, seq := range seqs {
		want[i] = strconv.FormatUint(seq, 10)
	}
	if diff := cmp.Diff(want, ran); diff != "" {
		t.Errorf("ran %d of %d events (-want +got):\n%.2000s", len(ran), n, diff)
	}
	if strings.Contains(s.log.String(), "already run") {
		t.Errorf("events removed as already run")
	}
	if left := s.left(); len(left) != 0 {
		t.Errorf("left in the spool: %d", len(left))
	}
}

// TestRunnerJudges: root runs an event only for its own current cycle
// (by its clock and START_DAY) and interfaces of its settings, and gives
// the script root's values, never the event's: a late backlog, forged
// cycles, foreign or overlong interface names and unknown kinds are
// refused with a line each.
func TestRunnerJudges(t *testing.T) {
	s := newSpoolRig(t, "")
	dump := filepath.Join(t.TempDir(), "env")
	if err := os.WriteFile(s.runner.Script, []byte("#!/bin/sh\necho \"$VNSTAT_EXPORTER_KEY\" >> "+s.runs+"\nenv | sort > "+dump+"-$VNSTAT_EXPORTER_KEY\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	s.runner.Settings.Vars = []string{"RATE=2mbit"}
	const p = EnvPrefix
	seq := uint64(1795089600000000)
	spool := func(key string, env ...string) {
		seq++
		s.spoolEnv(seq, key, env...)
	}
	spool("good", p+"EVENT=threshold", p+"THRESHOLD=100", p+"CYCLE_START=2026-11-15", p+"INTERFACES=eth0",
		p+"RESETS_IN=0", p+"CYCLE_END=2099-01-01", p+"PERCENT=100.00")
	spool("backlog", p+"EVENT=threshold", p+"THRESHOLD=100", p+"CYCLE_START=2026-10-15", p+"INTERFACES=eth0")
	spool("forged", p+"EVENT=threshold", p+"THRESHOLD=100", p+"CYCLE_START=2026-12-15", p+"INTERFACES=eth0")
	spool("no-cycle", p+"EVENT=threshold", p+"THRESHOLD=100", p+"INTERFACES=eth0")
	spool("foreign", p+"EVENT=threshold", p+"THRESHOLD=100", p+"CYCLE_START=2026-11-15", p+"INTERFACES=lo,eth0")
	spool("long", p+"EVENT=threshold", p+"THRESHOLD=100", p+"CYCLE_START=2026-11-15", p+"INTERFACES=eth0abcdefghijklmn")
	spool("kind", p+"EVENT=shutdown", p+"CYCLE_START=2026-11-15")
	spool("threshold", p+"EVENT=threshold", p+"THRESHOLD=100; reboot", p+"CYCLE_START=2026-11-15")
	spool("summary", p+"EVENT=new_cycle", p+"CYCLE_START=2026-10-15", p+"INTERFACES=eth0,wlan0")
	spool("old-summary", p+"EVENT=new_cycle", p+"CYCLE_START=2026-09-15")
	spool("problem", p+"EVENT=problem", p+"PROBLEM=vnstat_stale")
	s.run()
	if diff := cmp.Diff([]string{"good", "summary", "problem"}, s.ran()); diff != "" {
		t.Errorf("runs (-want +got):\n%s\n%s", diff, s.log.String())
	}
	for _, want := range []string{
		`event=0001795089600000002-backlog.json why="an event of the cycle that began on \"2026-10-15\"; by root's clock and START_DAY=15 the current cycle began on 2026-11-15"`,
		`0001795089600000003-forged.json why="an event of the cycle that began on \"2026-12-15\"`,
		`0001795089600000004-no-cycle.json why="an event of the cycle that began on \"\"`,
		`0001795089600000005-foreign.json why="an event naming the interface \"lo\", which is not in INTERFACES of the settings (eth0,wlan0)"`,
		`0001795089600000006-long.json why="an event naming the interface \"eth0abcdefghijklmn\"`,
		`0001795089600000007-kind.json why="an event of unknown kind \"shutdown\""`,
		`0001795089600000008-threshold.json why="a threshold \"100; reboot\" that is no percentage"`,
		`0001795089600000010-old-summary.json why="an event of the cycle that began on \"2026-09-15\"`,
	} {
		if !strings.Contains(s.log.String(), `msg="refused: not run" event=`+strings.TrimPrefix(want, "event=")) {
			t.Errorf("log lacks %s:\n%s", want, s.log.String())
		}
	}
	b, err := os.ReadFile(dump + "-good")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{p + "EVENT=threshold\n", p + "THRESHOLD=100\n", p + "CYCLE_START=2026-11-15\n", p + "CYCLE_END=2026-12-14\n",
		p + "RESETS_ON=2026-12-15\n", p + "RESETS_IN=799200\n", p + "INTERFACES=eth0,wlan0\n", "RATE=2mbit\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the script's environment lacks %q:\n%s", want, b)
		}
	}
	if strings.Contains(string(b), "PERCENT") || strings.Contains(string(b), "2099") {
		t.Errorf("the event's own values reached the script:\n%s", b)
	}
	// The summary of the cycle that ended runs in the new one: root's
	// current cycle.
	if b, _ := os.ReadFile(dump + "-summary"); !strings.Contains(string(b), p+"CYCLE_START=2026-11-15\n") {
		t.Errorf("the summary's environment:\n%s", b)
	}
}

// TestRunnerLedgerPlace: the ledger must sit in root's own directories,
// never in the daemon's state directory (whose user could move it aside
// and reset the mark), nor under a directory others can write to; the
// spool is then left as it is.
func TestRunnerLedgerPlace(t *testing.T) {
	s := newSpoolRig(t, "")
	s.event(1795089600000001, "a")
	open := t.TempDir()
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	for ledger, want := range map[string]string{
		filepath.Join(s.state, "ledger", "done"): "is in the daemon's state directory " + s.state,
		filepath.Join(s.state, "done"):           "is in the daemon's state directory",
		filepath.Join(s.spool, "x", "done"):      "is in the daemon's state directory",
		filepath.Join(open, "own", "done"):       "can be written by group or others (mode 0777)",
	} {
		s.runner.Ledger = ledger
		if err := s.runner.Run(context.Background()); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("-ledger %s: %v, want %q", ledger, err, want)
		}
	}
	if len(s.ran()) != 0 || len(s.left()) != 1 {
		t.Errorf("ran %v, left %v", s.ran(), s.left())
	}
}
