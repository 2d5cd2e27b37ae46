package monitor

import (
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"strings"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/traffic"
)

// The pure core of a poll: which interfaces to report, which zone vnstatd
// writes in, and the totals of a read. The Poller calls them with what it
// read and what the previous poll left; they touch nothing else.

// choice is the interfaces a poll reports, and what it says of the others.
type choice struct {
	names    []string
	problems []traffic.Problem // traffic.InterfaceMissing and traffic.InterfaceAbsent
	err      error
	// nics are the NICs chosen automatically so far that vnstat still has.
	nics map[string]bool
	// For the log: how the names were chosen, the links left out, notes.
	how     string
	skipped []Skip
	notes   []string
}

// choose returns the vnstat interfaces to report: those named in
// INTERFACES (named) that vnstat has, or the physical NICs vnstat tracks
// and those chosen before (nics) that vnstat still has. foreign says the
// links are not the host's: named interfaces are then vnstat's only.
func choose(named []string, links []Link, ifaces []Interface, foreign bool, nics map[string]bool) choice {
	inDB := make(map[string]bool, len(ifaces))
	dbNames := make([]string, 0, len(ifaces))
	for _, i := range ifaces {
		inDB[i.Name] = true
		dbNames = append(dbNames, i.Name)
	}
	onHost := make(map[string]bool, len(links))
	for _, l := range links {
		onHost[l.Name] = true
	}
	ch := choice{nics: nics}
	if len(named) > 0 {
		ch.how = "INTERFACES"
		for _, n := range named {
			switch {
			case !inDB[n] && !onHost[n]:
				ch.problems = append(ch.problems, traffic.Problem{Kind: traffic.InterfaceMissing, Interface: n, Detail: n + ": neither in vnstat's database nor on this host"})
			case !inDB[n]:
				ch.problems = append(ch.problems, traffic.Problem{Kind: traffic.InterfaceMissing, Interface: n, Detail: n + ": not in vnstat's database (add it with: vnstat --add -i " + n + ")"})
			default:
				ch.names = append(ch.names, n)
				if !onHost[n] && !foreign {
					ch.problems = append(ch.problems, traffic.Problem{Kind: traffic.InterfaceAbsent, Interface: n, Detail: n + ": not on this host now; reporting vnstat's rows without the live part"})
				}
			}
		}
		if len(ch.names) == 0 {
			var why []string
			for _, pr := range ch.problems {
				why = append(why, pr.Detail)
			}
			ch.err = fmt.Errorf("no interface to report: %s", strings.Join(why, "; "))
		}
		return ch
	}

	ch.how = "automatic"
	chosen, skipped := selectLinks(links)
	ch.skipped = skipped
	ch.nics = make(map[string]bool, len(nics)+len(chosen))
	for n := range nics {
		if inDB[n] {
			ch.nics[n] = true
		}
	}
	for _, n := range chosen {
		if inDB[n] {
			ch.nics[n] = true
		} else {
			ch.notes = append(ch.notes, n+": physical NIC that vnstat does not track (add it with: vnstat --add -i "+n+")")
		}
	}
	for _, n := range dbNames {
		switch {
		case ch.nics[n]:
			ch.names = append(ch.names, n)
			if !onHost[n] {
				ch.problems = append(ch.problems, traffic.Problem{Kind: traffic.InterfaceAbsent, Interface: n, Detail: n + ": a NIC of this host that is absent now; reporting vnstat's rows without the live part"})
			}
		case !onHost[n]:
			ch.notes = append(ch.notes, n+": in vnstat's database but not on this host")
		}
	}
	if len(ch.names) == 0 {
		why := "no physical NIC found"
		if len(chosen) > 0 {
			why = "vnstat tracks none of the physical NICs " + strings.Join(chosen, ", ")
		}
		ch.err = fmt.Errorf("no interface to report: %s (vnstat's database has: %s; set INTERFACES to choose)",
			why, strings.Join(dbNames, ", "))
		ch.nics = nics
	}
	return ch
}

// zoneVote is a zone offset inferred from one save.
type zoneVote struct {
	offset  time.Duration
	modTime time.Time
}

// judgeZone returns the zone vnstatd writes in, judged from snap, the vote
// to keep for the next read, and a warning when that zone is not base,
// this process's (UTC with UseUTC). cur and seen are the previous read's
// judgement and vote. A mismatch counts once two saves agree on it: one
// save can be misread (a write that was not a save).
func judgeZone(snap *Snapshot, base *time.Location, useUTC bool, cur *time.Location, seen zoneVote) (*time.Location, zoneVote, string) {
	if useUTC {
		return base, zoneVote{}, ""
	}
	zone := cur
	own := writesIn(snap, base)
	if offset, ok := vnstatOffset(snap); own || ok {
		switch {
		case own || zoneMismatch(offset, base, snap.ModTime) == "":
			zone, seen = base, zoneVote{}
		case seen.offset == offset && !seen.modTime.IsZero() && !seen.modTime.Equal(snap.ModTime):
			zone = time.FixedZone(formatOffset(offset), int(offset/time.Second))
		default:
			seen = zoneVote{offset: offset, modTime: snap.ModTime}
		}
	}
	// Without a judgement (no save to judge by), the last one stands.
	if zone == base {
		return zone, seen, ""
	}
	_, off := snap.ModTime.In(zone).Zone()
	return zone, seen, zoneMismatch(time.Duration(off)*time.Second, base, snap.ModTime)
}

