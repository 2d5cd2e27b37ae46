package actions

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Runner runs the owner's action script, as root, once for each event the
// daemon spooled: the other side of ROOT_ACTIONS, started by the systemd
// path unit when the spool directory is not empty.
//
// It trusts nothing the daemon wrote but the bytes of a regular file: it
// opens the spool without following a link, checks that the spool belongs
// to the daemon's user and that no one else can write to it, and opens,
// reads and removes entries relative to that directory, never following a
// link; it writes only into its own directory (the ledger's).
type Runner struct {
	// Spool is the spool directory, STATE_DIR/actions.
	Spool string
	// Owner is the user ID the spool and its files must belong to; a
	// negative Owner means the owner of the spool's parent directory
	// (STATE_DIR, which systemd gives to the daemon's user), which must
	// not be root.
	Owner int
	// Ledger is the file that keeps the high-water mark: the sequence
	// number of the last event run. Its directory is the runner's own,
	// where the daemon cannot write; rejected files are kept in its
	// subdirectory rejected/.
	Ledger string
	// Script is the executable run for each event.
	Script string
	// Settings are root's own settings (SettingsFile): what an action acts
	// on, and the START_DAY root computes the cycle with.
	Settings *Settings
	// Timeout bounds one run of Script.
	Timeout time.Duration
	Logger  *slog.Logger
	// Now is the clock the current cycle is taken from, in the zone the
	// cycle's dates are in (the system's, which vnstatd uses); nil is
	// time.Now.
	Now func() time.Time
}

// MaxRejected bounds the files kept in rejected/; beyond it, a rejected
// file is only logged.
const MaxRejected = 100

// Run runs Script for each event in the spool, in the order of their
// sequence numbers, however many there are; an event that root's
// settings and clock refuse (see judge: another cycle, an interface not
// in the settings) is logged and removed without a run. An event's number is entered in the ledger (durably)
// and its file removed before Script starts, so that an action that
// reboots the machine does not run again after the boot: events run at
// most once. A file at or below the mark is removed without a run. An
// entry that is not a spooled event (a name not in the spool's format, a
// link, not a regular file, not the daemon's, too large, not parseable)
// is copied (at most its first 64 KiB) to rejected/ and removed from the
// spool; if it cannot be removed it is skipped, and later events still
// run. Run returns an error only when the spool or the ledger cannot be
// used or trusted; it then touches nothing.
func (r *Runner) Run(ctx context.Context) error {
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	if r.Settings == nil {
		return errors.New("no settings: root's own settings (START_DAY, INTERFACES) are needed to judge an event")
	}
	spool, owner, err := openSpool(r.Spool, r.Owner)
	if err != nil {
		return err
	}
	defer unix.Close(spool)
	own, err := openOwnDir(filepath.Dir(r.Ledger), spool)
	if err != nil {
		return err
	}
	defer unix.Close(own)
	ledger := filepath.Base(r.Ledger)
	mark, err := r.readMark(own, ledger)
	if err != nil {
		return fmt.Errorf("ledger %s: %w", r.Ledger, err)
	}
	names, err := readNames(spool, r.Spool)
	if err != nil {
		return err
	}
	for _, name := range names {
		if ctx.Err() != nil {
			// Stopped: what is left stays for the next run, not marked.
			return nil
		}
		seq, ok := spoolSeq(name)
		if !ok {
			r.reject(spool, own, name, "a name not in the spool's format (SEQUENCE-KEY.json)", nil)
			continue
		}
		if seq <= mark {
			r.Logger.Info("already run; removing", "event", name)
			r.remove(spool, name)
			continue
		}
		env, data, err := readEntry(spool, name, owner)
		if err != nil {
			r.reject(spool, own, name, err.Error(), data)
			continue
		}
		if err := writeMark(own, ledger, seq); err != nil {
			return fmt.Errorf("ledger %s: %w", r.Ledger, err)
		}
		mark = seq
		r.remove(spool, name)
		vars, why := judge(env, r.Settings, r.now())
		if why != "" {
			r.Logger.Error("refused: not run", "event", name, "why", why)
			continue
		}
		_ = r.run(ctx, name, vars) // logged; the next event runs all the same
	}
	return nil
}

// Lift runs Script once with the event Lift (`run-actions lift`) and
// root's own variables, for the owner to undo what the actions did; the
// error is the script's.
func (r *Runner) Lift(ctx context.Context) error {
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	if r.Settings == nil {
		return errors.New("no settings: root's own settings (START_DAY, INTERFACES) are needed for the action's variables")
	}
	return r.run(ctx, Lift, append([]string{EnvPrefix + "EVENT=" + Lift, EnvPrefix + "KEY=" + Lift}, r.Settings.env(r.now())...))
}

func (r *Runner) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

