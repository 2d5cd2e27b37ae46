package api

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// The dashboard's charts are 300 units wide; their plots run from plotTop
// to plotBottom, with a row of date labels under them (dashboard.html
// draws them in a 300 x 134 box).
const (
	chartWidth = 300.0
	plotTop    = 12.0
	plotBottom = 118.0
)

// paceView is the pace chart: the cycle's usage through each day against
// an even pace from 0 to the quota at the reset, with the projection to
// the reset, the alert thresholds, now, and the dates.
type paceView struct {
	// Title and Desc are the chart's text alternative; Desc is also shown
	// under it.
	Title, Desc string
	// Used is the polyline of the usage: at the cycle's start, at the end
	// of each day gone, and now.
	Used string
	// Even is the line from 0 to the quota at the reset, when one is set.
	Even *segment
	// Projection runs from now to the projection at the reset, cut at the
	// top of the plot; ProjLabel is its figure, drawn at its end.
	Projection             segment
	ProjLabel              string
	ProjLabelX, ProjLabelY float64
	// NowX is where now is.
	NowX float64
	// Levels are the quota and the thresholds the plot reaches; Scale
	// labels the top of the plot when no quota is set.
	Levels []level
	Scale  string
	Ticks  []tick
}

type segment struct{ X1, Y1, X2, Y2 float64 }

// level is a horizontal line across the plot at Y, labelled at LabelX.
type level struct {
	Y, LabelX, LabelY float64
	Label             string
	Quota, Shown      bool
}

// tick is a label on the date axis: its mark at X, its text from LabelX.
type tick struct {
	X, LabelX float64
	Label     string
}

// paceChart draws res's cycle against its quota and thresholds (percent).
func paceChart(res *traffic.Result, thresholds []int, t words, fig func(uint64) figure) paceView {
	u := res.Usage
	loc := res.Location()
	start, next := billing.Midnight(res.Cycle.Start, loc), billing.Midnight(res.Cycle.Next, loc)
	asOf := res.PolledAt
	if !res.LiveAsOf.IsZero() {
		asOf = res.LiveAsOf
	}
	whole := float64(next.Sub(start))
	xOf := func(at time.Time) float64 {
		return min(max(chartWidth*float64(at.Sub(start))/whole, 0), chartWidth)
	}
	elapsed := min(max(res.Cycle.Elapsed(asOf.In(loc)), 0), 1)

	var top float64 // bytes at plotTop
	limit := float64(u.LimitBytes)
	if limit > 0 {
		top = max(1.2*limit, 1.1*float64(u.UsedBytes), 1.05*min(float64(u.ProjectedBytes), 1.5*limit))
	} else {
		top = max(1.1*float64(u.ProjectedBytes), 1.1*float64(u.UsedBytes), 1)
	}
	yOf := func(b float64) float64 { return plotBottom - (plotBottom-plotTop)*min(b/top, 1) }

	// The usage at the end of each day gone, counted as the billing
	// mode counts it, with the cycle's offset from its start.
	used := func(in, out uint64) uint64 {
		return billing.WithOffset(billing.Counted(u.Mode, in, out), u.OffsetBytes)
	}
	var v paceView
	pts := []string{point(0, yOf(float64(used(0, 0))))}
	var in, out uint64
	for i, d := range res.Days {
		if i == len(res.Days)-1 {
			break
		}
		in, out = in+d.InBytes, out+d.OutBytes
		pts = append(pts, point(xOf(billing.Midnight(d.Date.AddDate(0, 0, 1), loc)), yOf(float64(used(in, out)))))
	}
	v.NowX = xOf(asOf)
	nowY := yOf(float64(u.UsedBytes))
	v.Used = strings.Join(append(pts, point(v.NowX, nowY)), " ")

	// The projection, cut where it leaves the plot.
	v.Projection = segment{v.NowX, nowY, chartWidth, yOf(float64(u.ProjectedBytes))}
	if p, n := float64(u.ProjectedBytes), float64(u.UsedBytes); p > top && p > n {
		v.Projection.X2 = v.NowX + (chartWidth-v.NowX)*(top-n)/(p-n)
	}
	v.ProjLabel = fig(u.ProjectedBytes).Text
	if limit > 0 {
		v.ProjLabel = string(ratio2(u.ProjectedBytes, 100, u.LimitBytes)) + "%"
	}
	// The projection's figure first, at its end; the levels' labels
	// where they fit around it.
	var taken boxes
	w := labelWidth(v.ProjLabel)
	v.ProjLabelY = max(v.Projection.Y2-3, plotTop-2)
	v.ProjLabelX, _ = taken.fit(min(max(v.Projection.X2-w, 0), chartWidth-w-0.5), v.ProjLabelY, w)

	if limit > 0 {
		v.Even = &segment{0, plotBottom, chartWidth, yOf(limit)}
		v.Levels = levels(thresholds, u.LimitBytes, top, yOf, fig(u.LimitBytes).Text, &taken)
	} else {
		v.Scale = fig(uint64(top)).Text
	}
	// The axis: the day each day begins, through the reset.
	var days []time.Time
	var xs []float64
	for d := res.Cycle.Start; !d.After(res.Cycle.Next); d = d.AddDate(0, 0, 1) {
		days, xs = append(days, d), append(xs, xOf(billing.Midnight(d, loc)))
	}
	v.Ticks = dateTicks(days, xs, chartWidth/float64(max(len(days)-1, 1)), t)

	elapsedPct := strconv.FormatFloat(100*elapsed, 'f', 1, 64)
	if limit > 0 {
		pct := ratio2(u.UsedBytes, 100, u.LimitBytes)
		ahead := float64(u.UsedBytes)/limit > elapsed
		v.Desc = t.PaceDesc(fig(u.UsedBytes).Text, string(pct), elapsedPct, fig(u.ProjectedBytes).Text,
			string(ratio2(u.ProjectedBytes, 100, u.LimitBytes)), ahead)
		var ths []string
		for _, th := range allThresholds(thresholds) {
			ths = append(ths, fmt.Sprintf("%d%%", th))
		}
		v.Title = t.PaceTitle(fig(u.LimitBytes).Text, strings.Join(ths, ", "))
	} else {
		v.Desc = t.PaceDescNoQuota(fig(u.UsedBytes).Text, elapsedPct, fig(u.ProjectedBytes).Text)
		v.Title = t.PaceTitle("", "")
	}
	return v
}

