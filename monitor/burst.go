package monitor

import (
	"fmt"
	"time"
)

// vnstatd drops what it read on an interface since its previous read
// when that is more than ceil(limit/8 x interval x 1.02) MiB in either
// direction ("Traffic rate ... higher than set maximum ... syncing"),
// with limit in Mbit/s (VnstatConfig.BandwidthLimit) and interval the
// seconds between its two reads, at least UpdateInterval. The daemon
// cannot see vnstatd's reads; it sees the kernel's counters every second.
// A burstWatch withholds an interface's live part, until vnstatd's next
// save, as soon as some stretch of those samples since the save could
// hold such a read: the live part is then never more than vnstat will
// record.

// burstSlack is how much longer a stretch between two samples may be
// than a read of vnstatd's that it encloses: the samples come every
// second.
const burstSlack = 2.0

// burstWatch follows, by interface, the kernel's counters since vnstat's
// save.
type burstWatch map[string]*burstSeries

// burstSeries is one interface's samples since one save.
type burstSeries struct {
	saved time.Time
	index int
	limit uint32
	dirs  [2]dirWatch // received, sent
	why   string      // set once a possible drop is seen: withheld until the next save
}

// dirWatch is one direction's samples: t in seconds since the save, b the
// bytes counted since. Samples older than every short stretch are folded
// into minV, the least b - c*t among them.
type dirWatch struct {
	pts    []burstPoint
	minV   float64
	folded bool
}

type burstPoint struct{ t, b float64 }

// add takes the sample (t, b) and reports whether a stretch of samples
// ending at it holds more than vnstatd takes in a read of that length:
// rate c in bytes per second, reads at least w seconds apart.
func (d *dirWatch) add(t, b, c, w float64) bool {
	d.pts = append(d.pts, burstPoint{t, b})
	for len(d.pts) > 0 && d.pts[0].t <= t-w-burstSlack {
		if v := d.pts[0].b - c*d.pts[0].t; !d.folded || v < d.minV {
			d.minV, d.folded = v, true
		}
		d.pts = d.pts[1:]
	}
	if cap(d.pts) > 64 && len(d.pts) < cap(d.pts)/4 {
		d.pts = append([]burstPoint(nil), d.pts...)
	}
	// Long stretches (a read at least t-a-slack long, and w): more than
	// c*(t-a-slack).
	if d.folded && b-c*t+c*burstSlack > d.minV {
		return true
	}
	// Short ones (a read of w to t-a): more than c*w.
	for _, p := range d.pts {
		if p.t > t-w {
			break
		}
		if b-p.b > c*w {
			return true
		}
	}
	return false
}

// check takes the sample of link, s.Age after the save s of interface
// name, and returns why its live part is withheld, "" if it is not.
func (bw burstWatch) check(name string, s savedState, link Link, vc VnstatConfig) string {
	limit := vc.BandwidthLimit(name, link.SpeedMbit)
	if limit == 0 || s.Why != "" || s.Ahead != "" || link.RxBytes < s.RX || link.TxBytes < s.TX {
		delete(bw, name)
		return ""
	}
	se := bw[name]
	if se == nil || !se.saved.Equal(s.Updated) || se.index != link.Index || se.limit != limit {
		// A new save (or link, or limit): the samples start again at the
		// save's counters.
		se = &burstSeries{saved: s.Updated, index: link.Index, limit: limit}
		for i := range se.dirs {
			se.dirs[i].pts = []burstPoint{{0, 0}}
		}
		bw[name] = se
	}
	if se.why != "" {
		return se.why
	}
	c := float64(limit) * 1.02 * (1 << 20) / 8
	w := max(vc.UpdateInterval.Seconds(), 1)
	t := s.Age.Seconds() // on the monotonic clock
	rx, tx := float64(link.RxBytes-s.RX), float64(link.TxBytes-s.TX)
	if over := se.dirs[0].add(t, rx, c, w); se.dirs[1].add(t, tx, c, w) || over {
		se.why = fmt.Sprintf("%s: the kernel counted traffic faster than vnstat's limit of %d Mbit/s for it, above which vnstatd drops what it read; "+
			"the live part is withheld until vnstatd's next save", name, limit)
	}
	return se.why
}

// keep forgets the interfaces not in names.
func (bw burstWatch) keep(names map[string]savedState) {
	for name := range bw {
		if _, ok := names[name]; !ok {
			delete(bw, name)
		}
	}
}
