package vnstattest

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Jump is a day whose midnight a zone skips (the clocks go from 23:59:59
// to 01:00, say) or repeats (from 00:59:59 back to 00:00).
type Jump struct {
	// Zone is the zone's name in the system's tzdata.
	Zone string
	Loc  *time.Location
	// Day is the civil date whose midnight moves, midnight UTC.
	Day time.Time
	// Skipped is true when no instant is that day's 00:00 local time.
	Skipped bool
	// First is the day's first instant: the first second whose local
	// date is not before Day, found by a scan of its own.
	First time.Time
}

// MidnightJumps returns every day from the year from through the year to
// whose midnight a zone of the system's tzdata (/usr/share/zoneinfo)
// skips or repeats, skipping the test without tzdata. The zones are read
// from the files, not from Go's copy.
func MidnightJumps(t testing.TB, from, to int) []Jump {
	t.Helper()
	const root = "/usr/share/zoneinfo"
	var names []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if rel == "posix" || rel == "right" || rel == "Etc" {
				return filepath.SkipDir
			}
			return nil
		}
		if c := rel[0]; c >= 'A' && c <= 'Z' && !strings.Contains(rel, ".") && d.Type().IsRegular() {
			names = append(names, rel)
		}
		return nil
	})
	if os.IsNotExist(err) || len(names) == 0 {
		t.Skip("no tzdata in /usr/share/zoneinfo (apt-get install tzdata)")
	}
	if err != nil {
		t.Fatal(err)
	}
	var jumps []Jump
	for _, name := range names {
		b, err := os.ReadFile(filepath.Join(root, name))
		if err != nil || !strings.HasPrefix(string(b), "TZif") {
			continue
		}
		loc, err := time.LoadLocationFromTZData(name, b)
		if err != nil {
			continue
		}
		for d := time.Date(from, time.January, 1, 0, 0, 0, 0, time.UTC); d.Year() <= to; d = d.AddDate(0, 0, 1) {
			// An offset change within a day of local midnight.
			noon := time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, loc)
			_, before := noon.Add(-36 * time.Hour).Zone()
			_, after := noon.Zone()
			if before == after {
				continue
			}
			m := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
			midnight := func(t time.Time) bool {
				return t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Day() == d.Day()
			}
			skipped := !midnight(m)
			// Repeated: another instant, the jump apart, is 00:00 too.
			jump := time.Duration(before-after) * time.Second
			repeated := after < before && (midnight(m.Add(jump)) || midnight(m.Add(-jump)))
			if skipped || repeated {
				// A scan, minute by minute, then second by second: the
				// local date may go back after midnight, so no bisection.
				notBefore := func(t time.Time) bool {
					y, mo, dd := t.In(loc).Date()
					return !time.Date(y, mo, dd, 0, 0, 0, 0, time.UTC).Before(d)
				}
				first := m.Add(-48 * time.Hour).Truncate(time.Minute)
				for !notBefore(first) {
					first = first.Add(time.Minute)
				}
				for s := first.Add(-time.Minute); s.Before(first); s = s.Add(time.Second) {
					if notBefore(s) {
						first = s
						break
					}
				}
				jumps = append(jumps, Jump{Zone: name, Loc: loc, Day: d, Skipped: skipped, First: first.In(loc)})
			}
		}
	}
	return jumps
}
