package config

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestCheckFiles: NETNS_PATH must be a namespace file, ALERT_COMMAND an
// executable, and NOTIFY_URLS_FILE one URL a line (comments and blank
// lines skipped), which it reads; each refusal names the variable, the
// file and why.
func TestCheckFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	urls := write("urls", "# the owner's phone\n\nntfy://ntfy.sh/topic\n  generic+https://example.net/hook  \n", 0o600)
	c := Config{Alerts: Alerts{NotifyURLsFile: urls, Command: write("alert.sh", "#!/bin/sh\n", 0o755)}}
	if _, err := os.Stat("/proc/self/ns/net"); err == nil {
		c.Vnstat.NetnsPath = "/proc/self/ns/net"
	}
	if err := CheckFiles(&c); err != nil || !slices.Equal(c.Alerts.NotifyURLs, []string{"ntfy://ntfy.sh/topic", "generic+https://example.net/hook"}) {
		t.Fatalf("CheckFiles = %v, URLs %q", err, c.Alerts.NotifyURLs)
	}
	plain := write("plain", "x", 0o644)
	for _, tt := range []struct {
		c    Config
		want string
	}{
		{Config{Vnstat: Vnstat{NetnsPath: plain}}, `invalid NETNS_PATH "` + plain + `" (not a namespace file)`},
		{Config{Alerts: Alerts{Command: plain}}, `invalid ALERT_COMMAND "` + plain + `" (not an executable file)`},
		{Config{Alerts: Alerts{Command: dir}}, `invalid ALERT_COMMAND "` + dir + `" (not an executable file)`},
		{Config{Alerts: Alerts{NotifyURLsFile: write("two", "ntfy://a/b ntfy://c/d\n", 0o600)}}, `(line 1 is not one URL)`},
		{Config{Alerts: Alerts{NotifyURLsFile: write("bare", "# x\nntfy.sh/topic\n", 0o600)}}, `(line 1 is not one URL)`},
	} {
		err := CheckFiles(&tt.c)
		var cerr *Error
		if !errors.As(err, &cerr) || !strings.Contains(err.Error(), tt.want) || cerr.Allowed == "" {
			t.Errorf("CheckFiles(%+v) = %v, want %q", tt.c, err, tt.want)
		}
	}
}

// TestWarnings: ALERT_AT without QUOTA is said at the start.
func TestWarnings(t *testing.T) {
	c, err := Load(env(map[string]string{"WEBHOOK_PATH": "/hook/s3cret", "NOTIFY_URLS": "ntfy://ntfy.sh/topic"}))
	if err != nil || len(c.Warnings) != 1 || !strings.HasPrefix(c.Warnings[0].Msg, "ALERT_AT needs QUOTA") {
		t.Errorf("warnings %+v, %v", c.Warnings, err)
	}
	c, err = Load(env(map[string]string{"WEBHOOK_PATH": "/hook/s3cret", "NOTIFY_URLS": "ntfy://ntfy.sh/topic", "QUOTA": "1TB"}))
	if err != nil || len(c.Warnings) != 0 {
		t.Errorf("with QUOTA: warnings %+v, %v", c.Warnings, err)
	}
}
