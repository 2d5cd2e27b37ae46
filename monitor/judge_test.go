package monitor

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/traffic"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

func TestVnstatOffset(t *testing.T) {
	mod := time.Date(2026, time.November, 30, 4, 0, 10, 0, time.UTC)
	tests := []struct {
		name    string
		updated string
		offset  time.Duration
		ok      bool
	}{
		{"UTC, 10 s before the save", "2026-11-30 04:00:00", 0, true},
		{"UTC+8", "2026-11-30 12:00:00", 8 * time.Hour, true},
		{"UTC-3:30 (Newfoundland)", "2026-11-30 00:30:05", -210 * time.Minute, true},
		{"UTC+5:45 (Nepal)", "2026-11-30 09:45:00", 345 * time.Minute, true},
		{"a save 40 minutes before the file changed: not one save", "2026-11-30 03:20:00", 0, false},
		{"beyond any zone", "2026-12-01 04:00:00", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := time.Parse(time.DateTime, tt.updated)
			if err != nil {
				t.Fatal(err)
			}
			snap := &Snapshot{ModTime: mod, Interfaces: []Interface{
				{Name: "older", Updated: Wall{Time: u.Add(-time.Hour)}}, {Name: "eth0", Updated: Wall{Time: u}}}}
			offset, ok := vnstatOffset(snap)
			if offset != tt.offset || ok != tt.ok {
				t.Errorf("vnstatOffset = %v, %v; want %v, %v", offset, ok, tt.offset, tt.ok)
			}
		})
	}
	if _, ok := vnstatOffset(&Snapshot{ModTime: mod}); ok {
		t.Error("an empty database judged")
	}
	shanghai := time.FixedZone("CST", 8*3600)
	if w := zoneMismatch(8*time.Hour, shanghai, mod); w != "" {
		t.Errorf("same offset: %q", w)
	}
	w := zoneMismatch(8*time.Hour, time.UTC, mod)
	for _, want := range []string{"vnstatd writes its times at UTC+08:00", "this process's zone (UTC) is at UTC+00:00", "TZ=", "/etc/localtime"} {
		if !strings.Contains(w, want) {
			t.Errorf("mismatch %q lacks %q", w, want)
		}
	}
}

// TestJudgeZoneOddOffset: a zone whose offset is no quarter hour (a
// local mean time, UTC+3:01:30) is vnstatd's own when its saves are
// written at that offset, however close to a quarter hour it lies.
func TestJudgeZoneOddOffset(t *testing.T) {
	lmt := time.FixedZone("LMT", 3*3600+90)
	mod := time.Date(2026, time.November, 30, 4, 0, 10, 0, time.UTC)
	zone, seen := lmt, zoneVote{}
	for n := range 3 {
		mod := mod.Add(time.Duration(n) * time.Minute)
		wall := mod.In(lmt).Add(-3 * time.Second)
		snap := &Snapshot{ModTime: mod, Interfaces: []Interface{{Name: "eth0",
			Updated: Wall{Time: time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, time.UTC)}}}}
		var w string
		zone, seen, w = judgeZone(snap, lmt, false, zone, seen)
		if zone != lmt || w != "" {
			t.Fatalf("save %d: zone %v, warning %q", n, zone, w)
		}
	}
}

