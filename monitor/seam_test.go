package monitor

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// TestLiveAtCycleSeam: vnstat saved on the last day of a cycle, the
// kernel counted more before and after midnight, when the new cycle
// began. Until vnstatd saves in the new cycle, what was counted by the
// last sample before midnight counts in the previous cycle, the rest in
// neither (vnstatd files its first read after midnight in the day
// before), and the cycle that ended is not settled; after the save, the
// rows say it all.
func TestLiveAtCycleSeam(t *testing.T) {
	saved := time.Date(2026, time.October, 31, 23, 58, 0, 0, time.UTC)
	ifaces := multiIfaces()[:1]
	ifaces[0].Updated, ifaces[0].RXCounter, ifaces[0].TXCounter = saved, 9_000, 19_000
	rxTotal, _ := ifaces[0].Totals()
	nov1, oct1, oct31 := vnstattest.Date(2026, time.November, 1), vnstattest.Date(2026, time.October, 1), vnstattest.Date(2026, time.October, 31)
	rowsNov, _, _ := wantTotals(ifaces, []string{"eth0"}, nov1, nov1)
	rowsOct, rowsOctOut, _ := wantTotals(ifaces, []string{"eth0"}, oct1, oct31)
	link := func(rx, tx uint64) []Link {
		return []Link{{Name: "eth0", Index: 2, Kind: "device", ParentBus: "virtio", RxBytes: rx, TxBytes: tx}}
	}
	check := func(t *testing.T, res *traffic.Result, in, live, prevIn, prevOut, prevLive uint64, withheld string, settled bool) {
		t.Helper()
		if res.Cycle.Start != nov1 || res.InBytes != in || res.LiveInBytes != live {
			t.Errorf("cycle %s: in %d (live %d), want %d (live %d)", res.Cycle.Start.Format(billing.DateFormat), res.InBytes, res.LiveInBytes, in, live)
		}
		p := res.Previous
		if p.InBytes != prevIn || p.OutBytes != prevOut || p.LiveInBytes != prevLive || p.Usage.UsedBytes != prevIn+prevOut {
			t.Errorf("previous cycle: in %d out %d (live in %d), used %d; want %d %d (live in %d)",
				p.InBytes, p.OutBytes, p.LiveInBytes, p.Usage.UsedBytes, prevIn, prevOut, prevLive)
		}
		if p.Settled != settled {
			t.Errorf("previous cycle settled %v, want %v", p.Settled, settled)
		}
		got := strings.Join(res.Details(traffic.LiveWithheld), "; ")
		if (withheld == "") != (got == "") || !strings.Contains(got, withheld) {
			t.Errorf("live_withheld %q, want %q", got, withheld)
		}
	}

	t.Run("sampled before midnight", func(t *testing.T) {
		now := time.Date(2026, time.October, 31, 23, 59, 30, 0, time.UTC)
		p, v := newTestPoller(t, PollerConfig{StartDay: 1, Live: true}, link(9_600, 19_200), &now, slices.Clone(ifaces))
		fl := p.links.(*fakeLinks)
		if err := p.Poll(context.Background()); err != nil {
			t.Fatal(err)
		}
		if res := p.State().Result; res.Cycle.Start != oct1 || res.LiveInBytes != 600 || res.LiveOutBytes != 200 {
			t.Fatalf("before midnight: cycle %s live %d/%d, want October's with 600/200", res.Cycle.Start.Format(billing.DateFormat), res.LiveInBytes, res.LiveOutBytes)
		}
		now = time.Date(2026, time.November, 1, 0, 0, 0, 500_000_000, time.UTC)
		fl.links = link(10_000, 20_000)
		if err := p.Sample(context.Background()); err != nil {
			t.Fatal(err)
		}
		res := p.State().Result
		check(t, res, rowsNov, 0, rowsOct+600, rowsOctOut+200, 600, "400/800 bytes", false)
		if l := res.Interfaces[0].LifetimeInBytes; l != rxTotal+1000 {
			t.Errorf("lifetime in %d, want vnstat's %d + all 1000 the kernel counted", l, rxTotal)
		}
		// More after midnight: still in no cycle.
		now = now.Add(time.Second)
		fl.links = link(10_100, 20_100)
		if err := p.Sample(context.Background()); err != nil {
			t.Fatal(err)
		}
		check(t, p.State().Result, rowsNov, 0, rowsOct+600, rowsOctOut+200, 600, "500/900 bytes", false)

		// vnstatd saves in the new cycle: its rows hold the previous
		// cycle (the fake's rows stand for them), the rest is live in
		// the new one.
		now = time.Date(2026, time.November, 1, 0, 0, 40, 0, time.UTC)
		v.set(func(f *fakeVnstat) {
			f.ifaces[0].Updated = time.Date(2026, time.November, 1, 0, 0, 30, 0, time.UTC)
			f.ifaces[0].RXCounter, f.ifaces[0].TXCounter = 10_100, 20_100
		})
		fl.links = link(10_300, 20_300)
		if err := p.Poll(context.Background()); err != nil {
			t.Fatal(err)
		}
		res = p.State().Result
		check(t, res, rowsNov+200, 200, rowsOct, rowsOctOut, 0, "", true)
		if !res.Previous.LiveAsOf.IsZero() {
			t.Errorf("the settled previous cycle has a live part as of %s", res.Previous.LiveAsOf)
		}
	})

	t.Run("first seen after midnight", func(t *testing.T) {
		// No sample before midnight: nothing can be placed.
		res := pollOnce(t, ifaces, PollerConfig{StartDay: 1, Live: true}, link(10_000, 20_000), time.Date(2026, time.November, 1, 0, 1, 0, 0, time.UTC))
		check(t, res, rowsNov, 0, rowsOct, rowsOctOut, 0, "1000/1000 bytes", false)
	})

	t.Run("link gone", func(t *testing.T) {
		// vnstatd reads no link that is gone, nor moves its save time:
		// the cycle is settled without it.
		links := append(link(10_000, 20_000), Link{Name: "wlo1", Index: 3, Kind: "device", ParentBus: "pci"})
		links[0].Name = "eth9"
		res := pollOnce(t, ifaces, PollerConfig{StartDay: 1, Live: true, Interfaces: []string{"eth0"}}, links, time.Date(2026, time.November, 1, 0, 1, 0, 0, time.UTC))
		check(t, res, rowsNov, 0, rowsOct, rowsOctOut, 0, "", true)
	})
}

