package alert

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vnstat-exporter/vnstat-exporter/actions"
	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
	"github.com/vnstat-exporter/vnstat-exporter/store"
)

// smallDisk mounts a 256 KiB tmpfs as the rig's state directory and
// returns functions that fill it up and free it again.
func smallDisk(t *testing.T, r *rig) (fill, free func()) {
	t.Helper()
	testrig.Root(t, "to mount a small filesystem")
	dir := t.TempDir()
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "size=256k,mode=0700"); err != nil {
		t.Skipf("cannot mount a tmpfs: %v", err)
	}
	t.Cleanup(func() { _ = unix.Unmount(dir, unix.MNT_DETACH) })
	var err error
	if r.dir, err = store.Open(dir, nil); err != nil {
		t.Fatal(err)
	}
	filler := filepath.Join(dir, "filler")
	fill = func() {
		f, err := os.OpenFile(filler, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			t.Error(err)
			return
		}
		defer f.Close()
		block := make([]byte, 4096)
		for {
			if _, err := f.Write(block); err != nil {
				if !errors.Is(err, unix.ENOSPC) {
					t.Error(err)
				}
				return
			}
		}
	}
	free = func() {
		if err := os.Remove(filler); err != nil {
			t.Error(err)
		}
	}
	return fill, free
}

// TestNoSendWithoutSave: with the state directory full, a crossing is
// neither sent nor forgotten: it is sent once the state can be written,
// once, also across a restart.
func TestNoSendWithoutSave(t *testing.T) {
	r := newRig(t)
	fill, free := smallDisk(t, r)
	e := r.engine()
	fill()
	r.step(e, 850_000)
	r.step(e, 850_000)
	if got := len(r.hook.Messages()) + len(r.ntfy.Messages()); got != 0 {
		t.Fatalf("%d messages sent while the state could not be written", got)
	}
	if st := e.Status(); !strings.Contains(st.WriteError, "no space left on device") {
		t.Errorf("status %+v does not say why", st)
	}
	free()
	r.step(e, 850_000)
	e = r.engine()
	r.step(e, 850_000)
	for _, rc := range []*testrig.Receiver{r.hook, r.ntfy} {
		if got := rc.Messages(); len(got) != 1 || !strings.Contains(got[0], "80% of the quota") {
			t.Errorf("received %q, want the 80 %% message once", got)
		}
	}
	if st := e.Status(); st.WriteError != "" || st.Pending != 0 {
		t.Errorf("status %+v", st)
	}
}

// TestCrashBetweenSendAndSave: the one window where a message can come
// twice is between a service's answer and the save that records it. The
// disk fills up just as the webhook takes the message, while ntfy fails
// its first try: the saves fail, so ntfy's retry is not sent while the
// disk is full; once it is freed, ntfy gets it once, and a crash before
// that (a new engine from what is on disk) sends it to the webhook
// again. Without the crash, nothing comes twice.
func TestCrashBetweenSendAndSave(t *testing.T) {
	for _, crash := range []bool{false, true} {
		r := newRig(t)
		fill, free := smallDisk(t, r)
		once := true
		filled := make(chan struct{})
		r.hook.After = func() {
			if once {
				once = false
				fill()
				close(filled)
			}
		}
		// ntfy answers (fails) once the disk is full: no save is under
		// way while it fills, which would free a block when it replaced
		// the state file and leave room for the next.
		r.ntfy.Before = func() { <-filled }
		r.ntfy.FailNext(1)
		e := r.engine()
		r.step(e, 850_000)
		r.now = r.now.Add(RetryFirst)
		r.step(e, 850_000)
		if h, n := len(r.hook.Messages()), len(r.ntfy.Messages()); h != 1 || n != 0 {
			t.Fatalf("hook got %d, ntfy %d: want 1, 0 (no send after a failed save)", h, n)
		}
		if st := e.Status(); !strings.Contains(st.WriteError, "no space left on device") {
			t.Errorf("status %+v does not say why", st)
		}
		free()
		if crash {
			e = r.engine()
		}
		r.step(e, 850_000)
		r.step(e, 850_000)
		want := 1
		if crash {
			want = 2
		}
		if h, n := len(r.hook.Messages()), len(r.ntfy.Messages()); h != want || n != 1 {
			t.Errorf("crash %v: hook got %d, ntfy %d; want %d, 1", crash, h, n, want)
		}
	}
}

