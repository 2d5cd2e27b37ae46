package api

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/config"
	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// paceResult is a cycle starting on startDay, read at polled (in its
// zone), with in/out bytes on each day (by its index in the cycle)
// through polled's date, the last day's live part on top, counted by q.
func paceResult(polled time.Time, startDay int, q billing.Quota, in, out func(day int) uint64, live uint64) *traffic.Result {
	start := billing.CycleAt(polled, startDay).Start
	return testrig.Result(polled, startDay, q, func(d time.Time) (uint64, uint64) {
		i := int(d.Sub(start) / (24 * time.Hour))
		return in(i), out(i)
	}, live, 0)
}

// pts reads a polyline's points.
func pts(t *testing.T, s string) [][2]float64 {
	t.Helper()
	var out [][2]float64
	for _, p := range strings.Fields(s) {
		xs, ys, _ := strings.Cut(p, ",")
		x, err1 := strconv.ParseFloat(xs, 64)
		y, err2 := strconv.ParseFloat(ys, 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("point %q", p)
		}
		out = append(out, [2]float64{x, y})
	}
	return out
}

func near(a, b float64) bool { return math.Abs(a-b) <= 0.06 }

// TestPaceChart: the pace chart's usage line passes through the usage at
// the end of each day gone, counted as the billing mode counts it with
// the cycle's offset, at the instant the day ends (a 25-hour day where
// the clocks go back is wider), and ends at Used now; the even pace runs
// from 0 to the quota at the reset; the projection from now to Projected
// at the reset; the thresholds the plot reaches are drawn, the axis is
// dated from the start to the reset, and the text says how the cycle is
// going (issue 33, point 9).
func TestPaceChart(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("needs tzdata:", err)
	}
	// October 2026 in Berlin: the clocks go back on the 25th (a day of
	// 25 hours); the cycle runs 745 hours from October 1.
	polled := time.Date(2026, time.October, 28, 6, 0, 0, 0, berlin)
	const limit = 100 << 30
	for _, c := range []struct {
		name  string
		q     billing.Quota
		count func(in, out uint64) uint64
	}{
		{"sum", billing.Quota{Limit: limit, Mode: billing.ModeSum}, func(in, out uint64) uint64 { return in + out }},
		{"max with an offset", billing.Quota{Limit: limit, Mode: billing.ModeMax, Offset: 3 << 30, OffsetCycle: time.Date(2026, time.October, 1, 0, 0, 0, 0, time.UTC)},
			func(in, out uint64) uint64 { return max(in, out) + 3<<30 }},
		{"out with a calibration below", billing.Quota{Limit: limit, Mode: billing.ModeOut, Calibration: &billing.Calibration{
			Cycle: time.Date(2026, time.October, 1, 0, 0, 0, 0, time.UTC), OffsetBytes: -5 << 30}},
			func(_, out uint64) uint64 { return out - min(out, 5<<30) }},
	} {
		in := func(d int) uint64 { return uint64(d%4) << 30 }
		out := func(d int) uint64 { return uint64(d%3+1) << 29 }
		res := paceResult(polled, 1, c.q, in, out, 1<<28)
		v := paceChart(res, []int{50, 80, 90, 300}, english{}, func(n uint64) figure { return figure{traffic.Size(n), n} })
		top := 1.2 * limit
		yOf := func(b uint64) float64 { return 118 - 106*float64(b)/top }
		p := pts(t, v.Used)
		if len(p) != len(res.Days)+1 {
			t.Fatalf("%s: %d points for %d days", c.name, len(p), len(res.Days))
		}
		var cin, cout uint64
		hours := 0.0
		for i := range p[:len(p)-1] {
			if i > 0 {
				cin, cout = cin+in(i-1), cout+out(i-1)
				hours += 24
				if i == 25 { // October 25 ended an hour late
					hours++
				}
			}
			if want := 300 * hours / 745; !near(p[i][0], want) || !near(p[i][1], yOf(c.count(cin, cout))) {
				t.Errorf("%s: day %d ends at %v, want %.1f,%.1f", c.name, i, p[i], want, yOf(c.count(cin, cout)))
			}
		}
		nowX := 300 * (27*24 + 1 + 6) / 745.0
		if last := p[len(p)-1]; !near(last[0], nowX) || !near(last[1], yOf(res.Usage.UsedBytes)) || !near(v.NowX, nowX) {
			t.Errorf("%s: now at %v (line at %.1f), want %.1f,%.1f", c.name, last, v.NowX, nowX, yOf(res.Usage.UsedBytes))
		}
		if e := v.Even; e == nil || e.X1 != 0 || e.Y1 != 118 || e.X2 != 300 || !near(e.Y2, yOf(limit)) {
			t.Errorf("%s: even pace %+v", c.name, v.Even)
		}
		if pr := v.Projection; !near(pr.X1, nowX) || pr.X2 != 300 || !near(pr.Y2, yOf(res.Usage.ProjectedBytes)) {
			t.Errorf("%s: projection %+v, want to %.1f at 300", c.name, pr, yOf(res.Usage.ProjectedBytes))
		}
		var labels []string
		for _, l := range v.Levels {
			labels = append(labels, l.Label)
		}
		if strings.Join(labels, ",") != "50%,80%,90%,100% · 100.00 GiB" {
			t.Errorf("%s: levels %q (300%% is off the plot, 100%% is the quota)", c.name, labels)
		}
		if !strings.Contains(v.Title, "50%, 80%, 90%, 100%, 300%") {
			t.Errorf("%s: title %q lacks a threshold", c.name, v.Title)
		}
		if first, last := v.Ticks[0], v.Ticks[len(v.Ticks)-1]; first.Label != "Oct 1" || first.X != 0 || last.Label != "Nov 1" || last.X != 300 {
			t.Errorf("%s: axis from %+v to %+v, want Oct 1 at 0 to Nov 1 at 300", c.name, first, last)
		}
		pct := string(ratio2(res.Usage.UsedBytes, 100, limit))
		ahead := float64(res.Usage.UsedBytes)/limit > nowX/300
		want := traffic.Size(res.Usage.UsedBytes) + " used (" + pct + "% of the quota) with 87.9% of the cycle gone: within an even pace."
		if ahead {
			want = strings.Replace(want, "within", "ahead of", 1)
		}
		if !strings.HasPrefix(v.Desc, want) || !strings.Contains(v.Desc, traffic.Size(res.Usage.ProjectedBytes)) {
			t.Errorf("%s: %q, want it to begin %q and give the projection %s", c.name, v.Desc, want, traffic.Size(res.Usage.ProjectedBytes))
		}
	}

	// Far over: the projection is cut at the top of the plot, and labelled.
	res := paceResult(polled, 1, billing.Quota{Limit: 1 << 30}, func(int) uint64 { return 1 << 30 }, func(int) uint64 { return 0 }, 0)
	v := paceChart(res, nil, english{}, func(n uint64) figure { return figure{traffic.Size(n), n} })
	if pr := v.Projection; pr.X2 >= 300 || !near(pr.Y2, 12) || v.ProjLabel != string(ratio2(res.Usage.ProjectedBytes, 100, 1<<30))+"%" {
		t.Errorf("far over: projection %+v labelled %q, want it cut at the top", pr, v.ProjLabel)
	}
	if !strings.Contains(v.Desc, "ahead of an even pace") {
		t.Errorf("far over: %q", v.Desc)
	}

	// No quota: no even pace and no thresholds, a scale instead; in
	// Chinese.
	res = paceResult(polled, 1, billing.Quota{}, func(int) uint64 { return 1 << 30 }, func(int) uint64 { return 0 }, 0)
	v = paceChart(res, []int{80}, chinese{}, func(n uint64) figure { return figure{traffic.Size(n), n} })
	if v.Even != nil || len(v.Levels) != 0 || v.Scale == "" || !strings.HasPrefix(v.Desc, "周期已过 87.9%，已用 "+traffic.Size(res.Usage.UsedBytes)) {
		t.Errorf("no quota: even %+v, levels %+v, scale %q, %q", v.Even, v.Levels, v.Scale, v.Desc)
	}
	if v.Ticks[0].Label != "10月1日" {
		t.Errorf("no quota: axis begins %q", v.Ticks[0].Label)
	}
}

// TestDashboardPace: the page draws the pace chart with its text
// alternative in both languages, and dates and a scale on the day bars.
func TestDashboardPace(t *testing.T) {
	st := dashboardState(1)
	h := NewHandler(testrig.NewState(st), Config{HTTP: config.HTTP{WebhookPath: secret}, PollInterval: time.Minute, Thresholds: []int{80, 90}}, at(st.LastPoll), nil)
	for lang, want := range map[string][]string{
		"en":    {`<h2 id="h-pace">Pace through the cycle</h2>`, `aria-describedby="pace-desc"`, `<p id="pace-desc">`, "with 51.7% of the cycle gone", `class="usedl"`, `class="even"`, `>Nov 15</text>`, `>Dec 15</text>`, `>largest day `},
		"zh-CN": {`<h2 id="h-pace">本周期进度</h2>`, "周期已过 51.7%", `>11月15日</text>`, `>12月15日</text>`, `>最高的一天 `},
	} {
		page := getPage(t, h, secret+DashboardPath+"?lang="+lang).Body.String()
		for _, w := range want {
			if !strings.Contains(page, w) {
				t.Errorf("%s: the page lacks %s", lang, w)
			}
		}
	}
}