// reconcile turns one read of vnstat's database into the cycle's result
// without the live part, for the interfaces ch chose, at now in vnstatd's
// zone: the totals of this cycle and the previous one, what is wrong with
// them, and the saved counters that go with them. off, if set, is why the
// live part is off.
func reconcile(snap *Snapshot, ch choice, off *traffic.Problem, cfg PollerConfig, zone *time.Location, now time.Time) (*traffic.Result, map[string]savedState, error) {
	local := now.In(zone)
	cycle := billing.CycleAt(local, cfg.StartDay)
	previous := cycle.Previous(cfg.StartDay)
	previous.Today = previous.Last()

	q := cfg.Quota
	cur, err := total(snap, ch.names, cycle, cycle.Today, cfg.Vnstat, zone, sinceTracked)
	if err != nil {
		return nil, nil, err
	}
	res := &traffic.Result{Totals: *cur, PolledAt: now, Zone: zone}
	for _, i := range cur.Interfaces {
		if i.Updated.After(res.UpdatedAt) {
			res.UpdatedAt = i.Updated
		}
	}
	res.Problems = append(slices.Clip(ch.problems), res.Problems...)
	if off != nil {
		res.Problems = append(res.Problems, *off)
	}
	// A past cycle must be whole: vnstat must have held every day of it,
	// unless the offset stands for what it had not yet counted.
	need := wholeCycle
	if q.Explains(previous.Start) {
		need = sinceTracked
	}
	res.Previous, err = total(snap, ch.names, previous, cycle.Today, cfg.Vnstat, zone, need)
	if err != nil {
		return nil, nil, err
	}
	for _, pr := range ch.problems {
		if pr.Kind == traffic.InterfaceMissing {
			res.Previous.Problems = append(res.Previous.Problems, pr)
		}
	}
	res.Previous.Usage = billing.Measure(res.Previous.InBytes, res.Previous.OutBytes, q, previous, local, true)
	for c := previous; len(res.Earlier) < traffic.MaxEarlier; {
		c = c.Previous(cfg.StartDay)
		c.Today = c.Last()
		if c.Today.Before(snap.From) {
			break
		}
		e, err := total(snap, ch.names, c, cycle.Today, cfg.Vnstat, zone, wholeCycle)
		if err != nil {
			return nil, nil, err
		}
		if c.Start.Before(snap.From) && len(e.Details(traffic.Incomplete)) == 0 {
			// The read reaches every cycle listed, or what vnstat keeps
			// (gaps says so): this is a read made from elsewhere.
			e.Problems = append(e.Problems, traffic.Problem{Kind: traffic.Incomplete, Detail: fmt.Sprintf(
				"rows before %s were not read (cycle start %s)", snap.From.Format(billing.DateFormat), c.Start.Format(billing.DateFormat))})
		}
		e.Usage = billing.Measure(e.InBytes, e.OutBytes, q, c, local, true)
		res.Earlier = append(res.Earlier, e)
	}

	saved := make(map[string]savedState, len(ch.names))
	for _, i := range snap.Interfaces {
		if slices.Contains(ch.names, i.Name) {
			saved[i.Name] = judgeSaved(i, snap.BootTime, cfg.BootTime, snap.ModTime, cfg.Vnstat.BootVariation, zone)
		}
	}
	return res, saved, nil
}

// total sums the daily rows of the named interfaces over the cycle, and
// says which sums miss days (see gaps) as of today.
func total(snap *Snapshot, names []string, cycle billing.Cycle, today time.Time, vc VnstatConfig, zone *time.Location, need coverage) (*traffic.Totals, error) {
	res := &traffic.Totals{Cycle: cycle}
	var overflow bool
	res.Days = make([]traffic.DayTotal, int(cycle.Today.Sub(cycle.Start)/(24*time.Hour))+1)
	for n := range res.Days {
		res.Days[n].Date = cycle.Start.AddDate(0, 0, n)
	}
	add := func(a, b uint64) uint64 {
		s, c := bits.Add64(a, b, 0)
		overflow = overflow || c != 0
		return s
	}
	for _, iface := range snap.Interfaces {
		if !slices.Contains(names, iface.Name) {
			continue
		}
		t := traffic.IfaceTotal{Name: iface.Name, Updated: iface.Updated.Written(zone, snap.ModTime), Created: iface.Created.In(zone),
			LifetimeInBytes: iface.RXTotal, LifetimeOutBytes: iface.TXTotal}
		for _, d := range iface.Days {
			if d.Date.Before(cycle.Start) || d.Date.After(cycle.Today) {
				continue
			}
			t.InBytes = add(t.InBytes, d.RX)
			t.OutBytes = add(t.OutBytes, d.TX)
			day := &res.Days[int(d.Date.Sub(cycle.Start)/(24*time.Hour))]
			day.InBytes, day.OutBytes = addSat(day.InBytes, d.RX), addSat(day.OutBytes, d.TX)
		}
		if why := gaps(iface, cycle, today, vc, need); why != "" {
			res.Problems = append(res.Problems, traffic.Problem{Kind: traffic.Incomplete, Interface: iface.Name, Detail: why})
		}
		res.InBytes = add(res.InBytes, t.InBytes)
		res.OutBytes = add(res.OutBytes, t.OutBytes)
		res.Interfaces = append(res.Interfaces, t)
	}
	if overflow {
		return nil, errors.New("summing vnstat's daily rows: total exceeds 2^64 bytes")
	}
	for _, d := range res.Days {
		if b := addSat(d.InBytes, d.OutBytes); b > res.PeakDayBytes {
			res.PeakDay, res.PeakDayBytes = d.Date, b
		}
	}
	slices.SortFunc(res.Interfaces, func(a, b traffic.IfaceTotal) int { return strings.Compare(a.Name, b.Name) })
	return res, nil
}

func addSat(a, b uint64) uint64 {
	s, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return ^uint64(0)
	}
	return s
}
