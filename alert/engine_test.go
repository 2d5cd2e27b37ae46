package alert

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vnstat-exporter/vnstat-exporter/actions"
	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
	"github.com/vnstat-exporter/vnstat-exporter/store"
)

var _ StateSource = (*testrig.State)(nil)

// rig is an engine with a generic webhook and an ntfy receiver, a state
// directory and a clock.
type rig struct {
	t        *testing.T
	dir      *store.Dir
	hook     *testrig.Receiver
	ntfy     *testrig.Receiver
	channels []*Channel
	src      *testrig.State
	now      time.Time
	cfg      Config
}

func newRig(t *testing.T) *rig {
	t.Helper()
	dir, err := store.Open(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	r := &rig{t: t, dir: dir, hook: testrig.NewReceiver(t, false), ntfy: testrig.NewReceiver(t, true), src: testrig.NewState(nil),
		now: time.Date(2026, time.November, 20, 12, 0, 0, 0, time.UTC)}
	if r.channels, err = Channels([]string{r.hook.URL(), r.ntfy.URL()}); err != nil {
		t.Fatal(err)
	}
	r.cfg = Config{Alerts: testAlerts, Interval: testRules.Interval, Host: "vps1", Channels: r.channels, Local: time.UTC}
	return r
}

// engine starts an engine on the rig's directory, as a daemon start does.
func (r *rig) engine() *Engine {
	return NewEngine(r.cfg, r.src, r.dir, func() time.Time { return r.now }, nil)
}

func (r *rig) step(e *Engine, used uint64) {
	r.src.Set(result(r.now, used))
	e.Step(context.Background())
	e.Settle(context.Background())
}

// TestDeliveredOnceAcrossRestarts crosses 90 %, restarts, crosses 100 %
// and restarts again: each receiver gets each alert once.
func TestDeliveredOnceAcrossRestarts(t *testing.T) {
	r := newRig(t)
	e := r.engine()
	r.step(e, 950_000)
	r.step(e, 950_000)
	e = r.engine() // restart between the crossing and the next poll
	r.now = r.now.Add(time.Minute)
	r.step(e, 960_000)
	r.now = r.now.Add(time.Minute)
	r.step(e, 1_000_000)
	e = r.engine()
	r.step(e, 1_000_000)
	for _, rc := range []*testrig.Receiver{r.hook, r.ntfy} {
		got := rc.Messages()
		if len(got) != 2 || !strings.HasPrefix(got[0], "vps1: traffic has reached 90% of the quota") ||
			!strings.HasPrefix(got[1], "vps1: traffic has reached 100% of the quota") {
			t.Errorf("received %q", got)
		}
	}
	if st := e.Status(); st.Pending != 0 || st.LastError != "" {
		t.Errorf("status %+v", st)
	}
}

// TestFailedSendRetries: a receiver that fails gets the message once it
// recovers, after the backoff, and the other receiver gets it once; a
// restart while it fails loses nothing.
func TestFailedSendRetries(t *testing.T) {
	r := newRig(t)
	r.hook.FailNext(3)
	e := r.engine()
	r.step(e, 850_000)
	if got := r.hook.Messages(); len(got) != 0 {
		t.Fatalf("failing receiver got %q", got)
	}
	if got := r.ntfy.Messages(); len(got) != 1 {
		t.Fatalf("ntfy got %q", got)
	}
	st := e.Status()
	if st.Pending != 1 || !strings.Contains(st.LastError, "generic #1") || strings.Contains(st.LastError, "/hook") {
		t.Errorf("status %+v: want one pending, the error naming the service only", st)
	}
	// Not before the backoff: 30 s, then 60 s.
	r.now = r.now.Add(29 * time.Second)
	r.step(e, 850_000)
	r.now = r.now.Add(time.Second)
	r.step(e, 850_000) // second failure
	e = r.engine()     // restart: the pending message survives
	r.now = r.now.Add(60 * time.Second)
	r.step(e, 850_000) // third failure
	if got := r.hook.Messages(); len(got) != 0 {
		t.Fatalf("got %q while failing", got)
	}
	r.now = r.now.Add(2 * time.Minute)
	r.step(e, 850_000)
	r.step(e, 850_000)
	if got := r.hook.Messages(); len(got) != 1 || !strings.Contains(got[0], "80% of the quota") {
		t.Errorf("after recovery the webhook got %q", got)
	}
	if got := r.ntfy.Messages(); len(got) != 1 {
		t.Errorf("ntfy got %q: sent again", got)
	}
	if st := e.Status(); st.Pending != 0 {
		t.Errorf("status %+v", st)
	}
}

// TestCorruptStateIsSetAside: a torn state file is moved aside and
// reported; the engine goes on without sending the alerts it may have
// sent, and tells a threshold crossed later.
func TestCorruptStateIsSetAside(t *testing.T) {
	r := newRig(t)
	if err := os.WriteFile(filepath.Join(r.dir.Path(), StateFile), []byte(`{"version":1,"cycle":"2026-11-1`), 0o600); err != nil {
		t.Fatal(err)
	}
	e := r.engine()
	if st := e.Status(); !strings.Contains(st.StateError, "set aside") {
		t.Errorf("status %+v does not report the corrupt file", st)
	}
	r.step(e, 950_000)
	if got := r.hook.Messages(); len(got) != 0 {
		t.Errorf("after a corrupt state: %q", got)
	}
	r.step(e, 1_000_000)
	if got := r.hook.Messages(); len(got) != 1 || !strings.Contains(got[0], "100%") {
		t.Errorf("crossing after the restart: %q", got)
	}
	aside, _ := filepath.Glob(filepath.Join(r.dir.Path(), StateFile+".corrupt-*"))
	if len(aside) != 1 {
		t.Errorf("set aside: %v", aside)
	}
}

// TestCommandRecordedBeforeItRuns: ALERT_COMMAND gets the event in its
// environment; an event whose command was recorded as started (the daemon
// died while it ran: a shutdown) is not run again after a restart.
func TestCommandRecordedBeforeItRuns(t *testing.T) {
	r := newRig(t)
	out := filepath.Join(t.TempDir(), "runs")
	script := filepath.Join(t.TempDir(), "alert.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\nenv | grep ^VNSTAT_EXPORTER_ | sort >> "+out+"\necho ---- >> "+out+"\necho done\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r.cfg.Command, r.cfg.CommandTimeout = script, 10*time.Second
	e := r.engine()
	r.step(e, 1_000_000)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"VNSTAT_EXPORTER_CYCLE_START=2026-11-15", "VNSTAT_EXPORTER_DAYS_LEFT=25", "VNSTAT_EXPORTER_EVENT=threshold", "VNSTAT_EXPORTER_HOST=vps1",
		"VNSTAT_EXPORTER_INTERFACES=eth0", "VNSTAT_EXPORTER_KEY=threshold-100@2026-11-15", "VNSTAT_EXPORTER_LIMIT_BYTES=1000000",
		// The message's other lines do not start with the prefix.
		"VNSTAT_EXPORTER_MESSAGE=vps1: traffic has reached 100% of the quota", "VNSTAT_EXPORTER_MODE=sum", "VNSTAT_EXPORTER_PERCENT=100.00",
		"VNSTAT_EXPORTER_PROBLEM=", "VNSTAT_EXPORTER_PROBLEM_INTERFACE=", "VNSTAT_EXPORTER_PROJECTED_BYTES=1000000",
		"VNSTAT_EXPORTER_RESETS_ON=2026-12-15", "VNSTAT_EXPORTER_RUN_ID=(a random value)", "VNSTAT_EXPORTER_THRESHOLD=100", "VNSTAT_EXPORTER_USED_BYTES=1000000", "----",
	}
	got := strings.Split(strings.TrimSpace(string(b)), "\n")
	for i, v := range got {
		if id, ok := strings.CutPrefix(v, actions.RunIDVar+"="); ok && len(id) >= 16 {
			got[i] = actions.RunIDVar + "=(a random value)"
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("command's environment (-want +got):\n%s", diff)
	}

	// A daemon that died while the command ran left it "started".
	var st State
	if _, err := r.dir.Load(StateFile, &st); err != nil {
		t.Fatal(err)
	}
	st.Outbox = []*Pending{{Event: Event{Key: "threshold-90@2026-11-15", Kind: Threshold, At: r.now}, Text: "x", Command: "started"}}
	if err := r.dir.Save(StateFile, st); err != nil {
		t.Fatal(err)
	}
	e = r.engine()
	r.step(e, 1_000_000)
	b2, _ := os.ReadFile(out)
	if string(b2) != string(b) {
		t.Errorf("a started command ran again after the restart:\n%s", b2)
	}
	if e.Status().Pending != 0 {
		t.Errorf("status %+v", e.Status())
	}
}

// TestSpoolAndRunner: an event is spooled for the root runner, which runs
// the script once for it, also when the daemon spools it again (a crash
// between writing the file and recording it) and when the script reboots
// the machine (the runner is started again with the file gone).
func TestSpoolAndRunner(t *testing.T) {
	r := newRig(t)
	r.cfg.RootActions = true
	e := r.engine()
	if err := os.MkdirAll(filepath.Join(r.dir.Path(), actions.SpoolDir), 0o700); err != nil {
		t.Fatal(err)
	}
	r.step(e, 1_000_000)
	spooled, _ := filepath.Glob(filepath.Join(r.dir.Path(), actions.SpoolDir, "*.json"))
	if len(spooled) != 1 || !strings.Contains(spooled[0], "threshold-100_2026-11-15") {
		t.Fatalf("spooled %v", spooled)
	}
	keep, err := os.ReadFile(spooled[0])
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	out := filepath.Join(root, "runs")
	script := filepath.Join(root, "action.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho \"$VNSTAT_EXPORTER_EVENT $VNSTAT_EXPORTER_THRESHOLD $VNSTAT_EXPORTER_INTERFACES\" >> "+out+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	// Root's settings agree with the daemon's (START_DAY=15, eth0): the
	// event the daemon spools passes root's judgement.
	run := &actions.Runner{Spool: filepath.Join(r.dir.Path(), actions.SpoolDir), Owner: os.Geteuid(), Ledger: filepath.Join(root, "ledger", "done"), Script: script,
		Settings: &actions.Settings{StartDay: 15, Interfaces: []string{"eth0"}}, Now: func() time.Time { return r.now }, Timeout: 10 * time.Second}
	if err := run.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Spooled again, as after a crash before it was recorded as spooled.
	if err := os.WriteFile(spooled[0], keep, 0o600); err != nil {
		t.Fatal(err)
	}
	// And a file that is no event.
	bad := filepath.Join(r.dir.Path(), actions.SpoolDir, "zz-bad.json")
	if err := os.WriteFile(bad, []byte(`{"env":["PATH=/tmp/evil"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := run.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(out)
	if string(b) != "threshold 100 eth0\n" {
		t.Errorf("runs: %q, want one", b)
	}
	if left, _ := os.ReadDir(filepath.Join(r.dir.Path(), actions.SpoolDir)); len(left) != 0 {
		t.Errorf("spool not emptied: %v", left)
	}
	if kept, _ := filepath.Glob(filepath.Join(root, "ledger", "rejected", "*-zz-bad.json")); len(kept) != 1 {
		t.Errorf("bad file not set aside: %v", kept)
	}
}

// TestRedact: errors name the service, never the URL's secrets.
func TestRedact(t *testing.T) {
	chs, err := Channels([]string{"generic+http://127.0.0.1:1/hook/s3cr3t-t0ken?x=1", "telegram://110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw@telegram?chats=@mychannel"})
	if err != nil {
		t.Fatal(err)
	}
	if chs[1].Name != "telegram #2" {
		t.Errorf("name %q", chs[1].Name)
	}
	err = chs[0].Send(context.Background(), Notification{Title: "hello"})
	if err == nil {
		t.Fatal("sending to a closed port succeeded")
	}
	for _, secret := range []string{"s3cr3t-t0ken", "/hook", "x=1"} {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error %q shows %q", err, secret)
		}
	}
	if !strings.HasPrefix(err.Error(), "generic #1: ") {
		t.Errorf("error %q does not name the service", err)
	}
	_, err = Channels([]string{"ntfy://ntfy.sh/topic", "nosuchservice://tok3n-abc@host"})
	if err == nil || !strings.Contains(err.Error(), "URL 2 (nosuchservice)") || strings.Contains(err.Error(), "tok3n-abc") {
		t.Errorf("bad URL error %v", err)
	}
}
