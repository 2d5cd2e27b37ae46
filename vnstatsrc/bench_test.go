package vnstatsrc_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/monitor"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// manyIfaces is n NICs enp1s0 ... enpNs0 with 62 days of rows each, on
// 2026-11-30, and their links.
func manyIfaces(n int) ([]vnstattest.Iface, links) {
	today := vnstattest.Date(2026, time.November, 30)
	updated := time.Date(2026, time.November, 30, 11, 59, 0, 0, time.UTC)
	nics := links{{Name: "lo", Index: 1, Kind: "device", Loopback: true}}
	var ifaces []vnstattest.Iface
	for i := range n {
		name := fmt.Sprintf("enp%ds0", i+1)
		nics = append(nics, monitor.Link{Name: name, Index: i + 2, Kind: "device", ParentBus: "pci", RxBytes: 1 << 30, TxBytes: 1 << 29})
		ifaces = append(ifaces, vnstattest.Iface{Name: name, Created: vnstattest.Date(2026, time.August, 1), Updated: updated,
			Days: vnstattest.Series(today, 62, uint64(100+i), true), RXCounter: 1 << 29, TXCounter: 1 << 28})
	}
	return ifaces, nics
}

// BenchmarkPollDatabase is a whole poll against a real vnstat database
// (vnstatd --initdb and sqlite3) of N interfaces x 62 days: all of them
// reported (the host has them all), or one of them named in INTERFACES.
func BenchmarkPollDatabase(b *testing.B) {
	if why := vnstattest.Tools(); why != "" {
		b.Skip(why)
	}
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
