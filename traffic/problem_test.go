package traffic

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestJudge(t *testing.T) {
	now := time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC)
	fresh := &Result{PolledAt: now.Add(-time.Minute)}
	with := func(ps ...Problem) *Result { r := *fresh; r.Problems = ps; return &r }
	absent := Problem{InterfaceAbsent, "ppp0", "ppp0: not on this host now"}
	stalled := Problem{VnstatdStalled, "eth0", "vnstatd is not saving"}
	tests := []struct {
		name string
		st   *State
		want Health
	}{
		{"nothing yet", &State{}, Health{"error", []Problem{{Kind: NoData, Detail: "vnstat has not been read yet"}}}},
		{"first poll failed", &State{Err: errors.New("locked")},
			Health{"error", []Problem{{Kind: NoData, Detail: "no successful poll yet: locked"}}}},
		{"ok", &State{Result: fresh}, Health{"ok", nil}},
		{"a later poll failed", &State{Result: fresh, Err: errors.New("locked")},
			Health{"error", []Problem{{Kind: PollFailed, Detail: "last poll failed: locked"}}}},
		{"stuck", &State{Result: &Result{PolledAt: now.Add(-11 * time.Minute)}},
			Health{"error", []Problem{{Kind: PollerStuck, Detail: "last successful poll at 2026-11-30T11:49:00Z is older than two poll intervals (10m0s): the poller is stuck"}}}},
		{"degraded", &State{Result: with(absent)}, Health{"degraded", []Problem{absent}}},
		{"fatal first", &State{Result: with(absent, stalled)}, Health{"error", []Problem{stalled, absent}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Judge(tt.st, now, 5*time.Minute)); diff != "" {
				t.Errorf("Judge (-want +got):\n%s", diff)
			}
		})
	}
}
