package monitor

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// TestDirWatch: with a limit of c bytes per second and reads at least w
// seconds apart, a steady rate well below c is never flagged, however
// long; a burst that one read could hold above c*w is, at once; and so is
// a long stretch above c.
func TestDirWatch(t *testing.T) {
	const c, w = 1000.0, 20.0
	for _, tt := range []struct {
		name  string
		rate  func(sec int) float64 // bytes counted in second sec
		secs  int
		flags int // the second it is flagged at, -1 for never
	}{
		{"idle", func(int) float64 { return 0 }, 600, -1},
		{"steady at 90 %", func(int) float64 { return 900 }, 3600, -1},
		{"steady at the limit", func(int) float64 { return 1000 }, 600, 21},
		{"a burst of 30 s of the limit in one second", func(s int) float64 {
			if s == 100 {
				return 30 * c
			}
			return 0
		}, 600, 100},
		{"a burst of 10 s of the limit: one read can take it", func(s int) float64 {
			if s == 100 {
				return 10 * c
			}
			return 0
		}, 600, -1},
		{"twice the limit for 30 s", func(s int) float64 {
			if s >= 100 && s < 130 {
				return 2 * c
			}
			return 0
		}, 600, 110},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := dirWatch{pts: []burstPoint{{0, 0}}}
			var b float64
			got := -1
			for s := 1; s <= tt.secs; s++ {
				b += tt.rate(s)
				if d.add(float64(s), b, c, w) {
					got = s
					break
				}
			}
			if got != tt.flags {
				t.Errorf("flagged at second %d, want %d", got, tt.flags)
			}
			if len(d.pts) > int(w+burstSlack)+2 {
				t.Errorf("%d samples kept, want at most the short stretches'", len(d.pts))
			}
		})
	}
}

// TestLiveWithheld: with vnstat's MaxBandwidth at 1 Mbit/s, 20 MB counted
// in a second since vnstatd's save is withheld from the live part, with a
// problem that says why, until vnstatd saves again; then the live part is
// what the kernel counted since that save.
func TestLiveWithheld(t *testing.T) {
	now := twoLinksNow
	vc := DefaultVnstatConfig()
	vc.UpdateInterval, vc.MaxBandwidth, vc.BandwidthDetection = 2*time.Second, 1, false
	p, v, links := twoLinksPoller(t, PollerConfig{Live: true, Vnstat: vc}, &now)
	if res := p.State().Result; res.LiveInBytes != 1000 || len(res.Details(traffic.LiveWithheld)) != 0 {
		t.Fatalf("before the burst: live in %d, problems %v", res.LiveInBytes, res.Problems)
	}
	sample := func() *traffic.Result {
		t.Helper()
		now = now.Add(time.Second)
		if err := p.Sample(context.Background()); err != nil {
			t.Fatal(err)
		}
		return p.State().Result
	}
	links.links[0].RxBytes += 20_000_000
	res := sample()
	if res.LiveInBytes != 0 || res.Interfaces[0].LiveInBytes != 0 || len(res.Details(traffic.LiveWithheld)) != 1 ||
		!strings.Contains(res.Details(traffic.LiveWithheld)[0], "eth0: the kernel counted traffic faster than vnstat's limit of 1 Mbit/s") {
		t.Fatalf("after the burst: live in %d, problems %v", res.LiveInBytes, res.Problems)
	}
	// Quiet again: still withheld, vnstatd has not saved.
	for range 30 {
		res = sample()
	}
	if res.LiveInBytes != 0 || len(res.Details(traffic.LiveWithheld)) != 1 {
		t.Errorf("30 s later: live in %d", res.LiveInBytes)
	}
	// vnstatd saves, without the burst (it dropped it): the live part is
	// what came since.
	v.set(func(f *fakeVnstat) {
		f.ifaces[0].RXCounter, f.ifaces[0].TXCounter, f.ifaces[0].Updated = links.links[0].RxBytes, links.links[0].TxBytes, now
	})
	now = now.Add(time.Second)
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	links.links[0].RxBytes += 500
	if res := sample(); res.LiveInBytes != 500 || len(res.Details(traffic.LiveWithheld)) != 0 {
		t.Errorf("after the save: live in %d, problems %v", res.LiveInBytes, res.Problems)
	}
}
