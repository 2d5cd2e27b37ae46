package monitor

import (
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/billing"
)

// TestCountingSinceUseUTC: with UseUTC, vnstat's cycle begins at 00:00
// UTC, whatever the daemon's zone: an interface tracked at 02:00 in
// Shanghai on the start day (18:00 UTC the day before) has counted the
// whole cycle, and one tracked at 03:00 UTC has not, also in New York,
// where that is the evening before.
func TestCountingSinceUseUTC(t *testing.T) {
	vc := DefaultVnstatConfig()
	vc.UseUTC = true
	for _, tt := range []struct {
		local   *time.Location
		created time.Time // as vnstat wrote it, in UTC
		partial bool
	}{
		{time.FixedZone("CST", 8*3600), time.Date(2026, time.November, 14, 18, 0, 0, 0, time.UTC), false},
		{time.FixedZone("EST", -5*3600), time.Date(2026, time.November, 15, 3, 0, 0, 0, time.UTC), true},
		{time.FixedZone("EST", -5*3600), time.Date(2026, time.November, 14, 23, 0, 0, 0, time.UTC), false},
	} {
		ifaces := multiIfaces()[:1]
		ifaces[0].Created = tt.created
		links := []Link{{Name: "eth0", Index: 2, Kind: "device", ParentBus: "virtio"}}
		res := pollOnce(t, ifaces, PollerConfig{StartDay: 15, Local: tt.local, Vnstat: vc}, links, time.Date(2026, time.November, 30, 12, 0, 0, 0, time.UTC).In(tt.local))
		if got := billing.Midnight(res.Cycle.Start, res.Location()); !got.Equal(time.Date(2026, time.November, 15, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("%s: the cycle began at %s, want 00:00 UTC", tt.local, got)
		}
		if _, names := res.CountingSince(); (names != nil) != tt.partial {
			t.Errorf("%s, created %s: partial %v, want %v", tt.local, tt.created, names, tt.partial)
		}
	}
}
