// Package vnstattest builds real vnstat databases for tests: `vnstatd
// --initdb` makes an empty database and the sqlite3 command inserts
// interfaces and their daily and monthly rows, so that tests can run the real
// vnstat against data whose sums they know.
package vnstattest

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Iface is an interface to put in a database.
type Iface struct {
	// Name is the interface name.
	Name string
	// Created is when vnstat started tracking it.
	Created time.Time
	// Updated is when vnstat last wrote it; its location is the zone the
	// vnstat that reads the database must run in.
	Updated time.Time
	// Days are the daily rows; only the date part of Date counts.
	Days []Day
	// RXCounter and TXCounter are the kernel counters vnstatd saved.
	RXCounter, TXCounter uint64
}

// Day is one daily row.
type Day struct {
	Date   time.Time
	RX, TX uint64
}

// Totals are the interface's lifetime totals as Build writes them (rxtotal,
// txtotal): the sums of all its daily rows.
func (i Iface) Totals() (rx, tx uint64) {
	for _, d := range i.Days {
		rx += d.RX
		tx += d.TX
	}
	return rx, tx
}

// Sum returns the bytes of the rows dated from begin through end, both
// civil dates (only their year, month and day count).
func (i Iface) Sum(begin, end time.Time) (rx, tx uint64) {
	b, e := dateOf(begin), dateOf(end)
	for _, d := range i.Days {
		if dd := dateOf(d.Date); dd >= b && dd <= e {
			rx += d.RX
			tx += d.TX
		}
	}
	return rx, tx
}

// Tools reports why vnstat databases cannot be built here, or "" when they
// can: vnstatd, vnstat and sqlite3 must be in PATH.
func Tools() string {
	for _, tool := range []string{"vnstatd", "vnstat", "sqlite3"} {
		if _, err := exec.LookPath(tool); err != nil {
			return tool + " is not installed (apt-get install vnstat sqlite3)"
		}
	}
	return ""
}

// Build makes a vnstat database in dir (which must exist) holding ifaces
// and returns the path of the vnstat config file it wrote there, whose
// DatabaseDir is dir. The database's btime is this boot's, as if vnstatd
// had run since the host booted.
func Build(ctx context.Context, dir string, ifaces []Iface) (string, error) {
	return BuildConf(ctx, dir, ifaces, "")
}

// BuildConf is Build with more lines for the vnstat config file, such as
// "TrafficlessEntries 0".
func BuildConf(ctx context.Context, dir string, ifaces []Iface, extraConf string) (string, error) {
	conf := filepath.Join(dir, "vnstat.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("DatabaseDir %q\n%s\n", dir, extraConf)), 0o644); err != nil {
		return "", fmt.Errorf("writing vnstat config: %w", err)
	}
	if err := run(ctx, nil, "vnstatd", "--initdb", "--config", conf); err != nil {
		return "", err
	}
	btime, err := bootTime()
	if err != nil {
		return "", err
	}
	var sql strings.Builder
	sql.WriteString("BEGIN;\n")
	fmt.Fprintf(&sql, "UPDATE info SET value='%d' WHERE name='btime';\n", btime.Unix())
	for n, iface := range ifaces {
		id := n + 1
		rxTotal, txTotal := iface.Totals()
		months := map[string][2]uint64{}
		var monthOrder []string
		for _, d := range iface.Days {
			m := fmt.Sprintf("%04d-%02d-01", d.Date.Year(), d.Date.Month())
			if _, ok := months[m]; !ok {
				monthOrder = append(monthOrder, m)
			}
			months[m] = [2]uint64{months[m][0] + d.RX, months[m][1] + d.TX}
		}
		fmt.Fprintf(&sql, "INSERT INTO interface(id,name,alias,active,created,updated,rxcounter,txcounter,rxtotal,txtotal) VALUES(%d,'%s','',1,'%s','%s',%d,%d,%d,%d);\n",
			id, iface.Name, iface.Created.Format(time.DateTime), iface.Updated.Format(time.DateTime), iface.RXCounter, iface.TXCounter, rxTotal, txTotal)
		for _, d := range iface.Days {
			fmt.Fprintf(&sql, "INSERT INTO day(interface,date,rx,tx) VALUES(%d,'%s',%d,%d);\n", id, d.Date.Format(time.DateOnly), d.RX, d.TX)
		}
		for _, m := range monthOrder {
			fmt.Fprintf(&sql, "INSERT INTO month(interface,date,rx,tx) VALUES(%d,'%s',%d,%d);\n", id, m, months[m][0], months[m][1])
		}
	}
	sql.WriteString("COMMIT;\n")
	if err := run(ctx, strings.NewReader(sql.String()), "sqlite3", "-bail", filepath.Join(dir, "vnstat.db")); err != nil {
		return "", err
	}
	return conf, nil
}