func point(x, y float64) string { return fmt.Sprintf("%.1f,%.1f", x, y) }

// allThresholds are the alert thresholds and 100 (the quota), in order,
// each once.
func allThresholds(thresholds []int) []int {
	ths := slices.Sorted(slices.Values(append([]int{100}, thresholds...)))
	return slices.Compact(ths)
}

// levels are the lines of the quota and of the thresholds the plot
// reaches (top bytes), labelled at its left above the line: a label that
// would run into one placed before goes to its right, and is left out
// where there is no room (the chart's title lists every threshold).
func levels(thresholds []int, limit uint64, top float64, yOf func(float64) float64, quota string, taken *boxes) []level {
	var out []level
	for _, th := range allThresholds(thresholds) {
		b := float64(limit) * float64(th) / 100
		if b > top {
			break
		}
		l := level{Y: yOf(b), Label: fmt.Sprintf("%d%%", th), Quota: th == 100}
		if l.Quota {
			l.Label += " · " + quota
		}
		l.LabelY = l.Y - 2
		l.LabelX, l.Shown = taken.fit(2, l.LabelY, labelWidth(l.Label))
		out = append(out, l)
	}
	return out
}

// box is a label placed on a chart, as a rectangle; boxes are those
// placed so far.
type (
	box   struct{ x0, x1, y0, y1 float64 }
	boxes []box
)

// fit places a label w wide with its baseline at y as far left as it
// can from x, where it runs into no label placed and stays inside the
// chart, and reports where; false if nowhere.
func (b *boxes) fit(x, y, w float64) (float64, bool) {
	y0, y1 := y-labelSize*0.8, y+labelSize*0.25
	xs := []float64{x}
	for _, o := range *b {
		xs = append(xs, o.x1+labelGap)
	}
	slices.Sort(xs)
	for _, c := range xs {
		if c < x || c+w > chartWidth {
			continue
		}
		if !slices.ContainsFunc(*b, func(o box) bool {
			return c < o.x1+labelGap && o.x0 < c+w+labelGap && y0 < o.y1 && o.y0 < y1
		}) {
			*b = append(*b, box{c, c + w, y0, y1})
			return c, true
		}
	}
	return 0, false
}

// dateTicks labels days on a date axis, the day i at xs[i], days
// spacing apart: the first and the last always, the others every so
// many days (1, 2, 7 or 14) that their labels stand apart by half a
// label (the first and the last are kept inside the chart, which moves
// them toward their neighbours); a label that would run into one
// already placed is left out.
func dateTicks(days []time.Time, xs []float64, spacing float64, t words) []tick {
	if len(days) == 0 {
		return nil
	}
	var widest float64
	for _, d := range days {
		widest = max(widest, labelWidth(t.AxisDay(d)))
	}
	step := 14
	for _, s := range []int{1, 2, 7} {
		if float64(s)*spacing >= 1.5*widest+labelGap {
			step = s
			break
		}
	}
	order := []int{0, len(days) - 1}
	for i := step; i < len(days)-1; i += step {
		order = append(order, i)
	}
	var out []tick
	for _, i := range order {
		label := t.AxisDay(days[i])
		w := labelWidth(label)
		tk := tick{X: xs[i], Label: label, LabelX: min(max(xs[i]-w/2, 0), chartWidth-w-0.5)}
		if !slices.ContainsFunc(out, func(o tick) bool {
			return tk.LabelX < o.LabelX+labelWidth(o.Label)+labelGap && o.LabelX < tk.LabelX+w+labelGap
		}) {
			out = append(out, tk)
		}
	}
	slices.SortFunc(out, func(a, b tick) int { return cmp.Compare(a.X, b.X) })
	return out
}
