package vnstatsrc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is what vnstat-exporter needs of vnstat's own configuration.
type Config struct {
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
}

// DefaultConfig is vnstat's built-in configuration (vnstat 2.x).
func DefaultConfig() Config {
	return Config{
		DatabaseDir:        "/var/lib/vnstat",
		SaveInterval:       5 * time.Minute,
		DailyDays:          62,
		TrafficlessEntries: true,
		BootVariation:      15 * time.Second,
	}
}

// ParseConfig reads the settings of Config from the text of a vnstat.conf;
// what it lacks, or holds out of vnstat's range, keeps vnstat's default.
func ParseConfig(b []byte) Config {
	c := DefaultConfig()
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		key, value := line, ""
		if i := strings.IndexAny(line, " \t"); i > 0 {
			key, value = line[:i], strings.Trim(strings.TrimSpace(line[i:]), `"`)
		}
		n, err := strconv.Atoi(value)
		ok := err == nil
		switch key {
		case "DatabaseDir":
			if value != "" {
				c.DatabaseDir = value
			}
		case "SaveInterval":
			// vnstat accepts 1 to 60 minutes.
			if ok && n >= 1 && n <= 60 {
				c.SaveInterval = time.Duration(n) * time.Minute
			}
		case "DailyDays":
			if ok && n >= -1 {
				c.DailyDays = n
			}
		case "TrafficlessEntries":
			if ok && (n == 0 || n == 1) {
				c.TrafficlessEntries = n == 1
			}
		case "UseUTC":
			if ok && (n == 0 || n == 1) {
				c.UseUTC = n == 1
			}
		case "BootVariation":
			if ok && n >= 0 && n <= 300 {
				c.BootVariation = time.Duration(n) * time.Second
			}
		}
	}
	return c
}

// DefaultConfigPath is where vnstat reads its config file from.
const DefaultConfigPath = "/etc/vnstat.conf"

// Options say where vnstat's files are.
type Options struct {
	// ConfigPath is vnstat's config file; empty means DefaultConfigPath
	// when it exists, else vnstat's built-in defaults.
	ConfigPath string
	// DBDir, when set, is the directory of vnstat.db instead of the
	// config's DatabaseDir.
	DBDir string
}

// Open reads vnstat's config file as o says and returns it with the
// database it names. A config file that cannot be read leaves vnstat's
// defaults (the daemon's own settings have checked that a given file
// exists).
func Open(o Options) (*Database, Config) {
	c := DefaultConfig()
	path := o.ConfigPath
	if path == "" {
		path = DefaultConfigPath
	}
	if b, err := os.ReadFile(path); err == nil {
		c = ParseConfig(b)
	}
	dir := o.DBDir
	if dir == "" {
		dir = c.DatabaseDir
	}
	return NewDatabase(filepath.Join(dir, "vnstat.db")), c
}

// StaleAfter is how old vnstat's newest save may be while the kernel
// counts traffic before vnstatd counts as stalled: three of its save
// intervals, at least 15 minutes.
func (c Config) StaleAfter() time.Duration {
	return max(15*time.Minute, 3*c.SaveInterval)
}

// Location is the time zone vnstatd writes its dates and times in: UTC
// with UseUTC, else local, the zone given (the caller's time.Local).
func (c Config) Location(local *time.Location) *time.Location {
	if c.UseUTC {
		return time.UTC
	}
	return local
}

// BootTime is the host's boot time as vnstatd reads it and stores it in
// the database (info.btime): btime in /proc/stat.
func BootTime() (time.Time, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return time.Time{}, fmt.Errorf("reading the boot time: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "btime "); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return time.Time{}, fmt.Errorf("reading the boot time from /proc/stat: %w", err)
			}
			return time.Unix(n, 0), nil
		}
	}
	return time.Time{}, errors.New("reading the boot time: no btime in /proc/stat")
}
