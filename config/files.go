package config

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// CheckFiles checks, in c, the settings that name a file beyond its
// existence (which Load checks): NETNS_PATH must be a network namespace
// file, ALERT_COMMAND an executable file, and NOTIFY_URLS_FILE a list of
// URLs, which it reads into c.Alerts.NotifyURLs. The error is an *Error.
func CheckFiles(c *Config) error {
	if c.Vnstat.NetnsPath != "" {
		if err := Netns(c.Vnstat.NetnsPath); err != nil {
			return Refuse("NETNS_PATH", c.Vnstat.NetnsPath, err)
		}
	}
	if c.Alerts.Command != "" {
		if err := Executable(c.Alerts.Command); err != nil {
			return Refuse("ALERT_COMMAND", c.Alerts.Command, err)
		}
	}
	if c.Alerts.NotifyURLsFile != "" {
		urls, err := readURLFile(c.Alerts.NotifyURLsFile)
		if err != nil {
			return Refuse("NOTIFY_URLS_FILE", c.Alerts.NotifyURLsFile, err)
		}
		c.Alerts.NotifyURLs = urls
	}
	return nil
}

// Refuse is the *Error for the value of the variable name, refused
// because of why; a secret value is not shown, only why.
func Refuse(name, value string, why error) *Error {
	return RefuseFor(name, value, why, VarByName(name).Allowed)
}

// RefuseFor is Refuse, saying allowed instead of what the variable
// allows in general: what a value that is well formed lacks here.
func RefuseFor(name, value string, why error, allowed string) *Error {
	v := fmt.Sprintf("(value hidden: %v)", why)
	if !hidden(name) {
		v = fmt.Sprintf("%q (%v)", value, why)
	}
	return &Error{Var: name, Value: v, Allowed: allowed}
}

// Disallow is the *Error for the value of the variable name, which may
// be only what allowed says (a secret value is not shown).
func Disallow(name, value, allowed string) *Error {
	return &Error{Var: name, Value: shown(name, value), Allowed: allowed}
}

// Netns says why path is not a network namespace file, or returns nil: it
// must be on nsfs, as /proc/PID/ns/net and /run/netns/NAME are.
func Netns(path string) error {
	var st unix.Statfs_t
	if err := unix.Statfs(path, &st); err != nil {
		return err
	}
	if st.Type != unix.NSFS_MAGIC {
		return errors.New("not a namespace file")
	}
	return nil
}

// Executable says why path is not an executable file, or returns nil.
func Executable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if !fi.Mode().IsRegular() || fi.Mode().Perm()&0o111 == 0 {
		return errors.New("not an executable file")
	}
	return nil
}

// readURLFile reads one URL per line; blank lines and lines that start
// with # are skipped.
func readURLFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var urls []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !IsURL(line) {
			return nil, fmt.Errorf("line %d is not one URL", len(urls)+1)
		}
		urls = append(urls, line)
	}
	return urls, s.Err()
}

// IsURL reports whether s looks like one notification URL: a scheme, ://,
// and no blank. Each service's own parser checks the rest.
func IsURL(s string) bool {
	scheme, _, ok := strings.Cut(s, "://")
	return ok && scheme != "" && !strings.ContainsAny(s, " \t")
}