func TestForeignNamespace(t *testing.T) {
	container := []Link{{Name: "lo", Index: 1, Loopback: true}, {Name: "eth0", Index: 20, Kind: "veth"}}
	tests := []struct {
		name  string
		links []Link
		named []string
		want  string
	}{
		{"bridge container, host NIC named eth0", container, []string{"eth0"}, "eth0 is a veth"},
		{"bridge container, host NIC named enp3s0", container, []string{"enp3s0"}, "enp3s0 is absent"},
		{"automatic choice: not judged here", container, nil, ""},
		{"host with a NIC and ppp0", append(hostLinks[:2:2], Link{Name: "ppp0", Index: 9, Kind: "ppp"}), []string{"ppp0"}, ""},
		{"namespace without NIC, named tun", []Link{{Name: "tun0", Index: 3, Kind: "tuntap"}}, []string{"tun0"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := foreignNamespace(tt.links, tt.named)
			if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
				t.Errorf("foreignNamespace = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestPollInBridgeContainer: INTERFACES names the host's NIC, but the
// process sees a container's namespace: vnstat's rows are reported, the
// veth's counters never, and the result says why.
func TestPollInBridgeContainer(t *testing.T) {
	now := time.Date(2026, time.November, 30, 11, 57, 0, 0, time.UTC)
	ifaces := multiIfaces()
	ifaces[0].RXCounter, ifaces[0].TXCounter = 1000, 1000
	links := []Link{{Name: "lo", Index: 1, Loopback: true}, {Name: "eth0", Index: 20, Kind: "veth", RxBytes: 5 << 20, TxBytes: 5 << 20}}
	res := pollOnce(t, ifaces, PollerConfig{StartDay: 1, Interfaces: []string{"eth0"}, Live: true, StaleAfter: time.Minute}, links, now)
	in, out, _ := wantTotals(ifaces, []string{"eth0"}, vnstattest.Date(2026, time.November, 1), now)
	if res.InBytes != in || res.OutBytes != out || res.LiveInBytes != 0 || !res.LiveAsOf.IsZero() || len(res.Details(traffic.VnstatdStalled, traffic.InterfaceMissing)) != 0 {
		t.Errorf("in a bridge container: %d/%d live %d problems %v; want vnstat's %d/%d only", res.InBytes, res.OutBytes, res.LiveInBytes, res.Problems, in, out)
	}
	if len(res.Problems) != 1 || res.Problems[0].Kind != traffic.ForeignNamespace || !strings.Contains(res.Problems[0].Detail, "not in the host's network namespace") ||
		!strings.Contains(res.Problems[0].Detail, "NETNS_PATH") {
		t.Errorf("problems %v", res.Problems)
	}
}

// TestPollNICGoneStaysReported: a NIC chosen automatically that leaves the
// host (a USB modem unplugged) keeps its rows in the totals while vnstat
// has it; the totals never drop because a link went away.
func TestPollNICGoneStaysReported(t *testing.T) {
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	p, _ := newTestPoller(t, PollerConfig{StartDay: 1}, hostLinks, &now, multiIfaces())
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := p.State().Result
	fl := p.links.(*fakeLinks)
	fl.links = []Link{hostLinks[0], hostLinks[1], hostLinks[3]} // wlo1 gone
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	after := p.State().Result
	if after.InBytes != before.InBytes || len(after.Interfaces) != 2 {
		t.Errorf("after wlo1 left: %d bytes in %d interfaces, before %d", after.InBytes, len(after.Interfaces), before.InBytes)
	}
	if len(after.Problems) != 1 || after.Problems[0].Kind != traffic.InterfaceAbsent || after.Problems[0].Interface != "wlo1" ||
		!strings.HasPrefix(after.Problems[0].Detail, "wlo1: a NIC of this host that is absent now") {
		t.Errorf("problems %v", after.Problems)
	}
}

// TestPollZoneMismatch: vnstatd writes its times in UTC+8 while this
// process runs in UTC. After two saves agree, the billing day is taken at
// vnstatd's offset (at 23:30 UTC it is already the 1st in UTC+8), the
// live part is off, and the result says both offsets and the fix.
func TestPollZoneMismatch(t *testing.T) {
	cst := time.FixedZone("CST", 8*3600)
	now := time.Date(2026, time.November, 30, 23, 30, 0, 0, time.UTC)
	ifaces := multiIfaces()
	for n := range ifaces {
		ifaces[n].Updated = now.Add(-time.Minute).In(cst)
		ifaces[n].RXCounter, ifaces[n].TXCounter = 1000, 1000
		ifaces[n].Days = vnstattest.Series(vnstattest.Date(2026, time.December, 1), 62, uint64(n), false)
	}
	links := []Link{{Name: "eth0", Index: 2, Kind: "device", ParentBus: "virtio", RxBytes: 9000, TxBytes: 9000}}
	p, v := newTestPoller(t, PollerConfig{StartDay: 1, Live: true}, links, &now, ifaces[:1])
	v.modTime = now.Add(-50 * time.Second)
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	res := p.State().Result
	if len(res.Problems) != 0 || res.Cycle.Start.Month() != time.November {
		t.Errorf("one save decided the zone: problems %v, cycle %v", res.Problems, res.Cycle)
	}
	// A second save agrees.
	now = now.Add(5 * time.Minute)
	v.set(func(f *fakeVnstat) {
		f.ifaces[0].Updated = now.Add(-time.Minute).In(cst)
		f.modTime = now.Add(-50 * time.Second)
	})
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	res = p.State().Result
	in, _, _ := wantTotals(ifaces[:1], []string{"eth0"}, vnstattest.Date(2026, time.December, 1), vnstattest.Date(2026, time.December, 1))
	if res.Cycle.Start != vnstattest.Date(2026, time.December, 1) || res.InBytes != in || res.LiveInBytes != 0 {
		t.Errorf("cycle %v in %d live %d; want December 1 at vnstatd's offset, %d, no live part", res.Cycle, res.InBytes, res.LiveInBytes, in)
	}
	if len(res.Problems) != 1 || res.Problems[0].Kind != traffic.ZoneMismatch ||
		!strings.Contains(res.Problems[0].Detail, "vnstatd writes its times at UTC+08:00, this process's zone (UTC) is at UTC+00:00") {
		t.Errorf("problems %v", res.Problems)
	}
	// The process gets vnstatd's zone: the warning goes.
	p.cfg.Local = cst
	now = now.Add(5 * time.Minute)
	v.set(func(f *fakeVnstat) {
		f.ifaces[0].Updated = now.Add(-time.Minute).In(cst)
		f.ifaces[0].RXCounter, f.ifaces[0].TXCounter = 9000, 9000
		f.modTime = now.Add(-50 * time.Second)
	})
	fl := p.links.(*fakeLinks)
	fl.links[0].RxBytes, fl.links[0].TxBytes = 17000, 17000
	if err := p.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if res := p.State().Result; len(res.Problems) != 0 || res.LiveInBytes != 8000 {
		t.Errorf("with the zones agreeing: problems %v live %d", res.Problems, res.LiveInBytes)
	}
}

// TestChooseIsPure: choose leaves the NICs it was given alone and returns
// the new set; a NIC that left the host stays chosen while vnstat has it,
// and is forgotten once vnstat does not.
func TestChooseIsPure(t *testing.T) {
	ifaces := []Interface{{Name: "eth0"}, {Name: "wwan0"}}
	before := map[string]bool{"wwan0": true, "gone0": true}
	ch := choose(nil, hostLinks[:2], ifaces, false, before)
	if !maps.Equal(before, map[string]bool{"wwan0": true, "gone0": true}) {
		t.Errorf("choose changed its input: %v", before)
	}
	if want := map[string]bool{"eth0": true, "wwan0": true}; !maps.Equal(ch.nics, want) {
		t.Errorf("nics %v, want %v", ch.nics, want)
	}
	if !slices.Equal(ch.names, []string{"eth0", "wwan0"}) || len(ch.problems) != 1 || ch.problems[0].Kind != traffic.InterfaceAbsent {
		t.Errorf("names %v problems %v", ch.names, ch.problems)
	}
}
