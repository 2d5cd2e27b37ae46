package vnstatsrc_test

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
	"github.com/vnstat-exporter/vnstat-exporter/monitor"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// TestAgreesWithVnstat builds real vnstat databases with random rows (gaps,
// values beyond 32 bits, interfaces created at random) and checks, for
// every START_DAY and several days taken as today (month ends, a leap
// February among them), that the poller's sums for the current and the
// previous cycle equal the sums of what the real `vnstat --json d --begin
// B --end E` prints for the same interfaces and dates.
func TestAgreesWithVnstat(t *testing.T) {
	testrig.Vnstat(t)
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 11))
	t.Logf("seed %d", seed)
	todays := []time.Time{
		vnstattest.Date(2028, time.February, 29), vnstattest.Date(2028, time.March, 1), vnstattest.Date(2027, time.January, 31),
		vnstattest.Date(2026, time.November, 30), vnstattest.Date(2026, time.December, 15),
	}
	dbs := 8
	if testing.Short() {
		dbs = 1
	}
	boot, err := vnstatsrc.BootTime()
	if err != nil {
		t.Fatal(err)
	}
	nics := testrig.NewLinks(monitor.Link{Name: "eth0", Index: 2, Kind: "device", ParentBus: "pci"}, monitor.Link{Name: "eth1", Index: 3, Kind: "device", ParentBus: "pci"})
	runs, nonzero := 0, 0
	for db := range dbs {
		today := todays[rng.IntN(len(todays))]
		var ifaces []vnstattest.Iface
		for _, name := range []string{"eth0", "eth1", "wg0"} {
			created := today.AddDate(0, 0, -rng.IntN(80))
			var days []vnstattest.Day
			for d := created; !d.After(today); d = d.AddDate(0, 0, 1) {
				if rng.IntN(5) == 0 {
					continue // a gap
				}
				days = append(days, vnstattest.Day{Date: d, RX: rng.Uint64N(1 << 42), TX: rng.Uint64N(1 << 40)})
			}
			ifaces = append(ifaces, vnstattest.Iface{Name: name, Created: created, Updated: today.Add(23 * time.Hour), Days: days})
		}
		dir := t.TempDir()
		if _, err := vnstattest.Build(context.Background(), dir, ifaces); err != nil {
			t.Fatal(err)
		}
		now := today.Add(23*time.Hour + 30*time.Minute)
		for startDay := 1; startDay <= 31; startDay++ {
			p := monitor.NewPoller(monitor.PollerConfig{StartDay: startDay, Interval: time.Minute, BootTime: boot, Local: time.UTC, Vnstat: vnstatsrc.DefaultConfig()},
				vnstatsrc.NewDatabase(filepath.Join(dir, "vnstat.db")), nics, func() time.Time { return now }, nil)
			if err := p.Poll(context.Background()); err != nil {
				t.Fatalf("db %d START_DAY %d: %v", db, startDay, err)
			}
			res := p.State().Result
			for _, c := range []*traffic.Totals{&res.Totals, res.Previous} {
				cli, err := vnstattest.CLIDaily(context.Background(), dir, "UTC", c.Cycle.Start, c.Cycle.Today)
				if err != nil {
					t.Fatal(err)
				}
				runs++
				var in, out uint64
				for _, name := range []string{"eth0", "eth1"} {
					for _, d := range cli[name] {
						in += d.RX
						out += d.TX
					}
				}
				if in > 0 {
					nonzero++
				}
				if c.InBytes != in || c.OutBytes != out {
					t.Errorf("db %d (today %s) START_DAY %d cycle %s..%s: %d/%d, vnstat prints %d/%d",
						db, today.Format(billing.DateFormat), startDay, c.Cycle.Start.Format(billing.DateFormat), c.Cycle.Today.Format(billing.DateFormat), c.InBytes, c.OutBytes, in, out)
				}
			}
		}
	}
	t.Logf("%d cycles compared with vnstat's own output, %d of them with traffic", runs, nonzero)
	if nonzero < runs/2 {
		t.Errorf("only %d of %d cycles had traffic: the test proves little", nonzero, runs)
	}
}
