package vnstatsrc

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	// A cgo-free SQLite: the binary stays static (CGO_ENABLED=0). Built with
	// -trimpath -ldflags "-s -w", a program that opens a database through
	// modernc.org/sqlite v1.62.0 was 6,533,282 bytes, through
	// ncruces/go-sqlite3 v0.37.0 7,618,722, and without SQLite 1,765,538.
	_ "modernc.org/sqlite"
)

// Counters is what vnstat's database holds of an interface's kernel
// counters: the values vnstatd last saw, saved with the daily rows that
// count everything up to them.
type Counters struct {
	// Name is the interface name.
	Name string
	// RX and TX are the kernel's byte counters at vnstatd's last save.
	RX, TX uint64
	// Updated is when vnstatd saved them.
	Updated time.Time
}

// ReadCounters reads every interface's saved kernel counters from the
// vnstat database at path, opened read-only (the file may sit on a
// read-only mount while vnstatd writes it). vnstat writes times in local
// time, so loc must be vnstat's time zone.
func ReadCounters(ctx context.Context, path string, loc *time.Location) ([]Counters, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("reading vnstat's database: %w", err)
	}
	dsn := (&url.URL{Scheme: "file", Path: path, RawQuery: "mode=ro&_pragma=busy_timeout(2000)&_pragma=query_only(1)"}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening vnstat's database %s: %w", path, err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, "SELECT name, rxcounter, txcounter, CAST(updated AS TEXT) FROM interface ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("reading vnstat's database %s: %w", path, err)
	}
	defer rows.Close()
	var cs []Counters
	for rows.Next() {
		var c Counters
		var rx, tx int64
		var updated string
		if err := rows.Scan(&c.Name, &rx, &tx, &updated); err != nil {
			return nil, fmt.Errorf("reading vnstat's database %s: %w", path, err)
		}
		if rx < 0 || tx < 0 {
			return nil, fmt.Errorf("reading vnstat's database %s: %s has negative counters", path, c.Name)
		}
		c.RX, c.TX = uint64(rx), uint64(tx)
		if c.Updated, err = time.ParseInLocation(time.DateTime, updated, loc); err != nil {
			return nil, fmt.Errorf("reading vnstat's database %s: %s updated %q: %w", path, c.Name, updated, err)
		}
		cs = append(cs, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading vnstat's database %s: %w", path, err)
	}
	return cs, nil
}

// Config is what vnstat-exporter needs of vnstat's own configuration.
type Config struct {
	// DatabaseDir is where vnstat keeps vnstat.db.
	DatabaseDir string
	// SaveInterval is how often vnstatd writes to the database.
	SaveInterval time.Duration
}

// DefaultConfig is vnstat's built-in configuration.
func DefaultConfig() Config {
	return Config{DatabaseDir: "/var/lib/vnstat", SaveInterval: 5 * time.Minute}
}

// ParseConfig reads DatabaseDir and SaveInterval from the text of a
// vnstat.conf; what it lacks keeps vnstat's default.
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
		switch key {
		case "DatabaseDir":
			if value != "" {
				c.DatabaseDir = value
			}
		case "SaveInterval":
			// vnstat accepts 1 to 60 minutes.
			if n, err := strconv.Atoi(value); err == nil && n >= 1 && n <= 60 {
				c.SaveInterval = time.Duration(n) * time.Minute
			}
		}
	}
	return c
}

// Database is a vnstat database read directly, for the counters that
// vnstat's CLI does not print.
type Database struct {
	// Path is the vnstat.db file.
	Path string
	// Loc is the time zone vnstat writes times in.
	Loc *time.Location
}

// Counters reads every interface's saved counters; see ReadCounters.
func (d *Database) Counters(ctx context.Context) ([]Counters, error) {
	return ReadCounters(ctx, d.Path, d.Loc)
}
