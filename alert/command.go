package alert

import (
	"strconv"
	"strings"

	"github.com/vnstat-exporter/vnstat-exporter/actions"
)

// Env is the event as environment variables for ALERT_COMMAND and the
// root action script, with host the host name: VNSTAT_EXPORTER_EVENT,
// _KEY, _HOST, _THRESHOLD, _USED_BYTES, _LIMIT_BYTES, _PERCENT,
// _PROJECTED_BYTES, _CYCLE_START, _RESETS_ON, _DAYS_LEFT, _MODE,
// _INTERFACES (comma-separated), _PROBLEM, _PROBLEM_INTERFACE, _MESSAGE.
// A variable without a value for the event is empty.
func Env(ev Event, host, message string) []string {
	pct := ""
	if ev.LimitBytes > 0 {
		pct = strconv.FormatFloat(shownPercent(ev.UsedBytes, ev.LimitBytes, 2), 'f', 2, 64)
	}
	threshold := ""
	if ev.Threshold > 0 {
		threshold = strconv.Itoa(ev.Threshold)
	}
	vars := []struct{ name, value string }{
		{"EVENT", string(ev.Kind)},
		{"KEY", ev.Key},
		{"HOST", host},
		{"THRESHOLD", threshold},
		{"USED_BYTES", strconv.FormatUint(ev.UsedBytes, 10)},
		{"LIMIT_BYTES", strconv.FormatUint(ev.LimitBytes, 10)},
		{"PERCENT", pct},
		{"PROJECTED_BYTES", strconv.FormatUint(ev.ProjectedBytes, 10)},
		{"CYCLE_START", ev.CycleStart},
		{"RESETS_ON", ev.ResetsOn},
		{"DAYS_LEFT", strconv.Itoa(ev.DaysLeft)},
		{"MODE", ev.Mode},
		{"INTERFACES", strings.Join(ev.Interfaces, ",")},
		{"PROBLEM", string(ev.Problem)},
		{"PROBLEM_INTERFACE", ev.Interface},
		{"MESSAGE", message},
	}
	env := make([]string, 0, len(vars))
	for _, v := range vars {
		env = append(env, actions.EnvPrefix+v.name+"="+v.value)
	}
	return env
}
