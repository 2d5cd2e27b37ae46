package monitor

import (
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
}

// Usage is a cycle's traffic counted the provider's way.
type Usage struct {
	// Mode is the billing mode applied.
	Mode string
	// UsedBytes is the traffic by Mode, plus OffsetBytes.
	UsedBytes uint64
	// OffsetBytes is the offset counted in this cycle: Quota.Offset when
	// the cycle starts on Quota.OffsetCycle, else 0.
	OffsetBytes uint64
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

// usage counts in and out against q for cycle c at instant now, in now's
// time zone. over says the cycle has ended, so nothing is projected.
func usage(in, out uint64, q Quota, c Cycle, now time.Time, over bool) Usage {
	u := Usage{Mode: q.Mode, LimitBytes: q.Limit, ResetsOn: c.Next}
	if u.Mode == "" {
		u.Mode = ModeSum
	}
	switch u.Mode {
	case ModeSum:
		u.UsedBytes = addSat(in, out)
	case ModeMax:
		u.UsedBytes = max(in, out)
	case ModeIn:
		u.UsedBytes = in
	case ModeOut:
		u.UsedBytes = out
	}
	if q.Offset > 0 && q.OffsetCycle.Equal(c.Start) {
		u.OffsetBytes = q.Offset
		u.UsedBytes = addSat(u.UsedBytes, q.Offset)
	}
	if u.LimitBytes > u.UsedBytes {
		u.RemainingBytes = u.LimitBytes - u.UsedBytes
	}
	u.ProjectedBytes = u.UsedBytes
	if !over {
		loc := now.Location()
		start := time.Date(c.Start.Year(), c.Start.Month(), c.Start.Day(), 0, 0, 0, 0, loc)
		next := time.Date(c.Next.Year(), c.Next.Month(), c.Next.Day(), 0, 0, 0, 0, loc)
		elapsed, whole := now.Sub(start), next.Sub(start)
		if elapsed > 0 && elapsed < whole {
			u.ProjectedBytes = mulDivSat(u.UsedBytes, uint64(whole), uint64(elapsed))
		}
	}
	return u
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