// TestSlotAfter: vnstatd's day ends at local midnight in a zone whose
// offset is whole minutes of five, else at the next five-minute slot of
// Unix time.
func TestSlotAfter(t *testing.T) {
	for _, tt := range []struct {
		offset int // seconds east of UTC
		want   time.Duration
	}{{0, 0}, {8 * 3600, 0}, {5*3600 + 45*60, 0}, {-(3*3600 + 30*60), 0}, {150, 150 * time.Second}, {-150, 150 * time.Second}, {7, 7 * time.Second}, {-7, 293 * time.Second}} {
		m := billing.Midnight(time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC), time.FixedZone("Z", tt.offset))
		if got := slotAfter(m).Sub(m); got != tt.want {
			t.Errorf("offset %d s: the day ends %v after midnight, want %v", tt.offset, got, tt.want)
		}
	}
}

// TestLiveAtSeamOddZone: in a zone 2 min 30 s east of UTC, vnstatd files
// what it reads in the first 2 min 30 s after midnight (up to the next
// slot) under the day before: the kernel's count up to then goes to the
// previous cycle, and a save within them does not settle it.
func TestLiveAtSeamOddZone(t *testing.T) {
	lmt := time.FixedZone("LMT", 150)
	at := func(d, h, m, s int) time.Time { return time.Date(2026, time.November, d, h, m, s, 0, lmt) }
	if d := at(1, 0, 0, 0).AddDate(0, 0, -1); d.Day() != 31 {
		t.Fatal(d)
	}
	ifaces := multiIfaces()[:1]
	wallOf := func(t time.Time) time.Time {
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
	}
	ifaces[0].Updated, ifaces[0].RXCounter, ifaces[0].TXCounter = wallOf(at(1, 0, 0, 0).Add(-2*time.Minute)), 9_000, 19_000
	rowsOct, _, _ := wantTotals(ifaces, []string{"eth0"}, vnstattest.Date(2026, time.October, 1), vnstattest.Date(2026, time.October, 31))
	link := func(rx uint64) []Link {
		return []Link{{Name: "eth0", Index: 2, Kind: "device", ParentBus: "virtio", RxBytes: rx, TxBytes: 19_000}}
	}
	now := at(1, 0, 0, 0).Add(-30 * time.Second)
	p, v := newTestPoller(t, PollerConfig{StartDay: 1, Live: true, Local: lmt}, link(9_600), &now, ifaces)
	v.modTime = at(1, 0, 0, 0).Add(-2*time.Minute + 5*time.Second)
	fl := p.links.(*fakeLinks)
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	step := func(when time.Time, rx uint64, save time.Time, savedRX uint64, prevLive uint64, settled bool) {
		t.Helper()
		now, fl.links = when, link(rx)
		if !save.IsZero() {
			v.set(func(f *fakeVnstat) {
				f.ifaces[0].Updated, f.ifaces[0].RXCounter = wallOf(save), savedRX
				f.modTime = save.Add(time.Second)
			})
		}
		if err := p.Poll(context.Background()); err != nil {
			t.Fatal(err)
		}
		res := p.State().Result
		if res.LiveInBytes != 0 || res.Previous.LiveInBytes != prevLive || res.Previous.InBytes != rowsOct+prevLive || res.Previous.Settled != settled {
			t.Errorf("at %s: live %d, previous live %d (in %d), settled %v; want 0, %d, settled %v; problems %v",
				when.Format(time.TimeOnly), res.LiveInBytes, res.Previous.LiveInBytes, res.Previous.InBytes, res.Previous.Settled, prevLive, settled, res.Problems)
		}
	}
	step(at(1, 0, 1, 0), 10_000, time.Time{}, 0, 600, false)
	step(at(1, 0, 2, 0), 10_100, time.Time{}, 0, 1_000, false)
	// A save at 00:02:10, inside the slot that counts in October: more is
	// still October's.
	step(at(1, 0, 2, 20), 10_200, at(1, 0, 2, 10), 10_150, 0, false)
	step(at(1, 0, 2, 29), 10_300, time.Time{}, 0, 50, false)
	// The slot is past, and vnstatd saves after it: settled.
	now = at(1, 0, 3, 0)
	fl.links = link(10_400)
	v.set(func(f *fakeVnstat) {
		f.ifaces[0].Updated, f.ifaces[0].RXCounter = wallOf(at(1, 0, 2, 50)), 10_350
		f.modTime = at(1, 0, 2, 51)
	})
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res := p.State().Result; res.LiveInBytes != 50 || !res.Previous.Settled || res.Previous.LiveInBytes != 0 {
		t.Errorf("after a save past the slot: live %d, previous settled %v (live %d)", res.LiveInBytes, res.Previous.Settled, res.Previous.LiveInBytes)
	}
}

