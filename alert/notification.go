package alert

import (
	"strconv"
	"strings"

	"github.com/vnstat-exporter/vnstat-exporter/actions"
)

// Notification is what is told of an event, the same everywhere: every
// channel, ALERT_COMMAND's variables and the root actions' spool are made
// from it, and nothing else renders an event.
type Notification struct {
	// Title is the first line: what happened, on which host.
	Title string `json:"title"`
	// Body is the lines after it: the numbers; may be empty.
	Body string `json:"body,omitempty"`
	// Priority says how urgent it is, for the services that have one.
	Priority Priority `json:"priority,omitempty"`
	// Fields are the event's values by name, in a fixed order: EVENT,
	// KEY, HOST, THRESHOLD, USED_BYTES, LIMIT_BYTES, PERCENT,
	// PROJECTED_BYTES, CYCLE_START, RESETS_ON, DAYS_LEFT, MODE,
	// INTERFACES (comma-separated), PROBLEM, PROBLEM_INTERFACE, MESSAGE
	// (Text). A field without a value for the event is empty.
	Fields []Field `json:"fields"`
}

// Field is one value of an event, by name.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Priority is how urgent a notification is.
type Priority int

// The priorities. A service is given one only for Low and High: Normal
// leaves the URL's own (or the service's default).
const (
	Low    Priority = -1 // the daily report
	Normal Priority = 0
	High   Priority = 1 // the quota reached or projected to be, counting broken
)

// Notify is the notification of ev for host in lang ("en" or "zh-CN").
func Notify(ev Event, host, lang string) Notification {
	text := message(ev, host, lang)
	title, body, _ := strings.Cut(text, "\n")
	return Notification{Title: title, Body: body, Priority: priorityOf(ev), Fields: fieldsOf(ev, host, text)}
}

// Text is the title and the body, one line after the other: the whole
// message, for a service without a title.
func (n Notification) Text() string {
	if n.Body == "" {
		return n.Title
	}
	return n.Title + "\n" + n.Body
}

// Env is the fields as environment variables for ALERT_COMMAND and the
// root action script: VNSTAT_EXPORTER_ and the field's name.
func (n Notification) Env() []string {
	env := make([]string, 0, len(n.Fields))
	for _, f := range n.Fields {
		env = append(env, actions.EnvPrefix+f.Name+"="+f.Value)
	}
	return env
}

// priorityOf is High for the quota reached (a threshold of 100 % or
// more) or projected to be, and for a problem when first told; Low for
// the daily report; Normal for the rest.
func priorityOf(ev Event) Priority {
	switch {
	case ev.Kind == Threshold && ev.Threshold >= 100, ev.Kind == Projection, ev.Kind == ProblemKind && ev.Reminder == 0:
		return High
	case ev.Kind == Report, ev.Kind == WeeklyReport, ev.Kind == CycleReport:
		return Low
	}
	return Normal
}

// fieldsOf is ev's values by name, with host and the message text.
func fieldsOf(ev Event, host, text string) []Field {
	pct := ""
	if ev.LimitBytes > 0 {
		pct = strconv.FormatFloat(shownPercent(ev.UsedBytes, ev.LimitBytes, 2), 'f', 2, 64)
	}
	threshold := ""
	if ev.Threshold > 0 {
		threshold = strconv.Itoa(ev.Threshold)
	}
	return []Field{
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
		{"MESSAGE", text},
	}
}
