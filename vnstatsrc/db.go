package vnstatsrc

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/url"
	"os"
	"strconv"
	"syscall"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/monitor"
)

// SupportedDBVersion is the schema version (info.dbversion) this package
// reads: the one every vnstat 2.x writes.
const SupportedDBVersion = "1"

// ErrDBVersion is returned for a database of another schema version.
var ErrDBVersion = errors.New("unsupported vnstat database version")

// noBootTime is what `vnstatd --initdb` stores as btime before vnstatd
// has run (2^32-1).
const noBootTime = math.MaxUint32

// The database's contents, in monitor's types.
type (
	Snapshot  = monitor.Snapshot
	Interface = monitor.Interface
	Day       = monitor.Day
	Wall      = monitor.Wall
)

var (
	_ monitor.Vnstat  = (*Database)(nil)
	_ monitor.Stamper = (*Database)(nil)
)

// Database is vnstat's database file, read directly.
type Database struct {
	path string
}

// NewDatabase returns a reader of the vnstat database at path (a
// vnstat.db). Nothing is opened until Read.
func NewDatabase(path string) *Database {
	return &Database{path: path}
}

// Path is the database file.
func (d *Database) Path() string { return d.path }

// Stamp is the database file's and its write-ahead log's identity, size
// and modification time (to the nanosecond): every write vnstatd makes
// changes one of them. Two stats, no read: cheap enough for every second.
func (d *Database) Stamp() (string, error) {
	db, err := stamp(d.path)
	if err != nil {
		return "", err
	}
	wal, err := stamp(d.path + "-wal")
	if errors.Is(err, fs.ErrNotExist) {
		wal, err = "-", nil
	}
	if err != nil {
		return "", err
	}
	return db + " " + wal, nil
}

// stamp is one file's device, inode, size and modification time.
func stamp(path string) (string, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return "", err
	}
	var dev, ino uint64
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		dev, ino = uint64(st.Dev), st.Ino
	}
	return fmt.Sprintf("%d:%d:%d:%d", dev, ino, fi.Size(), fi.ModTime().UnixNano()), nil
}

// Read reads the database in one read-only transaction: its version, boot
// time and every interface; pick is then given the interfaces and returns
// the names whose daily rows dated from (a civil date) on are read too.
func (d *Database) Read(ctx context.Context, from time.Time, pick func([]Interface) []string) (*Snapshot, error) {
	s, err := d.read(ctx, from, pick)
	if err != nil {
		return nil, fmt.Errorf("reading vnstat's database %s: %w", d.path, err)
	}
	return s, nil
}

func (d *Database) read(ctx context.Context, from time.Time, pick func([]Interface) []string) (*Snapshot, error) {
	fi, err := os.Stat(d.path)
	if errors.Is(err, fs.ErrNotExist) {
		// The first thing a new install meets where no init system
		// starts vnstatd (a container, a minimal image).
		return nil, fmt.Errorf("%w: vnstatd creates it when it starts; is vnstatd running? "+
			"Start it with systemctl enable --now vnstat, or, where no init system runs, vnstatd --daemon", err)
	}
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	snap := &Snapshot{ModTime: fi.ModTime(), From: from}
	if wal, err := os.Stat(d.path + "-wal"); err == nil && wal.ModTime().After(snap.ModTime) {
		snap.ModTime = wal.ModTime()
	}

	// mode=ro: the file may be on a read-only mount; query_only: nothing
	// here can write; busy_timeout: wait out vnstatd's short write locks.
	dsn := (&url.URL{Scheme: "file", Path: d.path,
		RawQuery: "mode=ro&_pragma=busy_timeout(3000)&_pragma=query_only(1)"}).String()
	db, err := sql.Open(sqliteDriver, dsn)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()

	if err := readInfo(ctx, tx, snap); err != nil {
		return nil, err
	}
	ids, err := readInterfaces(ctx, tx, snap)
	if err != nil {
		return nil, err
	}
	stmt, err := tx.PrepareContext(ctx, "SELECT CAST(date AS TEXT), rx, tx FROM day WHERE interface = ? AND date >= ? ORDER BY date")
	if err != nil {
		return nil, err
	}
	defer stmt.Close()
	for _, name := range pick(snap.Interfaces) {
		i, ok := ids[name]
		if !ok {
			continue
		}
		iface := &snap.Interfaces[i.index]
		if iface.Days, err = readDays(ctx, stmt, i.id, from); err != nil {
			return nil, fmt.Errorf("daily rows of %s: %w", name, err)
		}
	}
	return snap, tx.Commit()
}

