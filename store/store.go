package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/google/renameio/v2"
)

// Dir is a state directory.
type Dir struct {
	path string
	now  func() time.Time
	lock *os.File // held by Lock
}

// Open returns the state directory at path, creating it (mode 0700) if it
// does not exist, and checks that a file can be written in it. A nil now
// means time.Now.
func Open(path string, now func() time.Time) (*Dir, error) {
	if now == nil {
		now = time.Now
	}
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("state directory %q is not an absolute path", path)
	}
	if err := os.MkdirAll(path, 0o700); err != nil {
		return nil, err
	}
	d := &Dir{path: path, now: now}
	probe := filepath.Join(path, ".write-test")
	if err := renameio.WriteFile(probe, nil, 0o600); err != nil {
		return nil, fmt.Errorf("state directory %s is not writable: %w", path, err)
	}
	if err := os.Remove(probe); err != nil {
		return nil, err
	}
	return d, nil
}

// LockFile is the file in the directory that Lock locks.
const LockFile = "lock"

// ErrInUse is the error of Lock when another process holds the lock.
var ErrInUse = errors.New("in use by another vnstat-exporter")

// Lock takes the directory for this process, for as long as it lives:
// an exclusive flock on LockFile (not followed if it is a link), which
// then holds this process's ID. When another process holds it, the error
// wraps ErrInUse and names that process.
func (d *Dir) Lock() error {
	p := filepath.Join(d.path, LockFile)
	fd, err := syscall.Open(p, syscall.O_RDWR|syscall.O_CREAT|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("opening %s: %w", p, err)
	}
	f := os.NewFile(uintptr(fd), p)
	if err := syscall.Flock(fd, syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			b, _ := io.ReadAll(io.LimitReader(f, 32))
			if pid := strings.TrimSpace(string(b)); pid != "" {
				return fmt.Errorf("%w, process %s", ErrInUse, pid)
			}
			return ErrInUse
		}
		return fmt.Errorf("locking %s: %w", p, err)
	}
	if err := f.Truncate(0); err == nil {
		_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	// Held until the process ends: the file is never closed.
	d.lock = f
	return nil
}

// Path is the directory's path.
func (d *Dir) Path() string { return d.path }

// ErrCorrupt wraps the error of a file that could not be read, was too
// large or could not be parsed; the file has been renamed aside (see
// Load).
var ErrCorrupt = errors.New("unusable state file")

// MaxFile bounds the size of a file Load reads.
const MaxFile = 4 << 20

// Load reads the JSON file name into v. A file that does not exist leaves
// v as it is and returns nil, false. A file that cannot be read (not a
// regular file, an I/O error), is larger than MaxFile or cannot be parsed
// is renamed to name.corrupt-TIME, so that it is kept for a person to look
// at and neither read again nor overwritten, and the error wraps
// ErrCorrupt and names where it went.
func (d *Dir) Load(name string, v any) (found bool, err error) {
	p := filepath.Join(d.path, name)
	b, err := readCapped(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		aside := p + ".corrupt-" + d.now().UTC().Format("20060102T150405Z")
		if rerr := os.Rename(p, aside); rerr != nil {
			return false, fmt.Errorf("%w %s: %v; and setting it aside failed: %v", ErrCorrupt, p, err, rerr)
		}
		return false, fmt.Errorf("%w %s: %v; set aside as %s", ErrCorrupt, p, err, aside)
	}
	return true, nil
}

// readCapped reads the regular file p, refusing one larger than MaxFile
// without reading it.
func readCapped(p string) ([]byte, error) {
	f, err := os.OpenFile(p, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s)", fi.Mode().Type())
	}
	if fi.Size() > MaxFile {
		return nil, fmt.Errorf("%d bytes, more than the %d a state file may have", fi.Size(), MaxFile)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxFile+1))
	if err == nil && len(b) > MaxFile {
		err = fmt.Errorf("more than the %d bytes a state file may have", MaxFile)
	}
	return b, err
}

// Save replaces the file name with v encoded as JSON, atomically and
// durably: when Save returns nil, the new content survives a crash.
func (d *Dir) Save(name string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return d.WriteFile(name, append(b, '\n'), 0o600)
}

// WriteFile replaces the file name (a path relative to the directory)
// with data atomically and durably.
func (d *Dir) WriteFile(name string, data []byte, perm os.FileMode) error {
	p := filepath.Join(d.path, name)
	// The temporary file is made in the directory itself, not beside the
	// file: the spool (a subdirectory) only ever holds whole files.
	if err := renameio.WriteFile(p, data, perm, renameio.WithTempDir(d.path)); err != nil {
		return err
	}
	// renameio syncs the file before the rename; the rename itself is
	// durable once the directory is synced.
	return syncDir(filepath.Dir(p))
}

// Remove removes the file name; one that does not exist is not an error.
func (d *Dir) Remove(name string) error {
	err := os.Remove(filepath.Join(d.path, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

func syncDir(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
