package config

import (
	"errors"
	"strings"
	"testing"
)

// FuzzLoad loads arbitrary values for a few settings at once: Load must
// never panic, a refusal is one *Error line naming a variable and never
// showing the webhook or metrics path, and an accepted configuration keeps
// every rule Load checks. Whether the paths clash with the server's routes
// is api.CheckPaths's to say, and FuzzCheckPaths's to check.
func FuzzLoad(f *testing.F) {
	f.Add("/webhook/x", "15", "8080", "5m", "eth0,wlo1", "500GB", "110GB", "2026-11-15", "/metrics")
	f.Add("", "", "", "", "", "", "", "", "")
	f.Add("/health", "0", "0", "0s", ",", "0", "-1", "2026-02-30", "/health")
	f.Add("/a/../b", "31", "65535", "1s", "abcdefghijklmnop", "1.5TiB", "1", "2027-02-28", "/a/../b")
	f.Add("/ab", "1", "80", "1m", "eth0", "1GB", "0", "", "/ab")
	f.Fuzz(func(t *testing.T, webhook, startDay, port, poll, ifaces, quota, offset, offsetCycle, metrics string) {
		vals := map[string]string{
			"WEBHOOK_PATH": webhook, "START_DAY": startDay, "PORT": port, "POLL_INTERVAL": poll,
			"INTERFACES": ifaces, "QUOTA": quota, "USED_OFFSET": offset, "USED_OFFSET_CYCLE": offsetCycle,
			"METRICS_PATH": metrics,
		}
		c, err := Load(func(k string) string { return vals[k] })
		if err != nil {
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("error %v is not an *Error", err)
			}
			msg := err.Error()
			if strings.Contains(msg, "\n") || !strings.Contains(msg, cerr.Var) {
				t.Fatalf("error %q is not one line naming %s", msg, cerr.Var)
			}
			for _, secret := range []string{webhook, metrics} {
				if len(secret) > 12 && strings.Contains(msg, secret) {
					t.Fatalf("error %q shows a path", msg)
				}
			}
			return
		}
		if !validWebhookPath(c.HTTP.WebhookPath) || c.Billing.StartDay < 1 || c.Billing.StartDay > 31 || c.HTTP.Port < 1 || c.HTTP.Port > 65535 ||
			c.Vnstat.PollInterval < 1e9 || c.HTTP.MetricsPath != "" && !validWebhookPath(c.HTTP.MetricsPath) ||
			quota != "" && c.Billing.Quota == 0 || c.Billing.UsedOffset > 0 && !isResetDay(c.Billing.UsedOffsetCycle, c.Billing.StartDay) {
			t.Fatalf("accepted an invalid configuration: %+v from %q", c, vals)
		}
		for _, i := range c.Vnstat.Interfaces {
			if !validIfname(i) {
				t.Fatalf("accepted interface %q", i)
			}
		}
	})
}
