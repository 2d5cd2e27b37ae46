package monitor

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

func TestLiveDelta(t *testing.T) {
	boot := time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)
	saved := savedState{RX: 1000, TX: 500, Updated: boot.Add(48 * time.Hour)}
	before := saved.Updated.Add(-time.Minute)
	tests := []struct {
		name    string
		saved   savedState
		link    Link
		ok      bool
		first   linkSample
		changed time.Time
		rx, tx  uint64
		why     string
	}{
		{"traffic since the save", saved, Link{Index: 2, RxBytes: 1500, TxBytes: 800}, true, linkSample{}, time.Time{}, 500, 300, ""},
		{"no traffic since", saved, Link{Index: 2, RxBytes: 1000, TxBytes: 500}, true, linkSample{}, time.Time{}, 0, 0, ""},
		{"counter reset", saved, Link{Index: 2, RxBytes: 10, TxBytes: 900}, true, linkSample{}, time.Time{}, 0, 0, "below vnstat's saved"},
		{"link gone", saved, Link{}, false, linkSample{}, time.Time{}, 0, 0, "not on this host"},
		{"recreated after the save", saved, Link{Index: 2, RxBytes: 5000, TxBytes: 5000}, true, linkSample{}, saved.Updated.Add(time.Minute), 0, 0, "recreated or renamed"},
		{"recreated before the save", saved, Link{Index: 2, RxBytes: 5000, TxBytes: 5000}, true, linkSample{}, saved.Updated.Add(-time.Minute), 4000, 4500, ""},
		{"counters the save cannot be judged by", savedState{Why: "vnstatd has not run since the host booted"}, Link{Index: 2, RxBytes: 5000}, true, linkSample{}, time.Time{}, 0, 0, "not run since the host booted"},
		{"sampled below the save before it: fine", saved, Link{Index: 2, RxBytes: 5000, TxBytes: 5000}, true,
			linkSample{index: 2, at: before, rx: 900, tx: 400}, time.Time{}, 4000, 4500, ""},
		{"sampled above the save before it: not this link's counters", saved, Link{Index: 2, RxBytes: 9000, TxBytes: 9000}, true,
			linkSample{index: 2, at: before, rx: 8000, tx: 8000}, time.Time{}, 0, 0, "below the 8000/8000 the kernel had counted before that save"},
		{"sampled after the save: no bound", saved, Link{Index: 2, RxBytes: 9000, TxBytes: 9000}, true,
			linkSample{index: 2, at: saved.Updated, rx: 8000, tx: 8000}, time.Time{}, 8000, 8500, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rx, tx, why := liveDelta(tt.saved, tt.link, tt.ok, tt.first, tt.changed)
			if rx != tt.rx || tx != tt.tx || (tt.why == "") != (why == "") || !strings.Contains(why, tt.why) {
				t.Errorf("liveDelta = %d, %d, %q; want %d, %d, %q", rx, tx, why, tt.rx, tt.tx, tt.why)
			}
		})
	}
}

// livePoller polls multiIfaces on 2026-11-30 with eth0 and wlo1 chosen,
// the counters vnstat saved at 11:55 set by the caller.
func livePoller(t *testing.T, cfg PollerConfig, now *time.Time, links *fakeLinks, counters map[string][2]uint64) (*Poller, *fakeVnstat) {
	t.Helper()
	ifaces := multiIfaces()
	for n := range ifaces {
		c := counters[ifaces[n].Name]
		ifaces[n].RXCounter, ifaces[n].TXCounter = c[0], c[1]
		ifaces[n].Updated = time.Date(2026, time.November, 30, 11, 55, 0, 0, time.UTC)
	}
	cfg.StartDay = 1
	p, v := newTestPoller(t, cfg, links.links, now, ifaces)
	p.links = links
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	return p, v
}

// twoLinksNow is when twoLinksPoller polls: two minutes after vnstat's
// save at 11:55.
var twoLinksNow = time.Date(2026, time.November, 30, 11, 57, 0, 0, time.UTC)

