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

// DefaultConfig is vnstat's built-in configuration (vnstat 2.x).
func DefaultConfig() Config {
	return Config{
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

// maxBWLimit is the largest rate vnstat accepts for MaxBandwidth and
// MaxBW<interface>, in Mbit/s (vnstat's BWMAX).
const maxBWLimit = 50000

// BandwidthLimit is the rate, in Mbit/s, above which vnstatd drops the
// traffic it read on iface, 0 for none, as vnstat 2.x chooses it: a
// MaxBW<iface> above 0; else, with BandwidthDetection, the link's speed
// (speedMbit, 0 when not known) if known (not for tun interfaces); else
// MaxBandwidth, unless a MaxBW<iface> of 0 turned the check off.
func (c Config) BandwidthLimit(iface string, speedMbit uint32) uint32 {
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
		case "UpdateInterval":
			if ok && n >= 2 && n <= 300 {
				c.UpdateInterval = time.Duration(n) * time.Second
			}
		case "PollInterval":
			if ok && n >= 2 && n <= 60 {
				c.PollInterval = time.Duration(n) * time.Second
			}
		case "MaxBandwidth":
			if ok && n >= 0 && n <= maxBWLimit {
				c.MaxBandwidth = uint32(n)
			}
		case "BandwidthDetection":
			if ok && (n == 0 || n == 1) {
				c.BandwidthDetection = n == 1
			}
		default:
			if name, found := strings.CutPrefix(key, "MaxBW"); found && name != "" && ok && n >= 0 && n <= maxBWLimit {
				if c.MaxBW == nil {
					c.MaxBW = map[string]uint32{}
				}
				c.MaxBW[strings.ToLower(name)] = uint32(n)
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
