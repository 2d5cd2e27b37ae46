package testrig

import (
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// Result is a good poll at polled (in its zone, vnstatd's last save then
// too) of the cycle that resets on startDay, and of the cycle before it:
// a row for each of their days with day's bytes (received, sent) over
// one interface, eth0, and a live part of liveIn and liveOut on today's,
// counted against q as the poller counts.
func Result(polled time.Time, startDay int, q billing.Quota, day func(time.Time) (in, out uint64), liveIn, liveOut uint64) *traffic.Result {
	totals := func(c billing.Cycle) *traffic.Totals {
		t := &traffic.Totals{Cycle: c, Interfaces: []traffic.IfaceTotal{{Name: "eth0"}}}
		for d := c.Start; !d.After(c.Today); d = d.AddDate(0, 0, 1) {
			in, out := day(d)
			t.Days = append(t.Days, traffic.DayTotal{Date: d, InBytes: in, OutBytes: out})
			t.InBytes += in
			t.OutBytes += out
		}
		return t
	}
	c := billing.CycleAt(polled, startDay)
	res := &traffic.Result{Totals: *totals(c), PolledAt: polled, UpdatedAt: polled, Zone: polled.Location()}
	res.LiveInBytes, res.LiveOutBytes, res.LiveAsOf = liveIn, liveOut, polled
	res.InBytes += liveIn
	res.OutBytes += liveOut
	res.Usage = billing.MeasureLive(res.InBytes, res.OutBytes, liveIn, liveOut, q, c, polled, false)
	prev := c.Previous(startDay)
	prev.Today = prev.Last()
	res.Previous = totals(prev)
	res.Previous.Usage = billing.Measure(res.Previous.InBytes, res.Previous.OutBytes, q, prev, polled, true)
	return res
}