// TestLiveSplitWhereMidnightJumps: in every zone of the system's tzdata,
// on every day from 2000 to 2030 whose midnight the zone skips or
// repeats, a cycle that begins that day begins at the day's first
// instant: what the kernel counted by the last sample before it goes to
// the cycle that ended, what came after it waits for vnstatd's save, and
// the new cycle gets none of it (issue 33: where midnight is skipped the
// day was taken to begin an hour early, at 23:00 the day before).
func TestLiveSplitWhereMidnightJumps(t *testing.T) {
	jumps := vnstattest.MidnightJumps(t, 2000, 2030)
	vc := DefaultVnstatConfig()
	vc.TrafficlessEntries = false
	wrong := 0
	for _, j := range jumps {
		start := j.First
		save := start.Add(-2 * time.Minute)
		w := save.In(j.Loc)
		ifaces := []vnstattest.Iface{{Name: "eth0", Created: j.Day.AddDate(0, 0, -400), RXCounter: 9_000, TXCounter: 19_000,
			Updated: time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, time.UTC)}}
		link := func(rx uint64) []Link {
			return []Link{{Name: "eth0", Index: 2, Kind: "device", ParentBus: "virtio", RxBytes: rx, TxBytes: 19_000}}
		}
		now := start.Add(-30 * time.Second)
		p, v := newTestPoller(t, PollerConfig{StartDay: j.Day.Day(), Live: true, Local: j.Loc, Vnstat: vc, BootTime: start.Add(-24 * time.Hour)}, link(9_600), &now, ifaces)
		v.modTime = save.Add(5 * time.Second)
		if err := p.Poll(context.Background()); err != nil {
			t.Fatal(err)
		}
		// 30 s in: some zones went back to the day before at 00:01.
		now = start.Add(30 * time.Second)
		p.links.(*fakeLinks).links = link(10_000)
		if err := p.Poll(context.Background()); err != nil {
			t.Fatal(err)
		}
		res := p.State().Result
		if res.Cycle.Start != j.Day || res.LiveInBytes != 0 || res.Previous == nil || res.Previous.LiveInBytes != 600 ||
			len(res.Details(traffic.LiveWithheld)) != 1 {
			if wrong++; wrong <= 5 {
				prev := uint64(0)
				if res.Previous != nil {
					prev = res.Previous.LiveInBytes
				}
				t.Errorf("%s %s (skipped %v): cycle %s, live %d, previous live %d, withheld %q; want the day's cycle, 0, 600 and 400 withheld (problems %v)",
					j.Zone, j.Day.Format(billing.DateFormat), j.Skipped, res.Cycle.Start.Format(billing.DateFormat), res.LiveInBytes, prev, res.Details(traffic.LiveWithheld), res.Problems)
			}
		}
	}
	if wrong > 0 {
		t.Errorf("%d of %d days wrong", wrong, len(jumps))
	}
	t.Logf("%d days in %d years whose midnight a zone skips or repeats", len(jumps), 31)
}

