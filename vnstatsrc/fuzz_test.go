package vnstatsrc_test

import (
	"math"
	"testing"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// FuzzParse feeds Parse arbitrary bytes, seeded with every capture of the
// real vnstat: it must never panic, and what it accepts must be what vnstat
// can write.
func FuzzParse(f *testing.F) {
	for _, fx := range vnstattest.Fixtures() {
		b, err := vnstattest.Captured(fx.Name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"vnstatversion":"1.18","jsonversion":"1","interfaces":[]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := vnstatsrc.Parse(b)
		if err != nil {
			if r != nil {
				t.Fatal("a report with an error")
			}
			return
		}
		seen := map[string]bool{}
		for _, i := range r.Interfaces {
			if i.Name == "" || seen[i.Name] {
				t.Fatalf("interface %q empty or twice", i.Name)
			}
			seen[i.Name] = true
			var last time.Time
			for _, d := range i.Days {
				if d.RX > math.MaxInt64 || d.TX > math.MaxInt64 {
					t.Fatalf("byte count beyond int64: %+v", d)
				}
				if d.Date.Year() < 1970 || d.Date.Year() > 9999 || d.Date.Hour() != 0 || !d.Date.After(last) {
					t.Fatalf("bad or unordered date %v after %v", d.Date, last)
				}
				last = d.Date
			}
		}
	})
}
