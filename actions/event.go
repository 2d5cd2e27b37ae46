package actions

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
)

// Lift is the event `run-actions lift` gives the script: the owner asks
// for what the actions did to be undone (a throttle lifted).
const Lift = "lift"

// eventKinds are the events the daemon spools, and the rule each names
// its cycle by: the cycle it happened in (current), the cycle that ended
// (previous, the new cycle's summary), or none needed.
var eventKinds = map[string]string{
	"threshold":     "current",
	"projection":    "current",
	"new_cycle":     "previous",
	"problem":       "",
	"recovered":     "",
	"report":        "",
	"weekly_report": "",
	"cycle_report":  "",
}

var (
	eventKey  = regexp.MustCompile(`^[A-Za-z0-9._:@+-]{1,200}$`)
	eventWord = regexp.MustCompile(`^[a-z_]{0,64}$`)
)

// judge decides whether the spooled event env may run, by root's own
// settings and clock, and gives the variables the script gets: the
// event's rule (EVENT, KEY, THRESHOLD, PROBLEM) and root's own values,
// never the event's, for the rest: the cycle now running by root's clock
// (CYCLE_START, CYCLE_END, RESETS_ON, RESETS_IN) and INTERFACES, then the
// settings' other variables. It refuses, saying why, an event of a kind it
// does not know, one for another cycle than root's, and one naming an
// interface that is not in the settings.
func judge(env []string, s *Settings, now time.Time) (vars []string, why string) {
	ev := make(map[string]string, len(env))
	for _, kv := range env {
		k, v, _ := strings.Cut(strings.TrimPrefix(kv, EnvPrefix), "=")
		ev[k] = v
	}
	kind := ev["EVENT"]
	rule, ok := eventKinds[kind]
	if !ok {
		return nil, fmt.Sprintf("an event of unknown kind %.40q", kind)
	}
	if !eventKey.MatchString(ev["KEY"]) {
		return nil, fmt.Sprintf("a key %.40q not in the daemon's format", ev["KEY"])
	}
	if t := ev["THRESHOLD"]; t != "" {
		if n, err := strconv.Atoi(t); err != nil || n < 1 || n > 1000 {
			return nil, fmt.Sprintf("a threshold %.20q that is no percentage", t)
		}
	}
	if !eventWord.MatchString(ev["PROBLEM"]) {
		return nil, fmt.Sprintf("a problem %.40q not in the daemon's format", ev["PROBLEM"])
	}
	cycle := billing.CycleAt(now, s.StartDay)
	current := cycle.Start.Format(billing.DateFormat)
	previous := cycle.Previous(s.StartDay).Start.Format(billing.DateFormat)
	got := ev["CYCLE_START"]
	if rule == "current" && got != current || rule == "previous" && got != previous || rule == "" && got != "" && got != current {
		return nil, fmt.Sprintf("an event of the cycle that began on %.20q; by root's clock and START_DAY=%d the current cycle began on %s",
			got, s.StartDay, current)
	}
	for name := range strings.SplitSeq(ev["INTERFACES"], ",") {
		if name != "" && !slices.Contains(s.Interfaces, name) {
			return nil, fmt.Sprintf("an event naming the interface %.40q, which is not in INTERFACES of the settings (%s)",
				name, strings.Join(s.Interfaces, ","))
		}
	}
	vars = []string{EnvPrefix + "EVENT=" + kind, EnvPrefix + "KEY=" + ev["KEY"], EnvPrefix + "THRESHOLD=" + ev["THRESHOLD"],
		EnvPrefix + "PROBLEM=" + ev["PROBLEM"]}
	return append(vars, s.env(now)...), ""
}

// env is root's own variables for an action at now: the cycle running by
// root's clock, the seconds until it resets (RESETS_IN), the interfaces,
// and the settings' other variables.
func (s *Settings) env(now time.Time) []string {
	cycle := billing.CycleAt(now, s.StartDay)
	resetsIn := billing.Midnight(cycle.Next, now.Location()).Sub(now)
	return append([]string{
		EnvPrefix + "CYCLE_START=" + cycle.Start.Format(billing.DateFormat),
		EnvPrefix + "CYCLE_END=" + cycle.Last().Format(billing.DateFormat),
		EnvPrefix + "RESETS_ON=" + cycle.Next.Format(billing.DateFormat),
		EnvPrefix + "RESETS_IN=" + strconv.FormatInt(int64(resetsIn/time.Second), 10),
		EnvPrefix + "INTERFACES=" + strings.Join(s.Interfaces, ","),
	}, s.Vars...)
}
