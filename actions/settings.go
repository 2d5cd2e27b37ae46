package actions

import (
	_ "embed"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/vnstat-exporter/vnstat-exporter/config"
)

// SettingsFile is where root keeps its own settings for the actions.
const SettingsFile = "/etc/vnstat-exporter/actions.env"

// Settings are root's own settings for the actions, read from a file only
// root can change: what an action acts on comes from here, never from an
// event the daemon wrote. The event says which rule fired for which
// cycle; root checks the cycle against its own clock and START_DAY, and
// the interfaces it names against INTERFACES.
type Settings struct {
	// StartDay is the day of the month the billing cycle resets on, as the
	// daemon's START_DAY.
	StartDay int
	// Interfaces are the interfaces the actions may act on: the daemon's
	// INTERFACES. An event that names another is refused.
	Interfaces []string
	// Vars are the file's other settings, NAME=value, passed on to the
	// script as they are (RATE, DELAY_MINUTES, ...).
	Vars []string
}

// ifaceName matches the interface names the settings accept: what Linux
// takes (at most 15 bytes) in characters that need no quoting.
var ifaceName = regexp.MustCompile(`^[A-Za-z0-9_@.-]{1,15}$`)

// LoadSettings reads root's settings from path, in the syntax of
// systemd's EnvironmentFile=. It refuses a file that is a link, is not
// root's (the user the runner runs as) or is more open than 0644, or
// that sits in a directory others could change; and settings that are
// missing or wrong, naming the setting.
func LoadSettings(path string) (*Settings, error) {
	b, err := readRootFile(path)
	if err != nil {
		return nil, err
	}
	vars, err := config.ParseEnvFile(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	s := &Settings{}
	day, err := strconv.Atoi(vars["START_DAY"])
	if err != nil || day < 1 || day > 31 {
		return nil, fmt.Errorf("%s: START_DAY=%q: allowed: the daemon's START_DAY, an integer from 1 to 31", path, vars["START_DAY"])
	}
	s.StartDay = day
	for name := range strings.SplitSeq(vars["INTERFACES"], ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		if !ifaceName.MatchString(name) || name == "." || name == ".." {
			return nil, fmt.Errorf("%s: INTERFACES: %q: allowed: interface names of at most 15 letters, digits and _ @ . -", path, name)
		}
		s.Interfaces = append(s.Interfaces, name)
	}
	if len(s.Interfaces) == 0 {
		return nil, fmt.Errorf("%s: INTERFACES is not set: allowed: the daemon's interfaces, comma-separated (eth0 or eth0,wlan0)", path)
	}
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		switch {
		case k == "START_DAY" || k == "INTERFACES":
		case k == "PATH" || strings.HasPrefix(k, EnvPrefix):
			return nil, fmt.Errorf("%s: %s: allowed: any name but PATH and %s*, which the runner sets", path, k, EnvPrefix)
		default:
			s.Vars = append(s.Vars, k+"="+vars[k])
		}
	}
	return s, nil
}

// readRootFile reads a file of root's: not a link, owned by the runner's
// user, no more open than 0644, in directories only that user can change
// (see checkParents).
func readRootFile(path string) ([]byte, error) {
	path = filepath.Clean(path)
	if err := checkParents(filepath.Dir(path)); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ELOOP) {
		return nil, fmt.Errorf("%s is a symbolic link, which is not followed", path)
	}
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, err
	}
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		return nil, fmt.Errorf("%s is not a regular file (%s)", path, fileType(st.Mode))
	case int(st.Uid) != os.Geteuid() || st.Mode&^uint32(unix.S_IFMT|0o644) != 0:
		return nil, fmt.Errorf("%s must belong to user ID %d and be 0644 or stricter (it belongs to %d, mode %04o): chown root:root and chmod 0644 it",
			path, os.Geteuid(), st.Uid, st.Mode&0o7777)
	}
	b, err := io.ReadAll(io.LimitReader(f, 1<<20+1))
	if err != nil {
		return nil, err
	}
	if len(b) > 1<<20 {
		return nil, fmt.Errorf("%s is larger than 1 MiB", path)
	}
	return b, nil
}

// checkParents checks dir and each directory above it: a directory, not a
// link, of the runner's user (root), that no one else can write to, or
// that has the sticky bit (/tmp), so that no other user can move it or
// put something else in its place.
func checkParents(dir string) error {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	for {
		var st unix.Stat_t
		if err := unix.Lstat(dir, &st); err != nil {
			return err
		}
		switch {
		case st.Mode&unix.S_IFMT == unix.S_IFLNK:
			return fmt.Errorf("%s is a symbolic link, which is not followed: give the real path", dir)
		case st.Mode&unix.S_IFMT != unix.S_IFDIR:
			return fmt.Errorf("%s is not a directory", dir)
		case int(st.Uid) != os.Geteuid():
			return fmt.Errorf("the directory %s belongs to user ID %d, not to %d (root)", dir, st.Uid, os.Geteuid())
		case st.Mode&0o022 != 0 && st.Mode&unix.S_ISVTX == 0:
			return fmt.Errorf("the directory %s can be written by group or others (mode %04o)", dir, st.Mode&0o7777)
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return nil
		}
		dir = parent
	}
}

//go:embed settings.env
var settingsTemplate string

// WriteSettings writes root's settings to path (0644, never over an
// existing file): the template's comments, then startDay and ifaces, the
// daemon's, which the caller read from the daemon's settings. It reports
// false when path was there already.
func WriteSettings(path string, startDay int, ifaces []string) (bool, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o644)
	if errors.Is(err, os.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	_, err = fmt.Fprintf(f, "%s\n# Written by vnstat-exporter run-actions init from the daemon's settings.\nSTART_DAY=%d\nINTERFACES=%s\n",
		settingsTemplate, startDay, strings.Join(ifaces, ","))
	if err = errors.Join(err, f.Chmod(0o644), f.Close()); err != nil {
		return false, err
	}
	return true, nil
}