// run runs Script for the event name with env, and logs how it went.
func (r *Runner) run(ctx context.Context, name string, env []string) error {
	r.Logger.Info("running action", "event", name, "script", r.Script)
	res := RunCommand(ctx, r.Script, env, r.Timeout)
	if res.Err != nil {
		r.Logger.Error("action failed", "event", name, "err", res.Err, "output", res.Output)
	} else {
		r.Logger.Info("action done", "event", name, "output", res.Output)
	}
	res.LogLeftovers(r.Logger, "the action", "event", name)
	return res.Err
}

// openSpool opens the spool directory without following a link in its
// last component and checks that it is a directory that belongs to owner
// (or, when owner is negative, to the owner of its parent, who must not be
// root) and that only its owner can write to it.
func openSpool(path string, owner int) (fd, uid int, err error) {
	path = filepath.Clean(path)
	parent, err := unix.Open(filepath.Dir(path), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, 0, fmt.Errorf("spool %s: %w", path, err)
	}
	defer unix.Close(parent)
	if owner < 0 {
		var st unix.Stat_t
		if err := unix.Fstat(parent, &st); err != nil {
			return -1, 0, fmt.Errorf("spool %s: %w", path, err)
		}
		if st.Uid == 0 {
			return -1, 0, fmt.Errorf("spool %s: its parent directory belongs to root, not to the daemon's user; give -owner", path)
		}
		owner = int(st.Uid)
	}
	fd, err = unix.Openat(parent, filepath.Base(path), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) {
		return -1, 0, fmt.Errorf("spool %s is not a directory (a symbolic link is not followed)", path)
	}
	if err != nil {
		return -1, 0, fmt.Errorf("spool %s: %w", path, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, 0, fmt.Errorf("spool %s: %w", path, err)
	}
	switch {
	case int(st.Uid) != owner:
		err = fmt.Errorf("spool %s belongs to user ID %d, not to the daemon's (%d)", path, st.Uid, owner)
	case st.Mode&0o022 != 0:
		err = fmt.Errorf("spool %s can be written by group or others (mode %04o)", path, st.Mode&0o7777)
	}
	if err != nil {
		unix.Close(fd)
		return -1, 0, err
	}
	return fd, owner, nil
}

// openOwnDir creates and opens the runner's own directory, which must be
// a directory (not a link) of the runner's user that no one else can
// write to, in directories of that user that no one else can change (see
// checkParents), and neither the spool's parent (STATE_DIR, the daemon's)
// nor in it: the daemon's user could move it aside and reset the mark.
func openOwnDir(path string, spool int) (int, error) {
	if err := checkParents(filepath.Dir(path)); err != nil {
		return -1, fmt.Errorf("ledger directory %s: %w", path, err)
	}
	if err := outside(path, spool); err != nil {
		return -1, err
	}
	if err := os.MkdirAll(path, 0o700); err != nil {
		return -1, err
	}
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("ledger directory %s: %w", path, err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, err
	}
	if int(st.Uid) != os.Geteuid() || st.Mode&0o022 != 0 {
		unix.Close(fd)
		return -1, fmt.Errorf("ledger directory %s must belong to user ID %d and be writable by it alone (it belongs to %d, mode %04o)",
			path, os.Geteuid(), st.Uid, st.Mode&0o7777)
	}
	return fd, nil
}

// outside checks that the directory path, which need not exist yet, is
// neither the spool's parent nor under it.
func outside(path string, spool int) error {
	var parent unix.Stat_t
	if err := unix.Fstatat(spool, "..", &parent, 0); err != nil {
		return err
	}
	for dir := filepath.Clean(path); ; dir = filepath.Dir(dir) {
		var st unix.Stat_t
		err := unix.Stat(dir, &st)
		if err != nil && !errors.Is(err, unix.ENOENT) {
			return err
		}
		if err == nil && st.Dev == parent.Dev && st.Ino == parent.Ino {
			return fmt.Errorf("ledger directory %s is in the daemon's state directory %s, which the daemon's user can change: give one of root's (/var/lib/vnstat-exporter-actions)", path, dir)
		}
		if filepath.Dir(dir) == dir {
			return nil
		}
	}
}

// maxEntries bounds the entries one run takes on: the lowest ones, by
// name, which is sequence order. The rest, all above them, are the next
// run's.
var maxEntries = 10000

// readNames reads all the spool's names and returns the lowest
// maxEntries, sorted: however many there are, each run takes the events
// in sequence order, so that the mark never passes one not yet run.
func readNames(spool int, path string) ([]string, error) {
	dup, err := unix.Dup(spool)
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(dup), path)
	defer f.Close()
	var names []string
	for {
		batch, err := f.Readdirnames(1024)
		names = append(names, batch...)
		if len(names) > 2*maxEntries {
			slices.Sort(names)
			names = slices.Clip(names[:maxEntries])
		}
		if errors.Is(err, io.EOF) || err == nil && len(batch) == 0 {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("spool %s: %w", path, err)
		}
	}
	slices.Sort(names)
	return names[:min(len(names), maxEntries)], nil
}