// twoLinksPoller is livePoller with eth0 and wlo1 on the host, eth0's
// kernel counters 1000/500 above what vnstat saved, wlo1's at the saved
// ones; it polls at *now.
func twoLinksPoller(t *testing.T, cfg PollerConfig, now *time.Time) (*Poller, *fakeVnstat, *fakeLinks) {
	t.Helper()
	links := &fakeLinks{links: []Link{
		{Name: "eth0", Index: 2, Kind: "device", ParentBus: "virtio", RxBytes: 10_000, TxBytes: 20_000},
		{Name: "wlo1", Index: 3, Kind: "device", ParentBus: "pci", RxBytes: 300, TxBytes: 400},
	}}
	p, v := livePoller(t, cfg, now, links, map[string][2]uint64{"eth0": {9_000, 19_500}, "wlo1": {300, 400}})
	return p, v, links
}

func TestLiveTopUp(t *testing.T) {
	now := twoLinksNow
	p, v, links := twoLinksPoller(t, PollerConfig{Live: true, StaleAfter: 15 * time.Minute}, &now)
	res := p.State().Result
	base := p.base
	if res.LiveInBytes != 1000 || res.LiveOutBytes != 500 || res.InBytes != base.InBytes+1000 || res.OutBytes != base.OutBytes+500 {
		t.Fatalf("after the poll: live %d/%d totals %d/%d, want 1000/500 on top of %d/%d",
			res.LiveInBytes, res.LiveOutBytes, res.InBytes, res.OutBytes, base.InBytes, base.OutBytes)
	}
	if res.Interfaces[0].Name != "eth0" || res.Interfaces[0].LiveInBytes != 1000 || res.Usage.UsedBytes != res.InBytes+res.OutBytes || !res.LiveAsOf.Equal(now) {
		t.Errorf("eth0 %+v usage %+v as of %v", res.Interfaces[0], res.Usage, res.LiveAsOf)
	}
	// The usage tells the live part apart: alerts judge what is saved.
	if res.Usage.LiveBytes != 1500 || res.Usage.SavedBytes() != base.InBytes+base.OutBytes {
		t.Errorf("usage live %d saved %d, want 1500 and vnstat's %d", res.Usage.LiveBytes, res.Usage.SavedBytes(), base.InBytes+base.OutBytes)
	}
	// The lifetime counter is vnstat's total plus the same live part.
	if e, b := res.Interfaces[0], base.Interfaces[0]; e.LifetimeInBytes != b.LifetimeInBytes+1000 || e.LifetimeOutBytes != b.LifetimeOutBytes+500 || b.LifetimeInBytes == 0 {
		t.Errorf("eth0 lifetime %d/%d, want vnstat's %d/%d + 1000/500", e.LifetimeInBytes, e.LifetimeOutBytes, b.LifetimeInBytes, b.LifetimeOutBytes)
	}

	// More kernel traffic shows at the next sample, without a poll.
	now = now.Add(time.Second)
	links.links[0].RxBytes += 4096
	if err := p.Sample(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res := p.State().Result; res.LiveInBytes != 1000+4096 || res.InBytes != base.InBytes+1000+4096 || p.base != base {
		t.Errorf("after a sample: live in %d total %d", res.LiveInBytes, res.InBytes)
	}

	// The counter went backwards (driver reload): no top-up for eth0,
	// never a negative or wrapped number.
	now = now.Add(time.Second)
	links.links[0].RxBytes = 5
	if err := p.Sample(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res := p.State().Result; res.LiveInBytes != 0 || res.LiveOutBytes != 0 || res.InBytes != base.InBytes {
		t.Errorf("after a counter reset: live %d/%d total %d, want none on %d", res.LiveInBytes, res.LiveOutBytes, res.InBytes, base.InBytes)
	}

	// eth0 recreated (a new index) with counters above the saved ones:
	// no top-up until vnstat saves again.
	now = now.Add(time.Second)
	links.links[0].Index, links.links[0].RxBytes, links.links[0].TxBytes = 7, 50_000, 50_000
	if err := p.Sample(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res := p.State().Result; res.LiveInBytes != 0 || res.InBytes != base.InBytes {
		t.Errorf("after eth0 was recreated: live in %d", res.LiveInBytes)
	}
	now = now.Add(2 * time.Second)
	v.set(func(f *fakeVnstat) {
		f.ifaces[0].RXCounter, f.ifaces[0].TXCounter, f.ifaces[0].Updated = 50_000, 50_000, now.Add(-time.Second)
	})
	links.links[0].RxBytes += 10
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res := p.State().Result; res.LiveInBytes != 10 {
		t.Errorf("after vnstat saved the new eth0: live in %d, want 10", res.LiveInBytes)
	}
}

// TestLiveAfterVnstatAdd: `vnstat --add -i eth0` writes eth0 with
// counters 0/0 and created = updated. Until vnstatd saves it, the kernel's
// whole since-boot counter must not be taken for traffic since the save;
// then the top-up is what the kernel counted since vnstatd's save.
func TestLiveAfterVnstatAdd(t *testing.T) {
	added := time.Date(2026, time.November, 30, 11, 58, 0, 0, time.UTC)
	now := added.Add(time.Minute)
	links := &fakeLinks{links: []Link{{Name: "eth0", Index: 2, Kind: "device", ParentBus: "virtio", RxBytes: 634 << 20, TxBytes: 20 << 20}}}
	p, v := newTestPoller(t, PollerConfig{StartDay: 1, Live: true, Quota: billing.Quota{Limit: 500 << 20}}, links.links, &now,
		[]vnstattest.Iface{{Name: "eth0", Created: added, Updated: added}})
	p.links = links
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res := p.State().Result; res.InBytes != 0 || res.OutBytes != 0 || res.LiveInBytes != 0 {
		t.Fatalf("after vnstat --add: %d/%d bytes (live %d), want 0: nothing was counted since a save", res.InBytes, res.OutBytes, res.LiveInBytes)
	}
	// vnstatd saves it: its counters are the kernel's now.
	saved := now.Add(30 * time.Second)
	v.set(func(f *fakeVnstat) {
		f.ifaces[0].RXCounter, f.ifaces[0].TXCounter, f.ifaces[0].Updated = 634<<20, 20<<20, saved
		f.ifaces[0].Days = []vnstattest.Day{{Date: vnstattest.Date(2026, time.November, 30)}}
	})
	links.links[0].RxBytes += 4096
	now = saved.Add(time.Second)
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res := p.State().Result; res.InBytes != 4096 || res.LiveInBytes != 4096 {
		t.Errorf("after vnstatd's save: in %d (live %d), want 4096", res.InBytes, res.LiveInBytes)
	}
}

// TestLiveSavedBelowEarlierSample: counters vnstat holds that are below
// what this process saw the kernel count before that save are not the
// link's (restored or edited database, another host's): no top-up.
func TestLiveSavedBelowEarlierSample(t *testing.T) {
	now := time.Date(2026, time.November, 30, 11, 56, 0, 0, time.UTC)
	links := &fakeLinks{links: []Link{{Name: "eth0", Index: 2, Kind: "device", ParentBus: "virtio", RxBytes: 900 << 20, TxBytes: 90 << 20}}}
	p, v := livePoller(t, PollerConfig{Live: true}, &now, links, map[string][2]uint64{"eth0": {800 << 20, 80 << 20}})
	if res := p.State().Result; res.LiveInBytes != 100<<20 {
		t.Fatalf("live in %d, want 100 MiB", res.LiveInBytes)
	}
	// A "save" at 11:58 of counters far below the 900 MiB seen at 11:56.
	v.set(func(f *fakeVnstat) {
		f.ifaces[0].RXCounter, f.ifaces[0].TXCounter = 1<<20, 1<<20
		f.ifaces[0].Updated = time.Date(2026, time.November, 30, 11, 58, 0, 0, time.UTC)
	})
	now = time.Date(2026, time.November, 30, 11, 59, 0, 0, time.UTC)
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res := p.State().Result; res.LiveInBytes != 0 || res.InBytes != p.base.InBytes {
		t.Errorf("live in %d, want none: the saved counters cannot be this link's", res.LiveInBytes)
	}
}

// TestLiveNeedsThisBootsVnstatd: counters saved by a vnstatd that has not
// run since the host booted (btime of another boot, or none) are not the
// base of a top-up.
func TestLiveNeedsThisBootsVnstatd(t *testing.T) {
	now := time.Date(2026, time.November, 30, 11, 57, 0, 0, time.UTC)
	for _, tt := range []struct {
		name string
		boot time.Time
		why  string
	}{
		{"another boot", testBoot.Add(-time.Hour), "not run since the host booted"},
		{"never ran", time.Time{}, "never run on this database"},
		{"this boot, within BootVariation", testBoot.Add(10 * time.Second), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			links := &fakeLinks{links: []Link{{Name: "eth0", Index: 2, Kind: "device", ParentBus: "virtio", RxBytes: 10_000, TxBytes: 20_000}}}
			ifaces := multiIfaces()[:1]
			ifaces[0].RXCounter, ifaces[0].TXCounter = 9_000, 19_000
			p, v := newTestPoller(t, PollerConfig{StartDay: 1, Live: true}, links.links, &now, ifaces)
			v.boot = tt.boot
			if err := p.Poll(context.Background()); err != nil {
				t.Fatal(err)
			}
			res := p.State().Result
			if (res.LiveInBytes == 1000) != (tt.why == "") || !strings.Contains(p.saved["eth0"].Why, tt.why) {
				t.Errorf("live in %d, why %q; want %q", res.LiveInBytes, p.saved["eth0"].Why, tt.why)
			}
		})
	}
}

func TestLiveOff(t *testing.T) {
	saved := time.Date(2026, time.November, 30, 11, 55, 0, 0, time.UTC)
	now := saved.Add(time.Minute)
	links := &fakeLinks{links: []Link{{Name: "eth0", Index: 2, Kind: "device", ParentBus: "virtio", RxBytes: 10_000, TxBytes: 20_000}}}
	p, _ := livePoller(t, PollerConfig{Live: false}, &now, links, map[string][2]uint64{"eth0": {9_000, 19_500}})
	if res := p.State().Result; res.LiveInBytes != 0 || !res.LiveAsOf.IsZero() || res.InBytes != p.base.InBytes || len(res.Problems) != 0 {
		t.Errorf("LIVE=false: %+v", res)
	}
}

// TestLiveWithheldWhenSaveOverdue: once vnstatd has missed a save
// (SaveInterval + UpdateInterval + PollInterval + 5 s after its last,
// whatever the poll interval), it may have stopped reading, and it drops
// a read more than 6 minutes after the one before: the live part is
// withheld until it saves again. The judgement is made on a read made
// once the save was due, not on the poll's.
func TestLiveWithheldWhenSaveOverdue(t *testing.T) {
	saved := time.Date(2026, time.November, 30, 11, 0, 0, 0, time.UTC)
	now := saved.Add(time.Minute)
	links := &fakeLinks{links: []Link{{Name: "eth0", Index: 2, Kind: "device", ParentBus: "virtio", RxBytes: 10_000, TxBytes: 19_000}}}
	ifaces := multiIfaces()[:1]
	ifaces[0].Updated, ifaces[0].RXCounter, ifaces[0].TXCounter = saved, 9_000, 19_000
	p, v := newTestPoller(t, PollerConfig{StartDay: 1, Live: true, Interval: 20 * time.Minute}, links.links, &now, ifaces)
	p.links = links
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	// Due: 5 min + 20 s + 5 s + 5 s.
	for _, tt := range []struct {
		after time.Duration
		live  uint64
		reads int
	}{{5*time.Minute + 30*time.Second, 1000, 1}, {5*time.Minute + 31*time.Second, 0, 2}, {10 * time.Minute, 0, 2}} {
		now = saved.Add(tt.after)
		if err := p.Sample(context.Background()); err != nil {
			t.Fatal(err)
		}
		res := p.State().Result
		w := res.Details(traffic.LiveWithheld)
		if res.LiveInBytes != tt.live || (len(w) > 0) != (tt.live == 0) {
			t.Errorf("%s after the save: live %d, want %d; withheld %q", tt.after, res.LiveInBytes, tt.live, w)
		}
		if tt.live == 0 && !strings.Contains(strings.Join(w, ""), "vnstatd has not saved it since 2026-11-30T11:00:00Z, more than its SaveInterval (5m0s) ago") {
			t.Errorf("withheld %q", w)
		}
		if got := v.readCount(); got != tt.reads {
			t.Errorf("%s after the save: %d reads, want %d", tt.after, got, tt.reads)
		}
	}
	v.set(func(f *fakeVnstat) { f.ifaces[0].Updated, f.ifaces[0].RXCounter = now, 10_000 })
	links.links[0].RxBytes = 10_400
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res := p.State().Result; res.LiveInBytes != 400 || len(res.Details(traffic.LiveWithheld)) != 0 {
		t.Errorf("after a new save: live %d, problems %v", res.LiveInBytes, res.Problems)
	}
}

func TestStalledVnstatd(t *testing.T) {
	saved := time.Date(2026, time.November, 30, 11, 0, 0, 0, time.UTC)
	now := saved.Add(10 * time.Minute)
	links := &fakeLinks{links: []Link{{Name: "eth0", Index: 2, Kind: "device", ParentBus: "virtio", RxBytes: 9_000, TxBytes: 19_000}}}
	ifaces := multiIfaces()[:1]
	ifaces[0].Updated, ifaces[0].RXCounter, ifaces[0].TXCounter = saved, 9_000, 19_000
	p, v := newTestPoller(t, PollerConfig{StartDay: 1, Live: true, StaleAfter: 15 * time.Minute}, links.links, &now, ifaces)
	p.links = links
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}

	// Old save, but nothing counted since: an idle link, not a stall.
	now = saved.Add(20 * time.Minute)
	if err := p.Sample(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := p.State().Result.Details(traffic.VnstatdStalled); len(s) != 0 {
		t.Errorf("idle link reported stalled: %s", s)
	}
	// Traffic and an old save: stalled.
	links.links[0].TxBytes += 777
	now = now.Add(time.Second)
	if err := p.Sample(context.Background()); err != nil {
		t.Fatal(err)
	}
	// (The save is overdue too: the live part is withheld.)
	if res := p.State().Result; len(res.Problems) != 2 || res.Problems[1].Kind != traffic.VnstatdStalled || res.Problems[1].Interface != "eth0" ||
		!strings.Contains(res.Problems[1].Detail, "vnstatd is not saving: last write 2026-11-30T11:00:00Z, kernel counted 777 bytes since") ||
		res.Problems[0].Kind != traffic.LiveWithheld || res.LiveOutBytes != 0 {
		t.Errorf("problems %v, live out %d", res.Problems, res.LiveOutBytes)
	}
	// Traffic within the threshold: fine.
	v.set(func(f *fakeVnstat) { f.ifaces[0].Updated, f.ifaces[0].TXCounter = now, 19_777 })
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	links.links[0].TxBytes += 1
	now = now.Add(time.Minute)
	if err := p.Sample(context.Background()); err != nil {
		t.Fatal(err)
	}
	if s := p.State().Result.Details(traffic.VnstatdStalled); len(s) != 0 {
		t.Errorf("fresh save reported stalled: %s", s)
	}
}

// TestTriggerPolls: a trigger makes Run poll without waiting the interval.
func TestTriggerPolls(t *testing.T) {
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	p, v := newTestPoller(t, PollerConfig{StartDay: 1, Interval: time.Hour}, hostLinks, &now, multiIfaces())
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx) }()
	waitReads := func(n int) {
		deadline := time.Now().Add(10 * time.Second)
		for v.readCount() < n {
			if time.Now().After(deadline) {
				t.Fatalf("vnstat was read %d times, want %d", v.readCount(), n)
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitReads(1)
	p.Trigger()
	waitReads(2)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

// TestSampleAtNewDayPollsOnce: the first sample after midnight polls; if
// the read fails then, later samples do not read again every second.
func TestSampleAtNewDayPollsOnce(t *testing.T) {
	now := time.Date(2026, time.November, 29, 23, 59, 59, 0, time.UTC)
	p, v := newTestPoller(t, PollerConfig{StartDay: 1, Live: true}, hostLinks, &now, multiIfaces())
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	good := p.base
	v.set(func(f *fakeVnstat) { f.err = errors.New("database is locked") })
	for i := range 5 {
		now = now.Add(time.Second)
		_ = p.Sample(context.Background())
		if i == 0 && v.readCount() != 2 {
			t.Fatalf("the first sample of the day read vnstat %d times in all, want a poll", v.readCount())
		}
	}
	if v.readCount() != 2 {
		t.Errorf("vnstat was read %d times in all over 5 samples after midnight, want 2", v.readCount())
	}
	if st := p.State(); st.Err == nil || p.base != good || st.Result == nil {
		t.Errorf("after the failed poll: err %v, base kept %v", st.Err, p.base == good)
	}
}

// TestLifetimeAcrossSave: vnstatd's save moves what the kernel counted
// from the live part into its total; the lifetime counter neither drops
// nor jumps, and goes on rising with the traffic.
func TestLifetimeAcrossSave(t *testing.T) {
	now := twoLinksNow
	p, v, links := twoLinksPoller(t, PollerConfig{Live: true}, &now)
	before := p.State().Result.Interfaces[0]
	// vnstatd saves: today's row grows by what the kernel counted since
	// the last save, and the saved counters catch up.
	now = now.Add(time.Minute)
	v.set(func(f *fakeVnstat) {
		eth0 := &f.ifaces[0]
		last := &eth0.Days[len(eth0.Days)-1]
		last.RX += 1_000
		last.TX += 500
		eth0.RXCounter, eth0.TXCounter, eth0.Updated = 10_000, 20_000, now.Add(-time.Second)
	})
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	after := p.State().Result.Interfaces[0]
	if after.Name != "eth0" || after.LiveInBytes != 0 || after.LifetimeInBytes != before.LifetimeInBytes || after.LifetimeOutBytes != before.LifetimeOutBytes {
		t.Errorf("across the save: before %+v, after %+v: want the same lifetime, the live part moved into vnstat's total", before, after)
	}
	now = now.Add(time.Second)
	links.links[0].RxBytes += 77
	if err := p.Sample(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := p.State().Result.Interfaces[0].LifetimeInBytes; got != before.LifetimeInBytes+77 {
		t.Errorf("after 77 more bytes: %d, want %d", got, before.LifetimeInBytes+77)
	}
}

// TestLifetimeNeverFalls: the lifetime counter holds its last figure when
// the live part is lost before vnstatd saves it (eth0 recreated with lower
// counters), moves on once vnstat's total passes it, and starts again only
// when vnstat tracks the interface anew (another creation time).
func TestLifetimeNeverFalls(t *testing.T) {
	now := twoLinksNow
	p, v, links := twoLinksPoller(t, PollerConfig{Live: true}, &now)
	first := p.State().Result.Interfaces[0]
	if first.LiveInBytes != 1000 {
		t.Fatalf("eth0 %+v: want a live part of 1000 in", first)
	}
	var seen []uint64
	sample := func() traffic.IfaceTotal {
		t.Helper()
		now = now.Add(time.Second)
		if err := p.Sample(context.Background()); err != nil {
			t.Fatal(err)
		}
		i := p.State().Result.Interfaces[0]
		seen = append(seen, i.LifetimeInBytes)
		return i
	}
	// Recreated with lower counters, before vnstatd saved: the live part
	// is gone, the counter holds.
	links.links[0].Index, links.links[0].RxBytes, links.links[0].TxBytes = 9, 40, 40
	if i := sample(); i.LiveInBytes != 0 || i.LifetimeInBytes != first.LifetimeInBytes || i.LifetimeOutBytes != first.LifetimeOutBytes {
		t.Errorf("after the recreation: %+v, want the lifetime held at %d/%d", i, first.LifetimeInBytes, first.LifetimeOutBytes)
	}
	// vnstatd saves the 1000 it had read and 40 of the new link.
	now = now.Add(time.Second)
	v.set(func(f *fakeVnstat) {
		eth0 := &f.ifaces[0]
		last := &eth0.Days[len(eth0.Days)-1]
		last.RX += 1040
		last.TX += 540
		eth0.RXCounter, eth0.TXCounter, eth0.Updated = 40, 40, now.Add(-time.Second)
	})
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	links.links[0].RxBytes += 5
	if i := sample(); i.LifetimeInBytes != first.LifetimeInBytes+40+5 {
		t.Errorf("after the save: %d, want %d", i.LifetimeInBytes, first.LifetimeInBytes+45)
	}
	for n := 1; n < len(seen); n++ {
		if seen[n] < seen[n-1] {
			t.Errorf("the counter fell: %v", seen)
		}
	}
	// vnstat tracks eth0 anew (removed and added): a real reset.
	now = now.Add(time.Second)
	v.set(func(f *fakeVnstat) {
		eth0 := &f.ifaces[0]
		eth0.Created = now.Add(-time.Second)
		eth0.Days = eth0.Days[len(eth0.Days)-1:]
		eth0.Days[0].RX, eth0.Days[0].TX = 45, 40
	})
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if i := p.State().Result.Interfaces[0]; i.LifetimeInBytes >= first.LifetimeInBytes {
		t.Errorf("after vnstat tracked eth0 anew: %d, want its own figure", i.LifetimeInBytes)
	}
}
