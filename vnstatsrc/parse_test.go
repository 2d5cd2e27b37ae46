package vnstatsrc_test

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc/vnstattest"
)

// TestParseCaptures parses what the real vnstat printed for each fixture
// database and compares it with the rows the fixture inserted.
func TestParseCaptures(t *testing.T) {
	for _, f := range vnstattest.Fixtures() {
		t.Run(f.Name, func(t *testing.T) {
			b, err := vnstattest.Captured(f.Name)
			if err != nil {
				t.Fatal(err)
			}
			r, err := vnstatsrc.Parse(b)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if r.VnstatVersion != "2.10" {
				t.Errorf("VnstatVersion = %q", r.VnstatVersion)
			}
			var want []vnstatsrc.Interface
			for _, i := range f.Ifaces {
				w := vnstatsrc.Interface{Name: i.Name, Created: i.Created, Updated: i.Updated, Days: []vnstatsrc.Day{}}
				for _, d := range i.Days {
					// vnstat prints the rows from --begin on.
					if !d.Date.Before(f.Begin) {
						w.Days = append(w.Days, vnstatsrc.Day{Date: d.Date, RX: d.RX, TX: d.TX})
					}
				}
				want = append(want, w)
			}
			// vnstat lists interfaces by name.
			slices.SortFunc(want, func(a, b vnstatsrc.Interface) int { return strings.Compare(a.Name, b.Name) })
			if diff := cmp.Diff(want, r.Interfaces, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
				t.Errorf("parsed (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	good, err := vnstattest.Captured("multi-begin-2026-10-28")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vnstatsrc.Parse(good); err != nil {
		t.Fatalf("the capture itself does not parse: %v", err)
	}
	// Each case mutates the real capture into something vnstat cannot
	// have written.
	tests := []struct {
		name     string
		old, new string
		want     string
	}{
		{"jsonversion 1", `"jsonversion":"2"`, `"jsonversion":"1"`, `found jsonversion "1"`},
		{"no jsonversion", `"jsonversion":"2",`, ``, "found jsonversion none"},
		{"no interfaces", `"interfaces":`, `"ifaces":`, `no "interfaces" list`},
		{"no day list", `"day":[`, `"days":[`, "no traffic.day list"},
		{"negative", `"rx":`, `"rx":-`, "cannot unmarshal number -"},
		{"fraction", `,"tx":`, `,"tx":0.5,"x":`, "cannot unmarshal number 0.5"},
		{"beyond int64", `,"tx":`, `,"tx":9223372036854775808,"x":`, "beyond 2^63-1"},
		{"beyond uint64", `,"tx":`, `,"tx":18446744073709551616,"x":`, "cannot unmarshal number 18446744073709551616"},
		{"date that does not exist", `"month":11,"day":28}`, `"month":2,"day":30}`, "2026-02-30 does not exist"},
		{"month 13", `"month":11,"day":28}`, `"month":13,"day":28}`, "does not exist"},
		{"string number", `"rx":`, `"rx":"1","y":`, "cannot unmarshal string"},
		{"truncated", ``, ``, "unexpected EOF"},
		{"trailing data", ``, ``, "trailing data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Every occurrence, so that the daily rows are hit and not
			// only traffic.total, which Parse rightly ignores.
			b := bytes.ReplaceAll(good, []byte(tt.old), []byte(tt.new))
			switch tt.name {
			case "truncated":
				b = good[:len(good)/2]
			case "trailing data":
				b = append(append([]byte{}, good...), good...)
			}
			if tt.old != "" && bytes.Equal(b, good) {
				t.Fatalf("mutation %q not found in the capture", tt.old)
			}
			_, err := vnstatsrc.Parse(b)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Parse error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestParseVersionError(t *testing.T) {
	b, err := vnstattest.Captured("empty")
	if err != nil {
		t.Fatal(err)
	}
	b = bytes.Replace(b, []byte(`"vnstatversion":"2.10","jsonversion":"2"`), []byte(`"vnstatversion":"1.18","jsonversion":"1"`), 1)
	_, err = vnstatsrc.Parse(b)
	if !errors.Is(err, vnstatsrc.ErrJSONVersion) || !strings.Contains(err.Error(), "1.18") || !strings.Contains(err.Error(), "2.0 or newer") {
		t.Errorf("error = %v, want ErrJSONVersion naming 1.18 and 2.0 or newer", err)
	}
}

func TestParseInterfaceListedTwice(t *testing.T) {
	b, err := vnstattest.Captured("empty")
	if err != nil {
		t.Fatal(err)
	}
	start := bytes.Index(b, []byte(`{"name"`))
	end := bytes.LastIndex(b, []byte(`]}`))
	iface := b[start:end]
	twice := append(append(append(append([]byte{}, b[:end]...), ','), iface...), b[end:]...)
	if _, err := vnstatsrc.Parse(twice); err == nil || !strings.Contains(err.Error(), "listed twice") {
		t.Errorf("Parse error = %v, want listed twice", err)
	}
}
