package monitor

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// sampleMargin is how far before a save a kernel sample must be taken to
// be known to come before it: vnstat's times have whole seconds.
const sampleMargin = 2 * time.Second

// linkSample is a link's counters when this process first saw it on its
// current index.
type linkSample struct {
	index  int
	at     time.Time
	rx, tx uint64
}

// linkTracker remembers, for the links present, the first sample taken
// on their current index, when a name moved to a new index, the latest
// sample, and the last sample taken before the current day began. It
// holds only the links of the latest list.
type linkTracker struct {
	first     map[string]linkSample
	changedAt map[string]time.Time
	last      map[string]linkSample
	// beforeMidnight is, by link, the last sample taken before the day of
	// the latest sample began (on the index it had then).
	beforeMidnight map[string]linkSample
}

func newLinkTracker() linkTracker {
	return linkTracker{first: map[string]linkSample{}, changedAt: map[string]time.Time{},
		last: map[string]linkSample{}, beforeMidnight: map[string]linkSample{}}
}

// update takes the links listed at now, on the day that began at
// midnight.
func (lt *linkTracker) update(links []Link, now, midnight time.Time) {
	present := make(map[string]bool, len(links))
	for _, l := range links {
		present[l.Name] = true
		sample := linkSample{index: l.Index, at: now, rx: l.RxBytes, tx: l.TxBytes}
		if last, ok := lt.last[l.Name]; ok && last.index == l.Index && last.at.Before(midnight) {
			lt.beforeMidnight[l.Name] = last
		}
		lt.last[l.Name] = sample
		old, seen := lt.first[l.Name]
		if seen && old.index == l.Index {
			continue
		}
		if seen {
			lt.changedAt[l.Name] = now
		}
		lt.first[l.Name] = sample
	}
	for name := range lt.first {
		if !present[name] {
			delete(lt.first, name)
			delete(lt.changedAt, name)
			delete(lt.last, name)
			delete(lt.beforeMidnight, name)
		}
	}
}

// liveDelta is what the kernel counted on link since vnstat saved s, or a
// reason why that cannot be known: then nothing is added, rather than a
// negative, doubled or foreign number.
func liveDelta(s savedState, link Link, ok bool, first linkSample, changed time.Time) (rx, tx uint64, why string) {
	switch {
	case s.Why != "":
		return 0, 0, s.Why
	case s.Ahead != "":
		return 0, 0, s.Ahead
	case !ok:
		return 0, 0, "not on this host"
	case changed.After(s.Updated):
		return 0, 0, "the link was recreated or renamed since vnstat's save"
	case link.RxBytes < s.RX || link.TxBytes < s.TX:
		return 0, 0, fmt.Sprintf("kernel counters %d/%d are below vnstat's saved %d/%d (reboot, driver reload or interface recreated)",
			link.RxBytes, link.TxBytes, s.RX, s.TX)
	case first.index == link.Index && !first.at.After(s.Updated.Add(-sampleMargin)) && (s.RX < first.rx || s.TX < first.tx):
		// The kernel had counted more before the save than vnstat saved:
		// these are not the counters vnstatd read from this link.
		return 0, 0, fmt.Sprintf("vnstat's saved counters %d/%d are below the %d/%d the kernel had counted before that save",
			s.RX, s.TX, first.rx, first.tx)
	}
	return link.RxBytes - s.RX, link.TxBytes - s.TX, ""
}

// live returns base with the live part as of now (see topUp), keeping
// the link tracker and logging, at debug level, why an interface gets no
// live part when that changes.
func (p *Poller) live(base *traffic.Result, links []Link, now time.Time) *traffic.Result {
	p.tracker.update(links, now, slotAfter(billing.Midnight(now.In(p.zone), p.zone)))
	saved := p.aged(p.saved, now)
	if p.foreign {
		// The links are not the host's: their counters say nothing.
		saved = nil
	}
	withheld := p.watchBursts(saved, links, now)
	res, whys := topUp(base, saved, links, p.tracker, withheld, p.cfg, p.cfg.Live && p.liveOff == "", p.zone, now)
	for name, why := range whys {
		p.logChange("live:"+name, why, func() { p.logger.Debug("no live top-up", "iface", name, "why", why) })
	}
	p.holdLifetimes(res)
	return res
}

