package billing

import (
	"math"
	"math/bits"
	"time"
)

// Billing modes: how a provider counts traffic against an allowance.
const (
	ModeSum = "sum" // received + sent
	ModeMax = "max" // the larger direction
	ModeIn  = "in"  // received only
	ModeOut = "out" // sent only
)

// Modes are the billing modes.
var Modes = []string{ModeSum, ModeMax, ModeIn, ModeOut}

// Quota is how usage is counted against an allowance.
type Quota struct {
	// Limit is the allowance per cycle in bytes; 0 means none.
	Limit uint64
	// Mode is one of ModeSum, ModeMax, ModeIn, ModeOut; empty means sum.
	Mode string
	// Offset is traffic the provider counted in the cycle that starts on
	// OffsetCycle before vnstat did; it counts in that cycle only.
	Offset uint64
	// OffsetCycle is the start (a civil date) of the cycle Offset belongs
	// to.
	OffsetCycle time.Time
	// Calibration, when set for a cycle, replaces Offset in that cycle.
	Calibration *Calibration
}

// Calibration is the provider's count of a cycle's usage, given while the
// daemon runs: from then on the cycle's usage is what vnstat counts plus
// OffsetBytes, so that it agrees with the provider's panel.
type Calibration struct {
	// Cycle is the start (a civil date) of the cycle it counts in; it
	// expires at the next reset.
	Cycle time.Time `json:"cycle_start"`
	// ProviderBytes is the usage the provider's panel showed.
	ProviderBytes uint64 `json:"provider_bytes"`
	// CountedBytes is the usage counted here at SetAt, by the billing
	// mode, without any offset.
	CountedBytes uint64 `json:"counted_bytes"`
	// OffsetBytes is ProviderBytes - CountedBytes; it may be negative.
	OffsetBytes int64 `json:"offset_bytes"`
	// SetAt is when it was given.
	SetAt time.Time `json:"set_at"`
	// Source says how: "command" (vnstat-exporter calibrate) or "http".
	Source string `json:"source"`
}

// NewCalibration returns the calibration that makes the usage counted now,
// counted, read as provider in cycle.
func NewCalibration(cycle time.Time, provider, counted uint64, at time.Time, source string) Calibration {
	// Both are sizes far below 2^63 (config.MaxSize, and vnstat's
	// counters); saturated all the same.
	off := int64(min(provider-counted, math.MaxInt64))
	if provider < counted {
		off = -int64(min(counted-provider, math.MaxInt64))
	}
	return Calibration{Cycle: cycle, ProviderBytes: provider, CountedBytes: counted, OffsetBytes: off, SetAt: at, Source: source}
}

// offset is the offset that counts in the cycle starting on start, and
// the calibration it comes from, if one.
func (q Quota) offset(start time.Time) (int64, *Calibration) {
	if c := q.Calibration; c != nil && c.Cycle.Equal(start) {
		return c.OffsetBytes, c
	}
	if q.Offset > 0 && q.OffsetCycle.Equal(start) {
		return int64(min(q.Offset, 1<<63-1)), nil
	}
	return 0, nil
}

// Usage is a cycle's traffic counted the provider's way.
type Usage struct {
	// Mode is the billing mode applied.
	Mode string
	// UsedBytes is CountedBytes plus OffsetBytes, never below 0.
	UsedBytes uint64
	// LiveBytes is the part of UsedBytes that vnstat has not saved yet
	// (the live part, as Mode counts it), and LiveProjectedBytes its part
	// of ProjectedBytes; 0 when there is none.
	LiveBytes, LiveProjectedBytes uint64
	// CountedBytes is the traffic by Mode, as counted here.
	CountedBytes uint64
	// OffsetBytes is the offset counted in this cycle: the calibration's
	// when one is set for the cycle, else Quota.Offset when the cycle
	// starts on Quota.OffsetCycle, else 0.
	OffsetBytes int64
	// Calibration is the calibration in effect, nil if none.
	Calibration *Calibration
	// LimitBytes is the allowance, 0 when none is set.
	LimitBytes uint64
	// RemainingBytes is LimitBytes - UsedBytes, never below 0.
	RemainingBytes uint64
	// ProjectedBytes is UsedBytes extended linearly to the whole cycle
	// from the elapsed part of it; for a cycle that is over, UsedBytes.
	ProjectedBytes uint64
	// ResetsOn is the first day of the next cycle.
	ResetsOn time.Time
}

