package vnstatsrc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// Report is what vnstat printed for one `--json d` run.
type Report struct {
	// VnstatVersion is the version vnstat reported, such as "2.10".
	VnstatVersion string
	// Interfaces are the interfaces of vnstat's database, in vnstat's order.
	Interfaces []Interface
}

// Interface is one interface of vnstat's database.
type Interface struct {
	// Name is the kernel name vnstat tracks the interface by.
	Name string
	// Alias is the alias set with `vnstat --setalias`, often empty.
	Alias string
	// Created is the day vnstat started tracking the interface (a civil
	// date: midnight UTC).
	Created time.Time
	// Updated is when vnstat last wrote the interface's counters.
	Updated time.Time
	// Days are the daily rows vnstat printed, oldest first.
	Days []Day
}

// Day is one daily row of vnstat's database.
type Day struct {
	// Date is the day, a civil date (midnight UTC) in vnstat's time zone.
	Date time.Time
	// RX is the number of bytes received that day.
	RX uint64
	// TX is the number of bytes sent that day.
	TX uint64
}

// ErrJSONVersion is returned for output that is not jsonversion 2.
var ErrJSONVersion = errors.New("unsupported vnstat JSON version")

type rawDate struct {
	Year  int        `json:"year"`
	Month time.Month `json:"month"`
	Day   int        `json:"day"`
}

type rawTime struct {
	Date      *rawDate `json:"date"`
	Timestamp *int64   `json:"timestamp"`
}

type rawDay struct {
	Date *rawDate `json:"date"`
	RX   *uint64  `json:"rx"`
	TX   *uint64  `json:"tx"`
}

type rawInterface struct {
	Name    string  `json:"name"`
	Alias   string  `json:"alias"`
	Created rawTime `json:"created"`
	Updated rawTime `json:"updated"`
	Traffic struct {
		Day *[]rawDay `json:"day"`
	} `json:"traffic"`
}

type rawReport struct {
	VnstatVersion string          `json:"vnstatversion"`
	JSONVersion   json.RawMessage `json:"jsonversion"`
	Interfaces    *[]rawInterface `json:"interfaces"`
}

// Parse parses the output of `vnstat --json d`. It accepts jsonversion 2
// only (vnstat 2.0 and newer, byte units) and refuses output whose shape or
// values vnstat cannot have written: missing fields, dates that do not
// exist, byte counts that are negative, fractional or beyond a signed 64-bit
// integer (vnstat's SQLite columns), and an interface listed twice.
func Parse(b []byte) (*Report, error) {
	var raw rawReport
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("parsing vnstat JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("parsing vnstat JSON: trailing data after the JSON document")
	}
	var version string
	if err := json.Unmarshal(raw.JSONVersion, &version); err != nil || version != "2" {
		found := string(raw.JSONVersion)
		if found == "" {
			found = "none"
		}
		return nil, fmt.Errorf("%w: found jsonversion %s (vnstat %q); vnstat 2.0 or newer is needed (jsonversion 2)",
			ErrJSONVersion, found, raw.VnstatVersion)
	}
	if raw.Interfaces == nil {
		return nil, errors.New("parsing vnstat JSON: no \"interfaces\" list")
	}

	r := &Report{VnstatVersion: raw.VnstatVersion, Interfaces: make([]Interface, 0, len(*raw.Interfaces))}
	seen := make(map[string]bool, len(*raw.Interfaces))
	for i, ri := range *raw.Interfaces {
		iface, err := parseInterface(ri)
		if err != nil {
			return nil, fmt.Errorf("parsing vnstat JSON: interface %d (%q): %w", i, ri.Name, err)
		}
		if seen[iface.Name] {
			return nil, fmt.Errorf("parsing vnstat JSON: interface %q is listed twice", iface.Name)
		}
		seen[iface.Name] = true
		r.Interfaces = append(r.Interfaces, iface)
	}
	return r, nil
}

func parseInterface(ri rawInterface) (Interface, error) {
	if ri.Name == "" {
		return Interface{}, errors.New("no name")
	}
	if ri.Created.Date == nil {
		return Interface{}, errors.New("no created date")
	}
	created, err := ri.Created.Date.civil()
	if err != nil {
		return Interface{}, fmt.Errorf("created: %w", err)
	}
	if ri.Updated.Timestamp == nil {
		return Interface{}, errors.New("no updated timestamp")
	}
	if ri.Traffic.Day == nil {
		return Interface{}, errors.New("no traffic.day list (not the output of --json d)")
	}
	iface := Interface{
		Name:    ri.Name,
		Alias:   ri.Alias,
		Created: created,
		Updated: time.Unix(*ri.Updated.Timestamp, 0),
		Days:    make([]Day, 0, len(*ri.Traffic.Day)),
	}
	for j, rd := range *ri.Traffic.Day {
		d, err := rd.parse()
		if err != nil {
			return Interface{}, fmt.Errorf("day %d: %w", j, err)
		}
		if n := len(iface.Days); n > 0 && !iface.Days[n-1].Date.Before(d.Date) {
			return Interface{}, fmt.Errorf("day %d: %s does not follow %s",
				j, d.Date.Format(time.DateOnly), iface.Days[n-1].Date.Format(time.DateOnly))
		}
		iface.Days = append(iface.Days, d)
	}
	return iface, nil
}

func (rd rawDay) parse() (Day, error) {
	if rd.Date == nil || rd.RX == nil || rd.TX == nil {
		return Day{}, errors.New("needs date, rx and tx")
	}
	date, err := rd.Date.civil()
	if err != nil {
		return Day{}, err
	}
	if *rd.RX > math.MaxInt64 || *rd.TX > math.MaxInt64 {
		return Day{}, fmt.Errorf("%s: byte count beyond 2^63-1 (rx %d, tx %d)", date.Format(time.DateOnly), *rd.RX, *rd.TX)
	}
	return Day{Date: date, RX: *rd.RX, TX: *rd.TX}, nil
}

// civil returns d as midnight UTC, or an error if the date does not exist.
func (d rawDate) civil() (time.Time, error) {
	t := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
	if d.Year < 1970 || d.Year > 9999 || t.Year() != d.Year || t.Month() != d.Month || t.Day() != d.Day {
		return time.Time{}, fmt.Errorf("date %04d-%02d-%02d does not exist", d.Year, d.Month, d.Day)
	}
	return t, nil
}