// TestWallWrittenWhereClocksGoBack: a save time vnstatd wrote in the hour
// that comes twice stands for the instant before the database's write:
// the first 01:30 when the file was written at 01:31 the first time, the
// second when written at 01:31 the second time; and in Casey, where the
// clocks went from 02:00 back to 23:00 the day before, a save at 23:58
// before the change is not taken for one three hours later.
func TestWallWrittenWhereClocksGoBack(t *testing.T) {
	for _, tt := range []struct {
		zone    string
		wall    time.Time // as vnstat wrote it
		written time.Time // the database's write, UTC
		wantUTC time.Time
	}{
		{"America/New_York", time.Date(2026, time.November, 1, 1, 30, 0, 0, time.UTC),
			time.Date(2026, time.November, 1, 5, 31, 0, 0, time.UTC), time.Date(2026, time.November, 1, 5, 30, 0, 0, time.UTC)},
		{"America/New_York", time.Date(2026, time.November, 1, 1, 30, 0, 0, time.UTC),
			time.Date(2026, time.November, 1, 6, 31, 0, 0, time.UTC), time.Date(2026, time.November, 1, 6, 30, 0, 0, time.UTC)},
		{"Antarctica/Casey", time.Date(2010, time.March, 4, 23, 58, 0, 0, time.UTC),
			time.Date(2010, time.March, 4, 12, 58, 5, 0, time.UTC), time.Date(2010, time.March, 4, 12, 58, 0, 0, time.UTC)},
		{"Europe/Berlin", time.Date(2026, time.November, 20, 12, 0, 0, 0, time.UTC),
			time.Date(2026, time.November, 20, 11, 0, 5, 0, time.UTC), time.Date(2026, time.November, 20, 11, 0, 0, 0, time.UTC)},
	} {
		loc, err := time.LoadLocation(tt.zone)
		if err != nil {
			t.Skipf("no tzdata for %s: %v", tt.zone, err)
		}
		w := Wall{tt.wall}
		if got := w.Written(loc, tt.written); !got.Equal(tt.wantUTC) {
			t.Errorf("%s %s written %s: %s, want %s", tt.zone, w, tt.written, got.UTC(), tt.wantUTC)
		}
	}
}
