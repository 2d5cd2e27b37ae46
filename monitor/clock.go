package monitor

import (
	"fmt"
	"time"
)

// The wall clock can step (NTP correcting a bad real-time clock, an
// administrator's date -s); the kernel's monotonic clock does not. How old
// a save is, which decides when it is overdue, when vnstatd has stalled
// and how fast the kernel counted since, is measured on the monotonic
// clock from the moment the save was first seen. Dates (which day, which
// cycle) stay on the wall clock, as vnstatd's do.

// Stamper is a Vnstat that tells cheaply whether its database may have
// been written since a read: Stamp changes whenever vnstatd writes. The
// poller then reads at once instead of at its next poll, so a save is
// judged within a sample interval of being written.
type Stamper interface {
	Stamp() (string, error)
}

// stepSlack is how far the wall clock may move away from the monotonic
// one between two samples before it counts as a step (a slewing NTP moves
// it by at most 0.5 ms a second).
const stepSlack = 2 * time.Second

// aheadSlack is how far, beyond vnstatd's UpdateInterval, vnstat's save
// may be dated ahead of this process's clock before the clock counts as
// set back (vnstat writes whole seconds, truncated, so a save is never
// dated after it was made). vnstatd skips its reads while the clock is
// behind its last save; a step back within UpdateInterval costs it at most
// one read, which the next one makes up for.
const aheadSlack = 2 * time.Second

// firstSeen is a save as this process first saw it: its date, how old it
// was then by the wall clock, and the monotonic reading then.
type firstSeen struct {
	updated time.Time
	age     time.Duration
	at      time.Duration
}

// monotonic returns the default monotonic clock for now: the time since
// the first call, which time.Now's readings measure on the monotonic
// clock (a now without a monotonic reading, in tests, measures on its own
// wall time).
func monotonic(now func() time.Time) func() time.Duration {
	start := now()
	return func() time.Duration { return now().Sub(start) }
}

// aged returns saved with each save's Age (on the monotonic clock) and
// Ahead (the wall clock set back past it) filled in as of now, and keeps
// when each save was first seen. A save first seen now is as old as the
// wall clock says. The saves it keeps are those of saved only.
func (p *Poller) aged(saved map[string]savedState, now time.Time) map[string]savedState {
	if saved == nil {
		return nil
	}
	mono := p.mono()
	out := make(map[string]savedState, len(saved))
	for name, s := range saved {
		f, ok := p.seen[name]
		if !ok || !f.updated.Equal(s.Updated) {
			f = firstSeen{updated: s.Updated, age: now.Sub(s.Updated), at: mono}
			p.seen[name] = f
		}
		s.Age = f.age + (mono - f.at)
		// Where vnstatd's zone is in doubt (inferred, or one save says
		// it differs), its dates are not compared with the clock.
		if ahead := s.Updated.Sub(now); ahead > p.cfg.Vnstat.UpdateInterval+aheadSlack && s.Why == "" && !p.zoneInferred && p.zoneSeen.modTime.IsZero() {
			s.Ahead = fmt.Sprintf("%s: vnstat's last save of it is dated %s, %s ahead of this host's clock (the clock was set back): "+
				"vnstatd records nothing for it until the clock passes that time (and exits when it is more than a day ahead); the live part is left out until then",
				name, s.Updated.Format(time.RFC3339), ahead.Round(time.Second))
		}
		out[name] = s
	}
	for name := range p.seen {
		if _, ok := saved[name]; !ok {
			delete(p.seen, name)
		}
	}
	return out
}

// noteStep reports whether the wall clock stepped since the last call,
// against the monotonic clock (by more than stepSlack; never at the first
// call), and logs each step once.
func (p *Poller) noteStep(now time.Time) bool {
	mono := p.mono()
	last, lastMono := p.lastWall, p.lastMono
	p.lastWall, p.lastMono = now, mono
	if last.IsZero() {
		return false
	}
	step := now.Round(0).Sub(last.Round(0)) - (mono - lastMono)
	if step > -stepSlack && step < stepSlack {
		return false
	}
	p.logger.Warn("the wall clock stepped; the ages of vnstat's saves are kept on the monotonic clock", "step", step.Round(time.Millisecond).String(),
		"now", now.Format(time.RFC3339))
	return true
}

// stampNow is the database's stamp, "" when it has none or it cannot be
// taken.
func (p *Poller) stampNow() string {
	s, ok := p.vnstat.(Stamper)
	if !ok {
		return ""
	}
	st, err := s.Stamp()
	if err != nil {
		return ""
	}
	return st
}

// overdueAfter is how old vnstatd's save may be before the next one is
// overdue: vnstatd saves at its first read at least SaveInterval after
// its last save, and it reads every UpdateInterval, looking every
// PollInterval; 5 s for the write and for seeing it.
func overdueAfter(vc VnstatConfig) time.Duration {
	return vc.SaveInterval + vc.UpdateInterval + vc.PollInterval + 5*time.Second
}

// mustRead reports whether the database must be read again before the
// next judgement: vnstatd has written it since the last read, or a save
// has become overdue or stale (see overdueAfter, StaleAfter) since the
// last read was made, so that neither is judged on an old read, whatever
// the poll interval.
func (p *Poller) mustRead() bool {
	if st := p.stampNow(); st != "" && st != p.stamp {
		return true
	}
	mono := p.mono()
	limits := []time.Duration{overdueAfter(p.cfg.Vnstat)}
	if p.cfg.StaleAfter > 0 {
		limits = append(limits, p.cfg.StaleAfter)
	}
	for name := range p.saved {
		f, ok := p.seen[name]
		if !ok {
			continue
		}
		for _, limit := range limits {
			if due := f.at + limit - f.age; mono > due && p.readAt <= due {
				return true
			}
		}
	}
	return false
}