// readEntry reads a spooled event's variables. It refuses a link, a file
// that is not regular, that does not belong to owner, that has other
// links or is too large, and variables not ours; with the error, it
// returns what it read.
func readEntry(spool int, name string, owner int) (env []string, data []byte, err error) {
	var st unix.Stat_t
	if err := unix.Fstatat(spool, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return nil, nil, err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		return nil, nil, fmt.Errorf("not a regular file (%s)", fileType(st.Mode))
	}
	fd, err := unix.Openat(spool, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, nil, err
	}
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		return nil, nil, fmt.Errorf("not a regular file (%s)", fileType(st.Mode))
	case int(st.Uid) != owner:
		return nil, nil, fmt.Errorf("belongs to user ID %d, not to the daemon's (%d)", st.Uid, owner)
	case st.Nlink != 1:
		return nil, nil, fmt.Errorf("has %d links", st.Nlink)
	}
	data, err = io.ReadAll(io.LimitReader(f, maxSpoolFile+1))
	if err != nil {
		return nil, data, err
	}
	if len(data) > maxSpoolFile {
		return nil, data, fmt.Errorf("larger than %d bytes", maxSpoolFile)
	}
	var rec Record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, data, err
	}
	for _, kv := range rec.Env {
		if !validEnv.MatchString(kv) {
			return nil, data, fmt.Errorf("variable %.40q: only %sNAME=value is passed on", kv, EnvPrefix)
		}
	}
	return rec.Env, data, nil
}

func fileType(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFLNK:
		return "a symbolic link"
	case unix.S_IFDIR:
		return "a directory"
	case unix.S_IFIFO:
		return "a FIFO"
	case unix.S_IFSOCK:
		return "a socket"
	case unix.S_IFCHR, unix.S_IFBLK:
		return "a device"
	}
	return "unknown type"
}

// reject keeps a copy of what was read of the entry name, with why, in
// rejected/ of the runner's directory, and removes the entry from the
// spool. Nothing it fails at stops the run.
func (r *Runner) reject(spool, own int, name, why string, data []byte) {
	r.Logger.Error("not a spooled event; setting it aside", "file", name, "why", why)
	if err := keepRejected(own, name, why, data, time.Now()); err != nil {
		r.Logger.Error("cannot keep a copy of the rejected file", "file", name, "err", err)
	}
	r.remove(spool, name)
}

func keepRejected(own int, name, why string, data []byte, now time.Time) error {
	const dir = "rejected"
	if err := unix.Mkdirat(own, dir, 0o700); err != nil && !errors.Is(err, unix.EEXIST) {
		return err
	}
	fd, err := unix.Openat(own, dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	d := os.NewFile(uintptr(fd), dir)
	defer d.Close()
	kept, err := d.Readdirnames(-1)
	if err != nil {
		return err
	}
	if len(kept) >= MaxRejected {
		return fmt.Errorf("rejected/ already holds %d files", len(kept))
	}
	safe := now.UTC().Format("20060102T150405.000000000Z") + "-" + strings.TrimLeft(safeName(name), ".")
	out, err := unix.Openat(fd, safe, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	f := os.NewFile(uintptr(out), safe)
	_, err = fmt.Fprintf(f, "rejected %q: %s\n%s", name, why, data)
	return errors.Join(err, f.Close())
}

// remove removes the entry name from the spool, an empty directory too,
// and logs when it cannot.
func (r *Runner) remove(spool int, name string) {
	err := unix.Unlinkat(spool, name, 0)
	if errors.Is(err, unix.EISDIR) {
		err = unix.Unlinkat(spool, name, unix.AT_REMOVEDIR)
	}
	if err != nil && !errors.Is(err, unix.ENOENT) {
		r.Logger.Error("cannot remove it from the spool; skipping it", "file", name, "err", err)
	}
}

// readMark reads the high-water mark; 0 when there is none. A ledger of
// an earlier version (a list of names) counts as none: the events it
// names had names that are now rejected.
func (r *Runner) readMark(own int, name string) (uint64, error) {
	fd, err := unix.Openat(own, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ENOENT) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	f := os.NewFile(uintptr(fd), name)
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return 0, err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	mark, err := strconv.ParseUint(strings.TrimSpace(line), 10, 64)
	if err != nil {
		r.Logger.Warn("ledger of an earlier version (a list of names); starting a high-water mark")
		return 0, nil
	}
	return mark, nil
}

// writeMark replaces the ledger with mark, atomically and durably.
func writeMark(own int, name string, mark uint64) error {
	tmp := "." + name + ".tmp"
	fd, err := unix.Openat(own, tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	f := os.NewFile(uintptr(fd), tmp)
	_, err = fmt.Fprintf(f, "%019d\n", mark)
	if err == nil {
		err = f.Sync()
	}
	if err = errors.Join(err, f.Close()); err != nil {
		return err
	}
	if err := unix.Renameat(own, tmp, own, name); err != nil {
		return err
	}
	return unix.Fsync(own)
}

// UserID is the user ID of a user name or number: the daemon's user that
// the spool must belong to (run-actions -owner).
func UserID(name string) (int, error) {
	if n, err := strconv.Atoi(name); err == nil && n >= 0 {
		return n, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(u.Uid)
}
