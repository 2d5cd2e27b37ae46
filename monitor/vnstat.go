package monitor

import (
	"strings"
	"time"
)

// What the poller reads: vnstat's database and configuration, in the
// types the sources give them in.

// Snapshot is what one read transaction saw of vnstat's database.
type Snapshot struct {
	// VnstatVersion is the version of the vnstat that last opened the
	// database for writing, such as "2.10".
	VnstatVersion string
	// BootTime is the host's boot time vnstatd last saw; zero when no
	// vnstatd has run on the database yet.
	BootTime time.Time
	// ModTime is when the database (or its write-ahead log) was last
	// written, by the kernel's clock, as stat saw it just before the read.
	ModTime time.Time
	// From is the civil date the picked interfaces' daily rows were read
	// from.
	From time.Time
	// Interfaces are all of the database's interfaces, by name; only
	// those the caller picked have Days.
	Interfaces []Interface
}

// Interface is one interface of vnstat's database.
type Interface struct {
	// Name is the kernel name vnstat tracks the interface by.
	Name string
	// Created and Updated are when vnstat started tracking the interface
	// and last saved it, as the wall-clock readings vnstat wrote (in its
	// zone: local time, or UTC with UseUTC) held as UTC: Wall.In gives
	// the instant.
	Created, Updated Wall
	// RXCounter and TXCounter are the kernel's byte counters at the save.
	RXCounter, TXCounter uint64
	// RXTotal and TXTotal are vnstat's lifetime totals at the save.
	RXTotal, TXTotal uint64
	// Days are the daily rows from the date asked for on, oldest first,
	// for picked interfaces; nil for the others.
	Days []Day
}

// Day is one daily row.
type Day struct {
	// Date is the day as vnstatd wrote it, a civil date held as midnight
	// UTC.
	Date time.Time
	// RX and TX are the bytes received and sent that day.
	RX, TX uint64
}

// Wall is a wall-clock reading without a zone, held as that reading in
// UTC.
type Wall struct{ time.Time }

// In returns the instant the reading stands for in zone loc.
func (w Wall) In(loc *time.Location) time.Time {
	t := w.Time
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc)
}

// Written returns the instant the reading stands for in zone loc, for a
// time vnstatd wrote no later than the database's write at written: where
// the clocks went back over it and the reading stands for two instants
// (a save at 00:30 in the hour that comes twice), the later one that is
// not after the write, else the earlier. time.Date, which In uses, does
// not promise which: taking the later one made a save from before the
// clocks went back look hours ahead of the clock.
func (w Wall) Written(loc *time.Location, written time.Time) time.Time {
	t := w.In(loc)
	if written.IsZero() {
		return t
	}
	wall := w.Time
	var first, last time.Time
	for _, h := range []time.Duration{-24, -12, -6, -3, -1, 0, 1, 3, 6, 12, 24} {
		_, off := t.Add(h * time.Hour).Zone()
		c := wall.Add(-time.Duration(off) * time.Second).In(loc)
		if cw := c.Format(time.DateTime); cw != wall.Format(time.DateTime) {
			continue
		}
		if first.IsZero() || c.Before(first) {
			first = c
		}
		if !c.After(written.Add(zoneTolerance)) && (last.IsZero() || c.After(last)) {
			last = c
		}
	}
	switch {
	case !last.IsZero():
		return last
	case !first.IsZero():
		return first
	}
	return t
}

// Date returns the reading's civil date, midnight UTC.
func (w Wall) Date() time.Time {
	return w.Truncate(24 * time.Hour)
}

// String formats the reading as vnstat writes it.
func (w Wall) String() string { return w.Format(time.DateTime) }

// VnstatConfig is what the poller needs of vnstat's own configuration
// (package vnstatsrc reads it from vnstat.conf).
type VnstatConfig struct {
	// DatabaseDir is where vnstat keeps vnstat.db.
	DatabaseDir string
	// SaveInterval is how often vnstatd writes to the database.
	SaveInterval time.Duration
	// DailyDays is how many days of daily rows vnstatd keeps: rows older
	// than today minus DailyDays are deleted. -1 keeps them all; 0 means
	// vnstatd writes no daily rows.
	DailyDays int
	// TrafficlessEntries: vnstatd writes a row for every day it runs, even
	// one without traffic. Without it, an idle day has no row.
	TrafficlessEntries bool
	// UseUTC: vnstatd writes dates and times in UTC instead of local time.
	UseUTC bool
	// BootVariation is how far the kernel's boot time may drift between
	// two reads before vnstatd takes it for a reboot.
	BootVariation time.Duration
	// UpdateInterval is how often vnstatd reads the kernel's counters;
	// it looks whether a read is due every PollInterval.
	UpdateInterval, PollInterval time.Duration
	// MaxBandwidth is the rate, in Mbit/s, above which vnstatd drops
	// what it read since its previous read ("Traffic rate ... higher than
	// set maximum ... syncing"); 0 turns the check off. MaxBW holds the
	// MaxBW<interface> settings, by lower-case interface name, which come
	// first; with BandwidthDetection, a link's speed comes before
	// MaxBandwidth.
	MaxBandwidth       uint32
	MaxBW              map[string]uint32
	BandwidthDetection bool
}

// DefaultVnstatConfig is vnstat's built-in configuration (vnstat 2.x).
func DefaultVnstatConfig() VnstatConfig {
	return VnstatConfig{
		DatabaseDir:        "/var/lib/vnstat",
		SaveInterval:       5 * time.Minute,
		DailyDays:          62,
		TrafficlessEntries: true,
		BootVariation:      15 * time.Second,
		UpdateInterval:     20 * time.Second,
		PollInterval:       5 * time.Second,
		MaxBandwidth:       1000,
		BandwidthDetection: true,
	}
}

// BandwidthLimit is the rate, in Mbit/s, above which vnstatd drops the
// traffic it read on iface, 0 for none, as vnstat 2.x chooses it: a
// MaxBW<iface> above 0; else, with BandwidthDetection, the link's speed
// (speedMbit, 0 when not known) if known (not for tun interfaces); else
// MaxBandwidth, unless a MaxBW<iface> of 0 turned the check off.
func (c VnstatConfig) BandwidthLimit(iface string, speedMbit uint32) uint32 {
	own, set := c.MaxBW[strings.ToLower(iface)]
	if set && own > 0 {
		return own
	}
	if c.BandwidthDetection && speedMbit > 0 && !strings.HasPrefix(iface, "tun") {
		return speedMbit
	}
	if set {
		return 0
	}
	return c.MaxBandwidth
}

// StaleAfter is how old vnstat's newest save may be while the kernel
// counts traffic before vnstatd counts as stalled: three of its save
// intervals, at least 15 minutes.
func (c VnstatConfig) StaleAfter() time.Duration {
	return max(15*time.Minute, 3*c.SaveInterval)
}

// Location is the time zone vnstatd writes its dates and times in: UTC
// with UseUTC, else local, the zone given (the caller's time.Local).
func (c VnstatConfig) Location(local *time.Location) *time.Location {
	if c.UseUTC {
		return time.UTC
	}
	return local
}