// TestPendingFollowsURLs: a message pending for a URL that fails goes,
// once the URLs are mended (a restart with a new URL), to the channels
// configured now, once each.
func TestPendingFollowsURLs(t *testing.T) {
	r := newRig(t)
	r.hook.FailNext(1000)
	e := r.engine()
	r.step(e, 850_000)
	if len(r.ntfy.Messages()) != 1 || e.Status().Pending != 1 {
		t.Fatalf("ntfy got %q, status %+v", r.ntfy.Messages(), e.Status())
	}
	mended := testrig.NewReceiver(t, false)
	var err error
	if r.cfg.Channels, err = Channels([]string{mended.URL(), r.ntfy.URL()}); err != nil {
		t.Fatal(err)
	}
	e = r.engine()
	r.step(e, 850_000)
	r.step(e, 850_000)
	if got := mended.Messages(); len(got) != 1 || !strings.Contains(got[0], "80% of the quota") {
		t.Errorf("the mended URL got %q", got)
	}
	if got := r.ntfy.Messages(); len(got) != 1 {
		t.Errorf("ntfy got %d messages", len(got))
	}
	if st := e.Status(); st.Pending != 0 {
		t.Errorf("status %+v", st)
	}
}

// TestVersion1Outbox: a state file of the previous format, which listed
// the channels still to send to, is read so that those channels get the
// message and the others do not get it again; when one of them is no
// longer configured, every channel configured now gets it. Its message,
// kept as text before notifications had a title and fields, is sent as
// it was rendered.
func TestVersion1Outbox(t *testing.T) {
	for _, tt := range []struct {
		name       string
		to         func(r *rig) []string
		hook, ntfy int
	}{
		{"still configured", func(r *rig) []string { return []string{r.channels[0].ID} }, 1, 0},
		{"replaced", func(*rig) []string { return []string{"0123456789abcdef"} }, 1, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			st := State{Version: 1, Cycle: "2026-11-15", Thresholds: []int{80}, Outbox: []*Pending{{
				Event: Event{Key: "threshold-80@2026-11-15", Kind: Threshold, At: r.now}, Text: "80 %", To: tt.to(r)}}}
			if err := r.dir.Save(StateFile, st); err != nil {
				t.Fatal(err)
			}
			e := r.engine()
			if p := e.st.Outbox[0]; p.Text != "" || p.Notification.Title != "80 %" || p.Notification.Env()[0] != "VNSTAT_EXPORTER_EVENT=threshold" {
				t.Errorf("read as %+v", p)
			}
			r.step(e, 850_000)
			if h, n := len(r.hook.Messages()), len(r.ntfy.Messages()); h != tt.hook || n != tt.ntfy {
				t.Errorf("hook got %d, ntfy %d; want %d, %d", h, n, tt.hook, tt.ntfy)
			}
			if got := r.hook.Messages(); len(got) > 0 && got[0] != "80 %" {
				t.Errorf("hook got %q, want the message as it was rendered", got[0])
			}
			var saved State
			if _, err := r.dir.Load(StateFile, &saved); err != nil || saved.Version != StateVersion {
				t.Errorf("saved version %d, %v", saved.Version, err)
			}
		})
	}
}

// hangingReceiver is a generic webhook that takes each request and
// answers only once release is called; arrived is closed at the first.
func hangingReceiver(t *testing.T) (url string, arrived chan struct{}, release func(), got func() int) {
	t.Helper()
	arrived, released := make(chan struct{}), make(chan struct{})
	var (
		once, releaseOnce sync.Once
		mu                sync.Mutex
		n                 int
	)
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mu.Lock()
		n++
		mu.Unlock()
		once.Do(func() { close(arrived) })
		<-released
	}))
	t.Cleanup(hang.Close)
	release = func() { releaseOnce.Do(func() { close(released) }) }
	t.Cleanup(release) // runs first: the handler ends, then the server closes
	return "generic+" + hang.URL + "/hook", arrived, release, func() int {
		mu.Lock()
		defer mu.Unlock()
		return n
	}
}

