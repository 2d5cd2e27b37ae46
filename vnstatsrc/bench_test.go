package vnstatsrc_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
	"github.com/vnstat-exporter/vnstat-exporter/monitor"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// manyIfaces is vnstattest.Many(n) and the links of a host that has them
// all.
func manyIfaces(n int) ([]vnstattest.Iface, *testrig.Links) {
	ifaces := vnstattest.Many(n)
	nics := []monitor.Link{{Name: "lo", Index: 1, Kind: "device", Loopback: true}}
	for i, iface := range ifaces {
		nics = append(nics, monitor.Link{Name: iface.Name, Index: i + 2, Kind: "device", ParentBus: "pci", RxBytes: 1 << 30, TxBytes: 1 << 29})
	}
	return ifaces, testrig.NewLinks(nics...)
}

// BenchmarkPollDatabase is a whole poll against a real vnstat database
// (vnstatd --initdb and sqlite3) of N interfaces x 62 days: all of them
// reported (the host has them all), or one of them named in INTERFACES.
func BenchmarkPollDatabase(b *testing.B) {
	testrig.Vnstat(b)
	for _, n := range []int{50, 2000} {
		ifaces, nics := manyIfaces(n)
		dir := b.TempDir()
		if _, err := vnstattest.Build(context.Background(), dir, ifaces); err != nil {
			b.Fatal(err)
		}
		boot, err := vnstatsrc.BootTime()
		if err != nil {
			b.Fatal(err)
		}
		now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
		for _, named := range []string{"", "enp7s0"} {
			what := "all"
			cfg := monitor.PollerConfig{StartDay: 1, Interval: time.Minute, Live: true, BootTime: boot, Local: time.UTC, Vnstat: vnstatsrc.DefaultConfig()}
			if named != "" {
				what, cfg.Interfaces = "one", []string{named}
			}
			b.Run(fmt.Sprintf("%dx62/%s", n, what), func(b *testing.B) {
				p := monitor.NewPoller(cfg, vnstatsrc.NewDatabase(filepath.Join(dir, "vnstat.db")), nics,
					func() time.Time { return now }, nil)
				b.ReportAllocs()
				for b.Loop() {
					if err := p.Poll(context.Background()); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
