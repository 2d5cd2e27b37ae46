package vnstattest

import (
	"embed"
	"fmt"
	"time"
)

// Fixture is a database and the vnstat run whose output is kept in
// testdata/NAME.json.
type Fixture struct {
	// Name names the capture file.
	Name string
	// Ifaces is the database's content.
	Ifaces []Iface
	// Begin is the --begin date vnstat was run with.
	Begin time.Time
}

//go:embed testdata/*.json
var captured embed.FS

// Captured returns the output of the real vnstat for the fixture called
// name, recorded by `go test ./vnstatsrc/vnstattest -update`.
func Captured(name string) ([]byte, error) {
	b, err := captured.ReadFile("testdata/" + name + ".json")
	if err != nil {
		return nil, fmt.Errorf("reading capture %s: %w", name, err)
	}
	return b, nil
}

// Date returns a civil date: midnight UTC.
func Date(y int, m time.Month, d int) time.Time {
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Fixtures lists the databases whose vnstat output is captured in
// testdata. Their times are in UTC, and vnstat runs with TZ=UTC to read them.
func Fixtures() []Fixture {
	today := Date(2026, time.November, 30)
	updated := time.Date(2026, time.November, 30, 11, 55, 0, 0, time.UTC)
	multi := []Iface{
		// A NIC with 70 days of traffic large enough to need 64 bits.
		{Name: "eth0", Created: Date(2026, time.August, 1), Updated: updated, Days: Series(today, 70, 1, true)},
		// A laptop-style NIC that vnstat wrote a little earlier.
		{Name: "wlo1", Created: Date(2026, time.September, 25), Updated: updated.Add(-5 * time.Minute), Days: Series(today, 62, 2, false)},
		// A virtual interface someone added to vnstat.
		{Name: "veth1", Created: Date(2026, time.November, 20), Updated: updated, Days: Series(today, 11, 3, false)},
	}
	// The poller asks vnstat for the rows from the previous cycle's start:
	// on 2026-11-30 that is October 1, 15, 28, 30 and 31 for START_DAY 1,
	// 15, 28, 30 and 31, and September 28 on November 27 for START_DAY 28.
	var fs []Fixture
	for _, begin := range []time.Time{
		Date(2026, time.October, 1), Date(2026, time.October, 15), Date(2026, time.October, 28),
		Date(2026, time.October, 30), Date(2026, time.October, 31), Date(2026, time.September, 28),
	} {
		fs = append(fs, Fixture{Name: "multi-begin-" + begin.Format(time.DateOnly), Ifaces: multi, Begin: begin})
	}
	// DailyDays too small: created long before the cycle, rows from the
	// 10th only.
	fs = append(fs, Fixture{Name: "incomplete", Begin: Date(2026, time.October, 1), Ifaces: []Iface{
		{Name: "eth0", Created: Date(2026, time.June, 1), Updated: updated, Days: Series(today, 21, 4, true)},
	}})
	// A freshly added interface with no rows yet.
	fs = append(fs, Fixture{Name: "empty", Begin: Date(2026, time.October, 1), Ifaces: []Iface{
		{Name: "eth0", Created: today, Updated: updated},
	}})
	// A leap February (the cycle of START_DAY 30 starts on the 29th; the
	// previous one on January 30), with rows after the day a test takes as
	// today.
	fs = append(fs, Fixture{Name: "leap-begin-2028-01-30", Begin: Date(2028, time.January, 30), Ifaces: []Iface{
		{Name: "enp3s0", Created: Date(2027, time.December, 1),
			Updated: time.Date(2028, time.March, 31, 23, 55, 0, 0, time.UTC), Days: Series(Date(2028, time.March, 31), 91, 5, true)},
	}})
	// For benchmarks: 20 interfaces with 62 days each, all printed.
	var many []Iface
	for i := range 20 {
		many = append(many, Iface{Name: fmt.Sprintf("enp%ds0", i+1), Created: Date(2026, time.August, 1), Updated: updated,
			Days: Series(today, 62, uint64(100+i), true)})
	}
	fs = append(fs, Fixture{Name: "bench-20x62", Begin: Date(2026, time.September, 29), Ifaces: many})
	return fs
}