// Measure counts in and out against q for cycle c at instant now, in
// now's time zone. A cycle that has ended is not projected; a running one
// is, to its end.
func Measure(in, out uint64, q Quota, c Cycle, now time.Time, ended bool) Usage {
	u := Usage{Mode: q.Mode, LimitBytes: q.Limit, ResetsOn: c.Next}
	if u.Mode == "" {
		u.Mode = ModeSum
	}
	u.CountedBytes = Counted(u.Mode, in, out)
	u.OffsetBytes, u.Calibration = q.offset(c.Start)
	u.UsedBytes = WithOffset(u.CountedBytes, u.OffsetBytes)
	if u.LimitBytes > u.UsedBytes {
		u.RemainingBytes = u.LimitBytes - u.UsedBytes
	}
	u.ProjectedBytes = u.UsedBytes
	if !ended {
		loc := now.Location()
		start, next := Midnight(c.Start, loc), Midnight(c.Next, loc)
		elapsed, whole := now.Sub(start), next.Sub(start)
		if elapsed > 0 && elapsed < whole {
			u.ProjectedBytes = mulDivSat(u.UsedBytes, uint64(whole), uint64(elapsed))
		}
	}
	return u
}

// Counted is in and out counted by billing mode.
func Counted(mode string, in, out uint64) uint64 {
	switch mode {
	case ModeMax:
		return max(in, out)
	case ModeIn:
		return in
	case ModeOut:
		return out
	}
	return addSat(in, out)
}

// WithOffset is counted with offset added: saturated, never below 0.
func WithOffset(counted uint64, offset int64) uint64 {
	switch {
	case offset >= 0:
		return addSat(counted, uint64(offset))
	case uint64(-offset) < counted:
		return counted - uint64(-offset)
	}
	return 0
}

// MeasureLive is Measure for a cycle whose in/out hold a live part of
// liveIn/liveOut, which LiveBytes then tells apart.
func MeasureLive(in, out, liveIn, liveOut uint64, q Quota, c Cycle, now time.Time, ended bool) Usage {
	u := Measure(in, out, q, c, now, ended)
	saved := Measure(in-min(in, liveIn), out-min(out, liveOut), q, c, now, ended)
	u.LiveBytes = u.UsedBytes - min(saved.UsedBytes, u.UsedBytes)
	u.LiveProjectedBytes = u.ProjectedBytes - min(saved.ProjectedBytes, u.ProjectedBytes)
	return u
}

// SavedBytes is UsedBytes without the live part: what vnstat has
// recorded, plus the offset. Alerts and actions are judged on it, since
// vnstatd may never record a live part (it drops what it read before a
// stop of more than 6 minutes).
func (u Usage) SavedBytes() uint64 {
	return u.UsedBytes - min(u.LiveBytes, u.UsedBytes)
}

// SavedProjectedBytes is the projection of SavedBytes.
func (u Usage) SavedProjectedBytes() uint64 {
	return u.ProjectedBytes - min(u.LiveProjectedBytes, u.ProjectedBytes)
}

func addSat(a, b uint64) uint64 {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return ^uint64(0)
	}
	return s
}

// mulDivSat returns a*b/d, or the largest uint64 if that does not fit.
func mulDivSat(a, b, d uint64) uint64 {
	hi, lo := bits.Mul64(a, b)
	if hi >= d {
		return ^uint64(0)
	}
	q, _ := bits.Div64(hi, lo, d)
	return q
}

// Explains reports whether an offset counts in the cycle starting on
// start: it stands for what vnstat had not counted, so missing days do not
// make the cycle's sum incomplete.
func (q Quota) Explains(start time.Time) bool {
	off, c := q.offset(start)
	return off != 0 || c != nil
}
