package traffic

import (
	"fmt"
	"slices"
	"time"
)

// Kind names a problem: what /health reports without details, and the
// kind label of the vnstat_exporter_problem metric.
type Kind string

// The kinds of problems. Those that make the numbers unusable (Fatal) turn
// /health to 503; the others leave the numbers standing, with a part left
// out or a sum short, and make it "degraded".
const (
	// NoData: no poll has succeeded yet.
	NoData Kind = "no_data"
	// PollFailed: the latest poll failed; the last good answer is served.
	PollFailed Kind = "poll_failed"
	// PollerStuck: the last good poll is older than two poll intervals.
	PollerStuck Kind = "poller_stuck"
	// VnstatdStalled: vnstatd has stopped saving while the kernel counts
	// traffic on an interface.
	VnstatdStalled Kind = "vnstatd_stalled"
	// InterfaceMissing: an interface named in INTERFACES is not in
	// vnstat's database.
	InterfaceMissing Kind = "interface_missing"
	// Incomplete: vnstat does not hold every day of the cycle for an
	// interface.
	Incomplete Kind = "incomplete"
	// InterfaceAbsent: a reported interface is not on the host now; its
	// rows count without a live part.
	InterfaceAbsent Kind = "interface_absent"
	// ForeignNamespace: the process is not in the host's network
	// namespace; there is no live part.
	ForeignNamespace Kind = "foreign_namespace"
	// ZoneMismatch: vnstatd writes its times in another zone than this
	// process's; there is no live part.
	ZoneMismatch Kind = "zone_mismatch"
	// LiveWithheld: vnstat may drop or file elsewhere what the kernel
	// counted on an interface since vnstatd's save (traffic faster than
	// vnstat's limit for it, a save overdue, a cycle begun since); its
	// live part, or the part in doubt, is withheld until vnstatd's next
	// save.
	LiveWithheld Kind = "live_withheld"
	// SaveInFuture: vnstat's last save of an interface is dated ahead of
	// the clock (the clock was set back): vnstatd records nothing for it
	// until the clock passes that time; there is no live part.
	SaveInFuture Kind = "save_in_future"
)

// FatalKinds are the kinds of problems that make the answer unusable.
var FatalKinds = []Kind{NoData, PollFailed, PollerStuck, VnstatdStalled, SaveInFuture, InterfaceMissing}

// Fatal reports whether a problem of kind k makes the answer unusable.
func (k Kind) Fatal() bool { return slices.Contains(FatalKinds, k) }

// Problem is something wrong with the answer, and why.
type Problem struct {
	Kind Kind
	// Interface is the interface it concerns, if one.
	Interface string
	// Detail says what and why, for people.
	Detail string
}

// Status is /health's verdict in a word.
type Status string

// The statuses.
const (
	// OK: no problem.
	OK Status = "ok"
	// Degraded: a problem that leaves the numbers standing.
	Degraded Status = "degraded"
	// Failing: a fatal problem; /health answers 503.
	Failing Status = "error"
)

// Health is the verdict on a State.
type Health struct {
	Status Status
	// Problems lists them, fatal ones first.
	Problems []Problem
}

// Judge gives the verdict on st at now, for a poller that polls every
// interval.
func Judge(st *State, now time.Time, interval time.Duration) Health {
	var ps []Problem
	res := st.Result
	switch {
	case res == nil && st.Err == nil:
		ps = append(ps, Problem{Kind: NoData, Detail: "vnstat has not been read yet"})
	case res == nil:
		ps = append(ps, Problem{Kind: NoData, Detail: "no successful poll yet: " + st.Err.Error()})
	case st.Err != nil:
		ps = append(ps, Problem{Kind: PollFailed, Detail: "last poll failed: " + st.Err.Error()})
	case now.Sub(res.PolledAt) > 2*interval:
		ps = append(ps, Problem{Kind: PollerStuck, Detail: fmt.Sprintf(
			"last successful poll at %s is older than two poll intervals (%s): the poller is stuck",
			res.PolledAt.Format(time.RFC3339), 2*interval)})
	}
	if res != nil {
		for _, fatal := range []bool{true, false} {
			for _, p := range res.Problems {
				if p.Kind.Fatal() == fatal {
					ps = append(ps, p)
				}
			}
		}
	}
	h := Health{Status: OK, Problems: ps}
	for _, p := range ps {
		if p.Kind.Fatal() {
			h.Status = Failing
			return h
		}
		h.Status = Degraded
	}
	return h
}

// Details returns the details of res's problems of the kinds given, in
// order.
func (r *Totals) Details(kinds ...Kind) []string {
	var ds []string
	for _, p := range r.Problems {
		for _, k := range kinds {
			if p.Kind == k {
				ds = append(ds, p.Detail)
			}
		}
	}
	return ds
}
