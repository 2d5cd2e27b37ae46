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

	"golang.org/x/sys/unix"

	"github.com/vnstat-exporter/vnstat-exporter/monitor"
)

// Config is what vnstat-exporter needs of vnstat's own configuration.
type Config = monitor.VnstatConfig

// DefaultConfig is vnstat's built-in configuration (vnstat 2.x).
func DefaultConfig() Config { return monitor.DefaultVnstatConfig() }

// maxBWLimit is the largest rate vnstat accepts for MaxBandwidth and
// MaxBW<interface>, in Mbit/s (vnstat's BWMAX).
const maxBWLimit = 50000

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

// BootTime is the host's boot time as vnstatd reads it and stores it in
// the database (info.btime): btime in /proc/stat; where /proc cannot be
// read, from the kernel's uptime (within a second of it).
func BootTime() (time.Time, error) {
	t, err := procBootTime()
	if err == nil {
		return t, nil
	}
	var si unix.Sysinfo_t
	if unix.Sysinfo(&si) != nil {
		return time.Time{}, err
	}
	return time.Now().Add(-time.Duration(si.Uptime) * time.Second), nil
}

// procBootTime is btime in /proc/stat.
func procBootTime() (time.Time, error) {
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
