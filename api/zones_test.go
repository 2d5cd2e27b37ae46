package api

import (
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// TestHistoryWhereMidnightJumps: in every zone of the system's tzdata, on
// every day from 2000 to 2030 whose midnight the zone skips or repeats,
// /history marks the day before complete only once vnstat has saved at or
// after that day's first instant (issue 33: where midnight is skipped the
// day before was marked complete during its last hour).
func TestHistoryWhereMidnightJumps(t *testing.T) {
	jumps := vnstattest.MidnightJumps(t, 2000, 2030)
	wrong := 0
	for _, j := range jumps {
		day := j.Day.AddDate(0, 0, -1)
		c := &traffic.Totals{Cycle: billing.Cycle{Start: day, Today: j.Day, Next: j.Day.AddDate(0, 1, 0)},
			Days: []traffic.DayTotal{{Date: day, InBytes: 1}, {Date: j.Day, InBytes: 1}}}
		m := j.First
		before := newHistoryCycle(c, m.Add(-time.Second), j.Loc).Days[0].Complete
		at := newHistoryCycle(c, m, j.Loc).Days[0].Complete
		if before || !at {
			if wrong++; wrong <= 5 {
				t.Errorf("%s %s (skipped %v): the day before complete %v a second before %s, %v at it; want false, true",
					j.Zone, j.Day.Format(billing.DateFormat), j.Skipped, before, m.In(j.Loc), at)
			}
		}
	}
	if wrong > 0 {
		t.Errorf("%d of %d days wrong", wrong, len(jumps))
	}
}
