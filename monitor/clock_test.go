package monitor

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// clockRig is a poller over one NIC, eth0, saved by vnstat at saved, whose
// wall clock (now) and monotonic clock (mono) the test moves apart; with
// stamp, its database has a stamp (stamped).
type clockRig struct {
	t      *testing.T
	p      *Poller
	v      *fakeVnstat
	links  *fakeLinks
	now    time.Time
	mono   time.Duration
	logged *bytes.Buffer
}

func newClockRig(t *testing.T, cfg PollerConfig, saved time.Time, stamp bool) *clockRig {
	t.Helper()
	r := &clockRig{t: t, now: saved.Add(10 * time.Second), logged: &bytes.Buffer{}}
	r.links = &fakeLinks{links: []Link{{Name: "eth0", Index: 2, Kind: "device", ParentBus: "virtio", RxBytes: 9_000, TxBytes: 19_000}}}
	ifaces := multiIfaces()[:1]
	ifaces[0].Updated, ifaces[0].RXCounter, ifaces[0].TXCounter = saved, 9_000, 19_000
	cfg.StartDay, cfg.Live = 1, true
	r.p, r.v = newTestPoller(t, cfg, r.links.links, &r.now, ifaces)
	r.p.links = r.links
	r.p.mono = func() time.Duration { return r.mono }
	r.p.logger = slog.New(slog.NewTextHandler(r.logged, nil))
	if stamp {
		r.p.vnstat = stamped{r.v}
	}
	if err := r.p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r
}

// tick moves both clocks a second on, with rx bytes counted by the
// kernel, and samples.
func (r *clockRig) tick(rx uint64) *traffic.Result {
	r.t.Helper()
	r.now, r.mono = r.now.Add(time.Second), r.mono+time.Second
	r.links.links[0].RxBytes += rx
	if err := r.p.Sample(context.Background()); err != nil {
		r.t.Fatal(err)
	}
	return r.p.State().Result
}

// save has vnstatd save eth0's counters now.
func (r *clockRig) save() {
	l := r.links.links[0]
	r.v.set(func(f *fakeVnstat) {
		f.ifaces[0].Updated, f.ifaces[0].RXCounter, f.ifaces[0].TXCounter = r.now, l.RxBytes, l.TxBytes
	})
}

// TestClockStepsJudgedOnMonotonic: the ages of vnstat's saves are kept
// on the monotonic clock. With vnstat's limit at 1 Mbit/s and the kernel
// counting 100 kB/s, a step back of 10 s is no burst and changes no
// figure; a step forward of an hour is no stall, no overdue save and no
// burst; each step is logged once.
func TestClockStepsJudgedOnMonotonic(t *testing.T) {
	vc := DefaultVnstatConfig()
	vc.MaxBandwidth, vc.BandwidthDetection = 1, false
	saved := time.Date(2026, time.November, 30, 11, 0, 0, 0, time.UTC)
	r := newClockRig(t, PollerConfig{Vnstat: vc, StaleAfter: 15 * time.Minute}, saved, true)
	for range 5 {
		r.tick(100_000)
	}
	check := func(when string, res *traffic.Result, live uint64) {
		t.Helper()
		if len(res.Problems) != 0 || res.LiveInBytes != live {
			t.Errorf("%s: live %d, want %d; problems %v", when, res.LiveInBytes, live, res.Problems)
		}
	}
	check("before the steps", r.p.State().Result, 500_000)

	r.now = r.now.Add(-10 * time.Second)
	check("10 s back", r.tick(100_000), 600_000)
	r.tick(100_000)

	r.now = r.now.Add(time.Hour)
	check("an hour ahead", r.tick(100_000), 800_000)
	for range 3 {
		r.tick(100_000)
	}
	check("3 s later", r.p.State().Result, 1_100_000)

	if got := strings.Count(r.logged.String(), "the wall clock stepped"); got != 2 {
		t.Errorf("%d steps logged, want 2:\n%s", got, r.logged)
	}
	if !strings.Contains(r.logged.String(), "step=-10s") || !strings.Contains(r.logged.String(), "step=1h0m0s") {
		t.Errorf("log does not say how far:\n%s", r.logged)
	}

	// vnstatd saves at the new time: its save is seen at once.
	reads := r.v.readCount()
	r.save()
	if res := r.tick(0); res.LiveInBytes != 0 || r.v.readCount() != reads+1 || len(res.Problems) != 0 {
		t.Errorf("after the save: live %d, %d reads (want %d), problems %v", res.LiveInBytes, r.v.readCount(), reads+1, res.Problems)
	}
}