// Series returns one daily row per day for the n days that end on last,
// oldest first, with byte counts that grow with the day and differ between
// directions and seeds. With big set they exceed 2^32 per day, so that
// sums need 64 bits.
func Series(last time.Time, n int, seed uint64, big bool) []Day {
	days := make([]Day, 0, n)
	for i := n - 1; i >= 0; i-- {
		k := uint64(n - i)
		rx := seed*1_000_003 + k*7_919_237 + 12_345
		tx := seed*500_009 + k*3_141_593 + 678
		if big {
			rx = rx*4099 + 1<<33
			tx = tx*2053 + 1<<32
		}
		days = append(days, Day{Date: last.AddDate(0, 0, -i), RX: rx, TX: tx})
	}
	return days
}

func dateOf(t time.Time) string { return t.Format(time.DateOnly) }

func run(ctx context.Context, stdin *strings.Reader, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != nil {
		cmd.Stdin = stdin
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("running %s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(out.String()))
	}
	return nil
}

// bootTime is when the host booted: btime in /proc/stat, as vnstatd
// reads it, else from the kernel's uptime, within a second (vnstat allows
// BootVariation). The uptime alone made a btime one second off /proc/stat's
// now and then, which TestRead compares exactly.
func bootTime() (time.Time, error) {
	if b, err := os.ReadFile("/proc/stat"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "btime "); ok {
				if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
					return time.Unix(n, 0), nil
				}
			}
		}
	}
	var si unix.Sysinfo_t
	if err := unix.Sysinfo(&si); err != nil {
		return time.Time{}, fmt.Errorf("reading the uptime: %w", err)
	}
	return time.Now().Add(-time.Duration(si.Uptime) * time.Second).Truncate(time.Second), nil
}

// Many is n NICs enp1s0 ... enpNs0 that vnstat began to track on
// 2026-08-01 and saved at 11:59 UTC on 2026-11-30, with 62 days of rows
// each through that day and saved counters of 2^29/2^28: the many-interface
// host of the tests and benchmarks. Their links are the caller's to make.
func Many(n int) []Iface {
	today := Date(2026, time.November, 30)
	updated := time.Date(2026, time.November, 30, 11, 59, 0, 0, time.UTC)
	ifaces := make([]Iface, 0, n)
	for i := range n {
		ifaces = append(ifaces, Iface{Name: fmt.Sprintf("enp%ds0", i+1), Created: Date(2026, time.August, 1), Updated: updated,
			Days: Series(today, 62, uint64(100+i), true), RXCounter: 1 << 29, TXCounter: 1 << 28})
	}
	return ifaces
}

// DB builds a vnstat database of ifaces in a new directory of t's and
// returns the directory, after running each sql statement on it with the
// sqlite3 command. It skips t where the tools are missing (see Tools).
func DB(t testing.TB, ifaces []Iface, sql ...string) string {
	t.Helper()
	if why := Tools(); why != "" {
		t.Skip(why)
	}
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := Build(ctx, dir, ifaces); err != nil {
		t.Fatal(err)
	}
	for _, s := range sql {
		if out, err := exec.CommandContext(ctx, "sqlite3", filepath.Join(dir, "vnstat.db"), s).CombinedOutput(); err != nil {
			t.Fatalf("sqlite3 %q: %v: %s", s, err, out)
		}
	}
	return dir
}

// Zone compiles the zone file source with zic (-b fat, which every reader
// takes) and returns the path of zone name, a TZ value that Go, vnstat
// and the C library all accept. It skips t without zic (libc-bin).
func Zone(t testing.TB, name, source string) string {
	t.Helper()
	if _, err := exec.LookPath("zic"); err != nil {
		t.Skip("needs zic (libc-bin)")
	}
	dir := t.TempDir()
	src := filepath.Join(dir, "zone.txt")
	if err := os.WriteFile(src, []byte(source), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("zic", "-b", "fat", "-d", dir, src).CombinedOutput(); err != nil {
		t.Fatalf("zic: %v: %s", err, out)
	}
	return filepath.Join(dir, name)
}
