package alert

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/vnstat-exporter/vnstat-exporter/store"
)

// smallDisk mounts a 256 KiB tmpfs as the rig's state directory and
// returns functions that fill it up and free it again.
func smallDisk(t *testing.T, r *rig) (fill, free func()) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root, to mount a small filesystem")
	}
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
	if got := len(r.hook.got()) + len(r.ntfy.got()); got != 0 {
		t.Fatalf("%d messages sent while the state could not be written", got)
	}
	if st := e.Status(); !strings.Contains(st.WriteError, "no space left on device") {
		t.Errorf("status %+v does not say why", st)
	}
	free()
	r.step(e, 850_000)
	e = r.engine()
	r.step(e, 850_000)
	for _, rc := range []*receiver{r.hook, r.ntfy} {
		if got := rc.got(); len(got) != 1 || !strings.Contains(got[0], "80% of the quota") {
			t.Errorf("received %q, want the 80 %% message once", got)
		}
	}
	if st := e.Status(); st.WriteError != "" || st.Pending != 0 {
		t.Errorf("status %+v", st)
	}
}

// TestCrashBetweenSendAndSave: the one window where a message can come
// twice is between a service's answer and the save that records it. The
// disk fills up just as the first service takes the message: the save
// fails, so nothing more is sent; a crash then (a new engine from what is
// on disk) sends it to that service again, and to the other once. Without
// the crash, nothing comes twice.
func TestCrashBetweenSendAndSave(t *testing.T) {
	for _, crash := range []bool{false, true} {
		r := newRig(t)
		fill, free := smallDisk(t, r)
		once := true
		r.hook.after = func() {
			if once {
				once = false
				fill()
			}
		}
		e := r.engine()
		r.step(e, 850_000)
		if h, n := len(r.hook.got()), len(r.ntfy.got()); h != 1 || n != 0 {
			t.Fatalf("hook got %d, ntfy %d: want 1, 0 (no send after a failed save)", h, n)
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
		if h, n := len(r.hook.got()), len(r.ntfy.got()); h != want || n != 1 {
			t.Errorf("crash %v: hook got %d, ntfy %d; want %d, 1", crash, h, n, want)
		}
	}
}

// TestPendingFollowsURLs: a message pending for a URL that fails goes,
// once the URLs are mended (a restart with a new URL), to the channels
// configured now, once each.
func TestPendingFollowsURLs(t *testing.T) {
	r := newRig(t)
	r.hook.failNext(1000)
	e := r.engine()
	r.step(e, 850_000)
	if len(r.ntfy.got()) != 1 || e.Status().Pending != 1 {
		t.Fatalf("ntfy got %q, status %+v", r.ntfy.got(), e.Status())
	}
	mended := newReceiver(t, false)
	var err error
	if r.cfg.Channels, err = Channels([]string{mended.url(), r.ntfy.url()}); err != nil {
		t.Fatal(err)
	}
	e = r.engine()
	r.step(e, 850_000)
	r.step(e, 850_000)
	if got := mended.got(); len(got) != 1 || !strings.Contains(got[0], "80% of the quota") {
		t.Errorf("the mended URL got %q", got)
	}
	if got := r.ntfy.got(); len(got) != 1 {
		t.Errorf("ntfy got %d messages", len(got))
	}
	if st := e.Status(); st.Pending != 0 {
		t.Errorf("status %+v", st)
	}
}

// TestVersion1Outbox: a state file of the previous format, which listed
// the channels still to send to, is read so that those channels get the
// message and the others do not get it again; when one of them is no
// longer configured, every channel configured now gets it.
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
			r.step(e, 850_000)
			if h, n := len(r.hook.got()), len(r.ntfy.got()); h != tt.hook || n != tt.ntfy {
				t.Errorf("hook got %d, ntfy %d; want %d, %d", h, n, tt.hook, tt.ntfy)
			}
			var saved State
			if _, err := r.dir.Load(StateFile, &saved); err != nil || saved.Version != StateVersion {
				t.Errorf("saved version %d, %v", saved.Version, err)
			}
		})
	}
}

// TestStopDuringHangingSend: a step that is sending to a receiver that
// never answers returns when its context ends (not at the send's
// timeout), saying so, and the message stays pending for the next start.
func TestStopDuringHangingSend(t *testing.T) {
	r := newRig(t)
	arrived, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		once.Do(func() { close(arrived) })
		<-release
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) }) // runs first: the handler ends, then the server closes
	var err error
	if r.cfg.Channels, err = Channels([]string{"generic+" + hang.URL + "/hook"}); err != nil {
		t.Fatal(err)
	}
	e := r.engine()
	ctx, cancel := context.WithCancel(context.Background())
	r.src.set(result(r.now, 850_000))
	done := make(chan struct{})
	go func() {
		e.Step(ctx)
		close(done)
	}()
	<-arrived
	cancel()
	<-done
	if st := e.Status(); st.Pending != 1 || !strings.Contains(st.LastError, "not known whether it was sent: context canceled") {
		t.Errorf("status %+v: want the message pending, cut short by the stop", st)
	}
}