func readInfo(ctx context.Context, tx *sql.Tx, snap *Snapshot) error {
	rows, err := tx.QueryContext(ctx, "SELECT name, value FROM info")
	if err != nil {
		return err
	}
	defer rows.Close()
	var btime, dbversion string
	for rows.Next() {
		var name, value string
		if err := rows.Scan(&name, &value); err != nil {
			return err
		}
		switch name {
		case "dbversion":
			dbversion = value
		case "vnstatversion":
			snap.VnstatVersion = value
		case "btime":
			btime = value
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if dbversion != SupportedDBVersion {
		found := strconv.Quote(dbversion)
		if dbversion == "" {
			found = "none"
		}
		return fmt.Errorf("%w: dbversion %s (written by vnstat %q); supported: dbversion %s, written by vnstat 2.x",
			ErrDBVersion, found, snap.VnstatVersion, SupportedDBVersion)
	}
	if n, err := strconv.ParseInt(btime, 10, 64); err == nil && n > 0 && n != noBootTime {
		snap.BootTime = time.Unix(n, 0)
	}
	return nil
}

type ifaceID struct {
	id    int64
	index int
}

func readInterfaces(ctx context.Context, tx *sql.Tx, snap *Snapshot) (map[string]ifaceID, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, name, CAST(created AS TEXT), CAST(updated AS TEXT),
		rxcounter, txcounter, rxtotal, txtotal FROM interface ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ids := make(map[string]ifaceID)
	for rows.Next() {
		var i Interface
		var id int64
		var created, updated string
		var rx, tx, rxTotal, txTotal int64
		if err := rows.Scan(&id, &i.Name, &created, &updated, &rx, &tx, &rxTotal, &txTotal); err != nil {
			return nil, err
		}
		if rx < 0 || tx < 0 {
			return nil, fmt.Errorf("interface %s: negative counters (rx %d, tx %d)", i.Name, rx, tx)
		}
		if rxTotal < 0 || txTotal < 0 {
			return nil, fmt.Errorf("interface %s: negative totals (rx %d, tx %d)", i.Name, rxTotal, txTotal)
		}
		i.RXCounter, i.TXCounter = uint64(rx), uint64(tx)
		i.RXTotal, i.TXTotal = uint64(rxTotal), uint64(txTotal)
		if i.Created, err = parseWall(created); err != nil {
			return nil, fmt.Errorf("interface %s: created: %w", i.Name, err)
		}
		if i.Updated, err = parseWall(updated); err != nil {
			return nil, fmt.Errorf("interface %s: updated: %w", i.Name, err)
		}
		ids[i.Name] = ifaceID{id: id, index: len(snap.Interfaces)}
		snap.Interfaces = append(snap.Interfaces, i)
	}
	return ids, rows.Err()
}

func readDays(ctx context.Context, stmt *sql.Stmt, id int64, from time.Time) ([]Day, error) {
	rows, err := stmt.QueryContext(ctx, id, from.Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	days := []Day{}
	for rows.Next() {
		var date string
		var rx, tx int64
		if err := rows.Scan(&date, &rx, &tx); err != nil {
			return nil, err
		}
		d, err := time.Parse(time.DateOnly, date)
		if err != nil {
			return nil, fmt.Errorf("row dated %q: not a date", date)
		}
		if rx < 0 || tx < 0 {
			return nil, fmt.Errorf("row %s: negative bytes (rx %d, tx %d)", date, rx, tx)
		}
		if n := len(days); n > 0 && !days[n-1].Date.Before(d) {
			return nil, fmt.Errorf("row %s does not follow %s", date, days[n-1].Date.Format(time.DateOnly))
		}
		days = append(days, Day{Date: d, RX: uint64(rx), TX: uint64(tx)})
	}
	return days, rows.Err()
}

func parseWall(s string) (Wall, error) {
	t, err := time.Parse(time.DateTime, s)
	if err != nil {
		return Wall{}, fmt.Errorf("%q is not a date and time", s)
	}
	return Wall{Time: t}, nil
}