// watchBursts takes the links' counters against the saves and returns,
// by interface, why its live part is withheld: vnstatd may drop what the
// kernel counted (see burstWatch).
func (p *Poller) watchBursts(saved map[string]savedState, links []Link, now time.Time) map[string]string {
	p.bursts.keep(saved)
	withheld := map[string]string{}
	for _, l := range links {
		if s, ok := saved[l.Name]; ok {
			why := p.bursts.check(l.Name, s, l, p.cfg.Vnstat)
			if why == "" {
				why = overdue(l.Name, s, p.cfg.Vnstat)
			}
			if why != "" {
				withheld[l.Name] = why
			}
		}
	}
	return withheld
}

// overdue says why the live part of interface name, last saved by vnstatd
// at s, is withheld because vnstatd has missed a save, or returns "".
// vnstatd saves at its first read at least SaveInterval after its last
// save (see overdueAfter), and the save's age is judged on a read made
// since it became due (see mustRead). Past that, vnstatd may have stopped
// reading, and it discards what it reads more than 6 minutes after its
// read before (a stopped, hung or suspended vnstatd loses the traffic in
// between).
func overdue(name string, s savedState, vc VnstatConfig) string {
	if s.Why != "" || s.Ahead != "" || s.Age <= overdueAfter(vc) {
		return ""
	}
	return fmt.Sprintf("%s: vnstatd has not saved it since %s, more than its SaveInterval (%s) ago; if it has stopped reading, it discards what "+
		"the kernel counted since (vnstatd drops a read more than 6 minutes after the one before); the live part is withheld until vnstatd's next save",
		name, s.Updated.Format(time.RFC3339), vc.SaveInterval)
}

// holdLifetimes keeps res's lifetime counters from falling below what was
// published for the same interface (the same name and Created): where the
// live part is lost before vnstatd saves it, the last figure stands until
// vnstat's total passes it. An interface vnstat tracks anew (another
// Created) starts again from its own figure. res is the caller's.
func (p *Poller) holdLifetimes(res *traffic.Result) {
	for n := range res.Interfaces {
		i := &res.Interfaces[n]
		if h, ok := p.held[i.Name]; ok && h.created.Equal(i.Created) {
			i.LifetimeInBytes = max(i.LifetimeInBytes, h.in)
			i.LifetimeOutBytes = max(i.LifetimeOutBytes, h.out)
		}
		p.held[i.Name] = heldLifetime{created: i.Created, in: i.LifetimeInBytes, out: i.LifetimeOutBytes}
	}
}

