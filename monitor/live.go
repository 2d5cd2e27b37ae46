package monitor

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc"
)

// CounterSource gives the kernel counters vnstat saved with its rows.
type CounterSource interface {
	Counters(ctx context.Context) ([]vnstatsrc.Counters, error)
}

var _ CounterSource = (*vnstatsrc.Database)(nil)

// liveDelta is what the kernel counted on link since vnstat saved its
// counters, or a reason why that cannot be known: then nothing is added,
// rather than a negative or doubled number.
func liveDelta(saved vnstatsrc.Counters, link Link, ok bool, boot, changed time.Time) (rx, tx uint64, why string) {
	switch {
	case !ok:
		return 0, 0, "not on this host"
	case saved.Updated.Before(boot):
		return 0, 0, "vnstat has not saved since the host booted"
	case changed.After(saved.Updated):
		return 0, 0, "the link was recreated or renamed since vnstat's save"
	case link.RxBytes < saved.RX || link.TxBytes < saved.TX:
		return 0, 0, fmt.Sprintf("kernel counters %d/%d are below vnstat's saved %d/%d (reboot, driver reload or interface recreated)",
			link.RxBytes, link.TxBytes, saved.RX, saved.TX)
	}
	return link.RxBytes - saved.RX, link.TxBytes - saved.TX, ""
}

// live returns base with what the kernel counted since vnstat's save added
// to every reported interface (when Live is on), and the stalled-vnstatd
// check, as of now.
func (p *Poller) live(base *Result, links []Link, now time.Time) *Result {
	res := *base
	res.Interfaces = slices.Clone(base.Interfaces)
	res.InBytes, res.OutBytes = 0, 0
	byName := make(map[string]Link, len(links))
	for _, l := range links {
		byName[l.Name] = l
		if idx, seen := p.linkIndex[l.Name]; seen && idx != l.Index {
			p.changedAt[l.Name] = now
		}
		p.linkIndex[l.Name] = l.Index
	}
	var stalled []string
	for n := range res.Interfaces {
		i := &res.Interfaces[n]
		saved, have := p.saved[i.Name]
		if have {
			link, ok := byName[i.Name]
			rx, tx, why := liveDelta(saved, link, ok, p.cfg.BootTime, p.changedAt[i.Name])
			if why != p.liveNotes[i.Name] {
				p.liveNotes[i.Name] = why
				if why != "" {
					p.logger.Debug("no live top-up", "iface", i.Name, "why", why)
				}
			}
			if p.cfg.Live {
				i.LiveInBytes, i.LiveOutBytes = rx, tx
				i.InBytes = addSat(i.InBytes, rx)
				i.OutBytes = addSat(i.OutBytes, tx)
				res.LiveInBytes = addSat(res.LiveInBytes, rx)
				res.LiveOutBytes = addSat(res.LiveOutBytes, tx)
				res.LiveAsOf = now
			}
			if p.cfg.StaleAfter > 0 && now.Sub(saved.Updated) > p.cfg.StaleAfter && rx+tx > 0 {
				stalled = append(stalled, fmt.Sprintf("vnstatd is not saving: last write %s, kernel counted %d bytes since on %s",
					saved.Updated.Format(time.RFC3339), rx+tx, i.Name))
			}
		}
		res.InBytes = addSat(res.InBytes, i.InBytes)
		res.OutBytes = addSat(res.OutBytes, i.OutBytes)
	}
	res.Stalled = strings.Join(stalled, "; ")
	res.Usage = usage(res.InBytes, res.OutBytes, p.cfg.Quota, res.Cycle, now, false)
	return &res
}

// readCounters reads the saved counters by interface name; with no
// source, or when the database cannot be read, it returns nil and the
// totals go without a live top-up.
func (p *Poller) readCounters(ctx context.Context) map[string]vnstatsrc.Counters {
	if p.counters == nil {
		return nil
	}
	cs, err := p.counters.Counters(ctx)
	if err != nil {
		p.logger.Debug("no live top-up: vnstat's database is unreadable", "err", err)
		return nil
	}
	m := make(map[string]vnstatsrc.Counters, len(cs))
	for _, c := range cs {
		m[c.Name] = c
	}
	return m
}

// Sample adds what the kernel has counted since vnstat's save to the last
// good result and publishes it; on the first sample of a new day it polls
// instead (once: a failing vnstat is not run every second). Sample and Poll
// must not run concurrently.
func (p *Poller) Sample(ctx context.Context) error {
	st := p.state.Load()
	if p.base == nil {
		return nil
	}
	now := p.now()
	if today := CycleAt(now, p.cfg.StartDay).Today; today != CycleAt(st.LastPoll, p.cfg.StartDay).Today {
		return p.Poll(ctx)
	}
	links, err := p.links.Links()
	if err != nil {
		p.logger.Debug("no live sample", "err", err)
		return nil
	}
	res := p.live(p.base, links, now)
	if cur := st.Result; cur != nil && cur.LiveInBytes == res.LiveInBytes && cur.LiveOutBytes == res.LiveOutBytes &&
		cur.Stalled == res.Stalled && cur.Usage == res.Usage {
		// Nothing moved: keep the published result and its encoding.
		return nil
	}
	if res.Stalled != "" && (st.Result == nil || st.Result.Stalled == "") {
		p.logger.Error("vnstatd is not saving", "problem", res.Stalled)
	}
	next := *st
	next.Result = res
	p.state.Store(&next)
	return nil
}