// stopDuringSend runs an engine with the one channel u, at 80 %, until
// its request has arrived; it then stops the engine, calls afterStop,
// and waits for Run to return.
func stopDuringSend(t *testing.T, r *rig, u string, arrived <-chan struct{}, grace time.Duration, logger *slog.Logger, afterStop func()) {
	t.Helper()
	var err error
	if r.cfg.Channels, err = Channels([]string{u}); err != nil {
		t.Fatal(err)
	}
	r.cfg.StopGrace = grace
	e := NewEngine(r.cfg, r.src, r.dir, func() time.Time { return r.now }, logger)
	ctx, cancel := context.WithCancel(context.Background())
	r.src.Set(result(r.now, 850_000))
	done := make(chan error)
	go func() { done <- e.Run(ctx) }()
	<-arrived
	cancel()
	afterStop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestStopDuringHangingSend: a stop while a receiver never answers waits
// Config.StopGrace for it, not the send's timeout, says so, and the
// message stays pending, on disk, for the next start.
func TestStopDuringHangingSend(t *testing.T) {
	r := newRig(t)
	u, arrived, _, _ := hangingReceiver(t)
	var log bytes.Buffer
	stopDuringSend(t, r, u, arrived, 50*time.Millisecond, slog.New(slog.NewTextHandler(&log, nil)), func() {})
	if !strings.Contains(log.String(), "stopping while a notification is in flight") {
		t.Errorf("log does not say a send was cut short:\n%s", log.String())
	}
	var st State
	if _, err := r.dir.Load(StateFile, &st); err != nil || len(st.Outbox) != 1 || len(st.Outbox[0].Sent) != 0 {
		t.Errorf("state on disk %+v, %v: want the message pending", st, err)
	}
}

// TestStopWaitsForSendInFlight: a stop (SIGTERM, as systemctl restart
// sends) while a receiver is working waits for its answer and records
// it, so that the next start does not send the message again.
func TestStopWaitsForSendInFlight(t *testing.T) {
	r := newRig(t)
	u, arrived, release, got := hangingReceiver(t)
	// The grace is long; the receiver answers after the stop began.
	stopDuringSend(t, r, u, arrived, time.Hour, nil, release)
	e := r.engine() // the next start
	r.step(e, 850_000)
	if n := got(); n != 1 {
		t.Errorf("the receiver got %d requests, want 1", n)
	}
	if st := e.Status(); st.Pending != 0 {
		t.Errorf("status %+v", st)
	}
}

// TestStuckChannelHoldsUpNothing: while one receiver holds its request
// and never answers (a blocked Telegram), the event is spooled for the
// root action, ALERT_COMMAND runs, the other receiver gets the message,
// and a later event is judged and told, all before the stuck request
// ends.
func TestStuckChannelHoldsUpNothing(t *testing.T) {
	r := newRig(t)
	u, arrived, release, _ := hangingReceiver(t)
	var err error
	if r.cfg.Channels, err = Channels([]string{u, r.ntfy.URL()}); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "runs")
	script := filepath.Join(t.TempDir(), "alert.sh")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho $VNSTAT_EXPORTER_KEY >> "+out+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r.cfg.Command, r.cfg.CommandTimeout, r.cfg.RootActions = script, 10*time.Second, true
	r.cfg.Every = 10 * time.Millisecond
	var mu sync.Mutex
	now := r.now
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	e := NewEngine(r.cfg, r.src, r.dir, clock, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r.src.Set(result(r.now, 850_000))
	done := make(chan error)
	go func() { done <- e.Run(ctx) }()
	<-arrived
	waitFor := func(what string, cond func() bool) {
		t.Helper()
		deadline := time.Now().Add(time.Minute)
		for !cond() {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not while a receiver is stuck", what)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitFor("the other receiver", func() bool { return len(r.ntfy.Messages()) == 1 })
	waitFor("ALERT_COMMAND", func() bool {
		b, _ := os.ReadFile(out)
		return strings.TrimSpace(string(b)) == "threshold-80@2026-11-15"
	})
	waitFor("the spool", func() bool {
		es, _ := os.ReadDir(filepath.Join(r.dir.Path(), actions.SpoolDir))
		return len(es) == 1
	})
	// 90 %, judged and told while the stuck request still holds.
	mu.Lock()
	now = now.Add(time.Minute)
	r.src.Set(result(now, 950_000))
	mu.Unlock()
	waitFor("the next event", func() bool { return len(r.ntfy.Messages()) == 2 })
	release()
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestSlowReceiverGetsOneCopy: a receiver slower than the backoff (it
// answers only when the test lets it, after two retry times have
// passed) gets the message once: a channel is not tried again while its
// try is in flight, and its answer, when it comes, counts.
func TestSlowReceiverGetsOneCopy(t *testing.T) {
	r := newRig(t)
	u, arrived, release, got := hangingReceiver(t)
	var err error
	if r.cfg.Channels, err = Channels([]string{u}); err != nil {
		t.Fatal(err)
	}
	e := r.engine()
	r.src.Set(result(r.now, 850_000))
	e.Step(context.Background())
	<-arrived
	for range 3 {
		r.now = r.now.Add(RetryMax)
		r.src.Set(result(r.now, 850_000))
		e.Step(context.Background())
	}
	release()
	e.Settle(context.Background())
	r.step(e, 850_000)
	if n := got(); n != 1 {
		t.Errorf("the slow receiver got %d requests, want 1", n)
	}
	if st := e.Status(); st.Pending != 0 {
		t.Errorf("status %+v", st)
	}
}