// topUp returns base with what the kernel counted on links since vnstat's
// saves added to each reported interface (when add is set; not to those
// withheld, which get a LiveWithheld problem), the stall check, and the
// usage, as of now in zone; and, by interface, why it has no live part
// ("" when it has one). The tracker says when links were first seen and
// renamed, and what they had counted before midnight. It changes nothing
// it is given.
//
// Where vnstatd last saved an interface before the cycle began, its live
// part is split at the seam (see atSeam): what the kernel had counted
// before midnight goes to the previous cycle, the rest waits for
// vnstatd's first save in the new cycle.
func topUp(base *traffic.Result, saved map[string]savedState, links []Link, tr linkTracker, withheld map[string]string, cfg PollerConfig, add bool, zone *time.Location, now time.Time) (*traffic.Result, map[string]string) {
	res := *base
	res.Interfaces = slices.Clone(base.Interfaces)
	res.Problems = slices.Clip(base.Problems)
	res.InBytes, res.OutBytes = 0, 0
	byName := make(map[string]Link, len(links))
	for _, l := range links {
		byName[l.Name] = l
	}
	start := slotAfter(billing.Midnight(res.Cycle.Start, zone))
	var prev *traffic.Totals // the previous cycle, once it gets a live part
	whys := make(map[string]string, len(saved))
	for n := range res.Interfaces {
		i := &res.Interfaces[n]
		if s, have := saved[i.Name]; have {
			link, ok := byName[i.Name]
			rx, tx, why := liveDelta(s, link, ok, tr.first[i.Name], tr.changedAt[i.Name])
			counted := rx + tx // for the stall check, withheld or not
			if w := withheld[i.Name]; w != "" && why == "" {
				rx, tx, why = 0, 0, w
				if add {
					res.Problems = append(res.Problems, traffic.Problem{Kind: traffic.LiveWithheld, Interface: i.Name, Detail: w})
				}
			}
			whys[i.Name] = why
			if add {
				// The lifetime counters take all the kernel counted;
				// the cycles, what belongs to each.
				i.LifetimeInBytes = addSat(i.LifetimeInBytes, rx)
				i.LifetimeOutBytes = addSat(i.LifetimeOutBytes, tx)
				cur := [2]uint64{rx, tx}
				if s.Updated.Before(start) && why == "" {
					// At the seam: the new cycle gets nothing yet.
					before := atSeam(s, link, tr.beforeMidnight[i.Name], start, rx, tx)
					cur = [2]uint64{}
					if p := base.Previous; p != nil && !s.Updated.Before(billing.Midnight(p.Cycle.Start, zone)) {
						if prev == nil {
							prev = clonePrevious(p)
						}
						addLive(prev, i.Name, before[0], before[1], now)
					}
					if w := seamWithheld(i.Name, s, start, rx-before[0], tx-before[1]); w != "" {
						res.Problems = append(res.Problems, traffic.Problem{Kind: traffic.LiveWithheld, Interface: i.Name, Detail: w})
					}
				}
				i.LiveInBytes, i.LiveOutBytes = cur[0], cur[1]
				i.InBytes = addSat(i.InBytes, cur[0])
				i.OutBytes = addSat(i.OutBytes, cur[1])
				res.LiveInBytes = addSat(res.LiveInBytes, cur[0])
				res.LiveOutBytes = addSat(res.LiveOutBytes, cur[1])
				res.LiveAsOf = now
			}
			if s.Ahead != "" {
				res.Problems = append(res.Problems, traffic.Problem{Kind: traffic.SaveInFuture, Interface: i.Name, Detail: s.Ahead})
			} else if cfg.StaleAfter > 0 && s.Age > cfg.StaleAfter && counted > 0 {
				res.Problems = append(res.Problems, traffic.Problem{Kind: traffic.VnstatdStalled, Interface: i.Name, Detail: fmt.Sprintf(
					"vnstatd is not saving: last write %s, kernel counted %d bytes since on %s",
					s.Updated.Format(time.RFC3339), counted, i.Name)})
			}
		}
		res.InBytes = addSat(res.InBytes, i.InBytes)
		res.OutBytes = addSat(res.OutBytes, i.OutBytes)
	}
	res.Usage = billing.MeasureLive(res.InBytes, res.OutBytes, res.LiveInBytes, res.LiveOutBytes, cfg.Quota, res.Cycle, now.In(zone), false)
	if prev != nil {
		prev.Usage = billing.MeasureLive(prev.InBytes, prev.OutBytes, prev.LiveInBytes, prev.LiveOutBytes, cfg.Quota, prev.Cycle, now.In(zone), true)
		res.Previous = prev
	}
	return &res, whys
}

// slot is the span vnstatd files traffic by: what it reads goes under the
// five-minute slot of Unix time that holds its read before.
const slot = 5 * time.Minute

// slotAfter is the first slot boundary at or after t: where a day that
// ends at t (a local midnight) ends for vnstatd. It is t itself in every
// zone whose offset is whole minutes of five; in a zone whose offset is
// not (a local mean time), the slot that holds midnight counts in the day
// before.
func slotAfter(t time.Time) time.Time {
	secs := int64(slot / time.Second)
	if r := t.Unix() % secs; r != 0 { // a midnight: whole seconds, after 1970
		return t.Add(time.Duration(secs-r) * time.Second)
	}
	return t
}