// TestSaveInFuture: the clock set back an hour leaves vnstatd's last save
// an hour ahead of it, and vnstatd records nothing until the clock passes
// it. That is a problem of its own (fatal), the live part is left out,
// and neither a stall nor a burst is reported for it; once vnstatd saves
// again it is over.
func TestSaveInFuture(t *testing.T) {
	vc := DefaultVnstatConfig()
	vc.MaxBandwidth, vc.BandwidthDetection = 1, false
	saved := time.Date(2026, time.November, 30, 11, 0, 0, 0, time.UTC)
	r := newClockRig(t, PollerConfig{Vnstat: vc, StaleAfter: 15 * time.Minute}, saved, true)
	r.tick(100_000)
	r.now = r.now.Add(-time.Hour)
	res := r.tick(100_000)
	if len(res.Problems) != 1 || res.Problems[0].Kind != traffic.SaveInFuture || !res.Problems[0].Kind.Fatal() || res.LiveInBytes != 0 ||
		!strings.Contains(res.Problems[0].Detail, "eth0: vnstat's last save of it is dated 2026-11-30T11:00:00Z, 59m48s ahead of this host's clock (the clock was set back)") {
		t.Fatalf("an hour back: live %d, problems %v", res.LiveInBytes, res.Problems)
	}
	// Twenty minutes on, past every limit: the same problem only.
	for range 20 * 60 {
		res = r.tick(100)
	}
	if len(res.Problems) != 1 || res.Problems[0].Kind != traffic.SaveInFuture || res.LiveInBytes != 0 {
		t.Errorf("20 min later: live %d, problems %v", res.LiveInBytes, res.Problems)
	}
	// The clock passes the save (vnstatd saves once it is more than
	// UpdateInterval behind): the live part is back.
	r.now = saved.Add(vc.UpdateInterval - time.Second)
	if res := r.tick(0); len(res.Problems) == 0 || res.Problems[0].Kind != traffic.LiveWithheld {
		// The save is 20 min old by the monotonic clock: overdue.
		t.Errorf("clock past the save: problems %v", res.Problems)
	}
	r.save()
	r.links.links[0].RxBytes += 5
	if res := r.tick(0); len(res.Problems) != 0 || res.LiveInBytes != 5 {
		t.Errorf("after vnstatd's save: live %d, want 5; problems %v", res.LiveInBytes, res.Problems)
	}
}

// TestLongPollIntervalNoStall: POLL_INTERVAL 20m, vnstatd saving every
// minute, the kernel counting all along. The database's stamp shows each
// save within a sample, so the save is never judged old: never stalled,
// never withheld; one read per save.
func TestLongPollIntervalNoStall(t *testing.T) {
	saved := time.Date(2026, time.November, 30, 11, 0, 0, 0, time.UTC)
	vc := DefaultVnstatConfig()
	vc.SaveInterval = time.Minute
	r := newClockRig(t, PollerConfig{Vnstat: vc, StaleAfter: vc.StaleAfter(), Interval: 20 * time.Minute}, saved, true)
	reads := r.v.readCount()
	for s := 1; s <= 3600; s++ {
		res := r.tick(1000)
		if s%60 == 0 {
			r.save()
		}
		if len(res.Problems) != 0 {
			t.Fatalf("second %d: problems %v", s, res.Problems)
		}
	}
	// One read per save seen: 59 (the last one comes after the last
	// sample).
	if got := r.v.readCount() - reads; got != 59 {
		t.Errorf("%d reads, want 59", got)
	}
}

// TestStalledJudgedOnFreshRead: without a stamp (a source that has none),
// a save is judged overdue or stale only on a read made after the limit
// passed: vnstatd that saved a minute ago is not stalled, whatever the
// poll interval.
func TestStalledJudgedOnFreshRead(t *testing.T) {
	saved := time.Date(2026, time.November, 30, 11, 0, 0, 0, time.UTC)
	vc := DefaultVnstatConfig()
	r := newClockRig(t, PollerConfig{Vnstat: vc, StaleAfter: 15 * time.Minute, Interval: 20 * time.Minute}, saved, false)
	// The rig polled 10 s after the save; tick s is s+10 s after it.
	for s := 1; s <= 16*60; s++ {
		res := r.tick(1000)
		if s == 14*60 {
			r.save() // unseen: no stamp, no poll
		}
		withheld := len(res.Details(traffic.LiveWithheld)) > 0
		if want := s+10 > 5*60+30 && s+10 <= 15*60; withheld != want || len(res.Details(traffic.VnstatdStalled)) > 0 {
			t.Fatalf("%d s after the save: problems %v, want withheld %v and no stall", s+10, res.Problems, want)
		}
	}
	// 3 reads: the first, when the save became overdue (5 min 30 s),
	// when it became stale (15 min), which found the new save.
	if got := r.v.readCount(); got != 3 {
		t.Errorf("%d reads, want 3", got)
	}
	// vnstatd stops after that save (made 2 min ago): stalled 15 min
	// after it, on the read made then.
	for s := 1; s <= 15*60; s++ {
		res := r.tick(1000)
		stalled := len(res.Details(traffic.VnstatdStalled)) > 0
		if want := s+2*60 > 15*60; stalled != want {
			t.Fatalf("%d s after the save: stalled %v, want %v", s+2*60, stalled, want)
		}
	}
	if got := r.v.readCount(); got != 5 {
		t.Errorf("%d reads, want 5", got)
	}
}

// stamped is a fakeVnstat with a stamp: its interfaces' saves.
type stamped struct{ *fakeVnstat }

func (s stamped) Stamp() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b strings.Builder
	for _, i := range s.ifaces {
		b.WriteString(i.Updated.String())
	}
	return b.String(), nil
}
