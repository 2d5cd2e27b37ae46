package alert

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/google/renameio/v2"
)

// SpoolDir is the directory under STATE_DIR that actionable events are
// written into for the root path unit (ROOT_ACTIONS).
const SpoolDir = "actions"

// spoolName is the file an event is spooled as: its time and its place
// among the events of the same check, so that a directory listing is in
// order, and its key. It is chosen once, when the event is recorded, so
// that writing it twice leaves one file, which the runner's ledger knows.
func spoolName(ev Event, n int) string {
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, ev.Key)
	return fmt.Sprintf("%s-%02d-%s.json", ev.At.UTC().Format("20060102T150405.000000000Z"), n, safe)
}

// spoolRecord is a spooled event: the variables the action script gets.
type spoolRecord struct {
	Env []string `json:"env"`
}

// maxSpoolFile bounds the spool file the runner reads.
const maxSpoolFile = 64 << 10

// validEnv matches the variables the runner passes on.
var validEnv = regexp.MustCompile(`^` + EnvPrefix + `[A-Z_]+=[^\x00]*$`)

// Runner runs the owner's action script, as root, once for each event the
// daemon spooled: the other side of ROOT_ACTIONS, started by the systemd
// path unit when the spool directory is not empty.
type Runner struct {
	// Spool is the spool directory, STATE_DIR/actions.
	Spool string
	// Ledger is the file of the names of the events already run, kept
	// where the daemon cannot write.
	Ledger string
	// Script is the executable run for each event.
	Script string
	// Timeout bounds one run of Script.
	Timeout time.Duration
	Logger  *slog.Logger
}

// maxLedger is how many names the ledger keeps.
const maxLedger = 1000

// Run runs Script for each file in the spool, oldest first. A file is
// entered in the ledger and removed before Script starts, so that an
// action that reboots the machine does not run again after the boot; a
// file already in the ledger is removed without a run; a file that is not
// a spooled event (not a regular file, too large, not parseable) is moved
// to the ledger's directory, under rejected/. It returns an error only
// when the spool or the ledger cannot be used.
func (r *Runner) Run(ctx context.Context) error {
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	names, err := filepath.Glob(filepath.Join(r.Spool, "*"))
	if err != nil {
		return err
	}
	slices.Sort(names)
	done, err := readLedger(r.Ledger)
	if err != nil {
		return err
	}
	for _, path := range names {
		name := filepath.Base(path)
		if strings.HasPrefix(name, ".") {
			continue // renameio's temporary files
		}
		if slices.Contains(done, name) {
			r.Logger.Info("already run; removing", "event", name)
			if err := os.Remove(path); err != nil {
				return err
			}
			continue
		}
		env, err := readSpooled(path)
		if err != nil {
			r.Logger.Error("not a spooled event; setting it aside", "file", name, "err", err)
			if err := r.reject(path); err != nil {
				return err
			}
			continue
		}
		done = append(done, name)
		if err := writeLedger(r.Ledger, done); err != nil {
			return err
		}
		if err := os.Remove(path); err != nil {
			return err
		}
		r.Logger.Info("running action", "event", name, "script", r.Script)
		out, err := RunCommand(ctx, r.Script, env, r.Timeout)
		if err != nil {
			r.Logger.Error("action failed", "event", name, "err", err, "output", out)
		} else {
			r.Logger.Info("action done", "event", name, "output", out)
		}
	}
	return nil
}

// readSpooled reads a spooled event's variables, refusing a link, a file
// that is not regular or too large, and variables not ours.
func readSpooled(path string) ([]string, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	b, err := io.ReadAll(io.LimitReader(f, maxSpoolFile+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxSpoolFile {
		return nil, fmt.Errorf("larger than %d bytes", maxSpoolFile)
	}
	var rec spoolRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, err
	}
	for _, kv := range rec.Env {
		if !validEnv.MatchString(kv) {
			return nil, fmt.Errorf("variable %.40q: only %sNAME=value is passed on", kv, EnvPrefix)
		}
	}
	return rec.Env, nil
}

func (r *Runner) reject(path string) error {
	dir := filepath.Join(filepath.Dir(r.Ledger), "rejected")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.Rename(path, filepath.Join(dir, filepath.Base(path)))
}

func readLedger(path string) ([]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var names []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		if line := strings.TrimSpace(s.Text()); line != "" {
			names = append(names, line)
		}
	}
	return names, s.Err()
}

// writeLedger replaces the ledger with the last maxLedger names,
// atomically and durably.
func writeLedger(path string, names []string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	names = names[max(0, len(names)-maxLedger):]
	return renameio.WriteFile(path, []byte(strings.Join(names, "\n")+"\n"), 0o600)
}