// atSeam is the part of the live part rx/tx of an interface that vnstatd
// last saved (s) before the cycle began for it at start (see slotAfter)
// that belongs to the previous cycle.
// vnstatd files what it reads under the time of its read before, so its
// first read after midnight still counts in the day, and the cycle, that
// ended; when that read comes is not known here. So the previous cycle
// gets what the kernel had counted by mark, the link's last sample before
// start (on the same index; nothing without one), and the new cycle
// nothing until vnstatd saves in it: the rest is withheld from both.
func atSeam(s savedState, link Link, mark linkSample, start time.Time, rx, tx uint64) (before [2]uint64) {
	if mark.index != link.Index || !mark.at.Before(start) {
		return before
	}
	if mark.rx > s.RX {
		before[0] = min(mark.rx-s.RX, rx)
	}
	if mark.tx > s.TX {
		before[1] = min(mark.tx-s.TX, tx)
	}
	return before
}

// seamWithheld says why in/out bytes of an interface's live part count in
// no cycle yet, or returns "" when there are none.
func seamWithheld(name string, s savedState, start time.Time, in, out uint64) string {
	if in == 0 && out == 0 {
		return ""
	}
	return fmt.Sprintf("the cycle began at %s, after vnstatd's last save of %s (%s): the %d/%d bytes the kernel counted since "+
		"count in no cycle until vnstatd's first save in the new one (vnstatd files its first read after midnight in the day before)",
		start.Format(time.RFC3339), name, s.Updated.Format(time.RFC3339), in, out)
}

// clonePrevious returns a copy of p that a live part can be added to.
func clonePrevious(p *traffic.Totals) *traffic.Totals {
	c := *p
	c.Interfaces = slices.Clone(p.Interfaces)
	return &c
}

// addLive adds in/out bytes the kernel counted, as of now, to the
// interface name of r.
func addLive(r *traffic.Totals, name string, in, out uint64, now time.Time) {
	for n := range r.Interfaces {
		i := &r.Interfaces[n]
		if i.Name != name {
			continue
		}
		i.InBytes, i.OutBytes = addSat(i.InBytes, in), addSat(i.OutBytes, out)
		i.LiveInBytes, i.LiveOutBytes = addSat(i.LiveInBytes, in), addSat(i.LiveOutBytes, out)
		r.InBytes, r.OutBytes = addSat(r.InBytes, in), addSat(r.OutBytes, out)
		r.LiveInBytes, r.LiveOutBytes = addSat(r.LiveInBytes, in), addSat(r.LiveOutBytes, out)
		r.LiveAsOf = now
	}
}

// Sample adds what the kernel has counted since vnstat's save to the last
// good result and publishes it; on the first sample of a new day it polls
// instead (once: a failing vnstat is not read every second). Sample and
// Poll must not run concurrently.
func (p *Poller) Sample(ctx context.Context) error {
	st := p.state.Load()
	if p.base == nil {
		return nil
	}
	now := p.now()
	if today := billing.CycleAt(now.In(p.zone), p.cfg.StartDay).Today; today != billing.CycleAt(st.LastPoll.In(p.zone), p.cfg.StartDay).Today {
		return p.Poll(ctx)
	}
	if p.noteStep(now) || p.mustRead() {
		return p.Poll(ctx)
	}
	var links []Link
	if !p.foreign {
		var err error
		if links, err = p.links.Links(); err != nil {
			p.logger.Debug("no live sample", "err", err)
			return nil
		}
	}
	res := p.live(p.base, links, now)
	if cur := st.Result; cur != nil && cur.LiveInBytes == res.LiveInBytes && cur.LiveOutBytes == res.LiveOutBytes &&
		slices.Equal(cur.Problems, res.Problems) && cur.Usage == res.Usage && sameLive(cur.Previous, res.Previous) {
		// Nothing moved: keep the published result and its encoding.
		return nil
	}
	if stalled := res.Details(traffic.VnstatdStalled); len(stalled) > 0 && (st.Result == nil || len(st.Result.Details(traffic.VnstatdStalled)) == 0) {
		p.logger.Error("vnstatd is not saving", "problem", strings.Join(stalled, "; "))
	}
	next := *st
	next.Result = res
	p.state.Store(&next)
	return nil
}

// sameLive reports whether a and b, previous cycles, have the same live
// part.
func sameLive(a, b *traffic.Totals) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.LiveInBytes == b.LiveInBytes && a.LiveOutBytes == b.LiveOutBytes
}
