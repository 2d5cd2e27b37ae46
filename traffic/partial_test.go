package traffic

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// TestCountingSince: a cycle is partial when vnstat began to track a
// reported interface after the cycle's local midnight, and the note says
// since when and what to do, or that the usage already includes it.
func TestCountingSince(t *testing.T) {
	loc := time.FixedZone("UTC+8", 8*3600)
	start := vnstattest.Date(2026, time.November, 17)
	at := func(d, h int) time.Time { return time.Date(2026, time.November, d, h, 0, 0, 0, loc) }
	tests := []struct {
		name    string
		created []time.Time
		usage   billing.Usage
		since   time.Time
		names   []string
		note    string
	}{
		{name: "tracked before the cycle", created: []time.Time{at(2, 10)}},
		{name: "tracked at the cycle's midnight", created: []time.Time{at(17, 0)}},
		{name: "tracked on the start day, after midnight", created: []time.Time{at(17, 9), at(1, 0)}, since: at(17, 9), names: []string{"if0"},
			note: "vnstat began counting if0 at 2026-11-17T09:00:00+08:00, after this cycle began on 2026-11-17: traffic before then is not in these totals; " +
				"to count it against the quota, set USED_OFFSET (with USED_OFFSET_CYCLE=2026-11-17) to what the provider counted before, or run vnstat-exporter calibrate with the provider's usage"},
		{name: "two tracked late: the later one", created: []time.Time{at(20, 1), at(25, 3)}, since: at(25, 3), names: []string{"if0", "if1"}},
		{name: "offset set", created: []time.Time{at(20, 1)}, usage: billing.Usage{OffsetBytes: 5}, since: at(20, 1), names: []string{"if0"},
			note: "vnstat began counting if0 at 2026-11-20T01:00:00+08:00, after this cycle began on 2026-11-17: traffic before then is not in these totals; the usage includes USED_OFFSET"},
		{name: "calibrated", created: []time.Time{at(20, 1)}, usage: billing.Usage{Calibration: &billing.Calibration{}}, since: at(20, 1), names: []string{"if0"},
			note: "vnstat began counting if0 at 2026-11-20T01:00:00+08:00, after this cycle began on 2026-11-17: traffic before then is not in these totals; the usage includes it through the calibration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &Result{Totals: Totals{Cycle: billing.Cycle{Start: start, Today: vnstattest.Date(2026, time.November, 30)}, Usage: tt.usage}, PolledAt: at(30, 12)}
			for n, c := range tt.created {
				r.Interfaces = append(r.Interfaces, IfaceTotal{Name: "if" + string(rune('0'+n)), Created: c})
			}
			since, names := r.CountingSince()
			if !since.Equal(tt.since) {
				t.Errorf("since %v, want %v", since, tt.since)
			}
			if diff := cmp.Diff(tt.names, names); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
			note := r.PartialNote(since, names)
			if (note == "") != (tt.names == nil) || tt.note != "" && note != tt.note {
				t.Errorf("note %q, want %q", note, tt.note)
			}
		})
	}
}
