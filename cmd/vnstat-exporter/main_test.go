package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRunRefusesBadConfig(t *testing.T) {
	notNetns := filepath.Join(t.TempDir(), "net")
	if err := os.WriteFile(notNetns, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string
	}{
		{"env", nil, map[string]string{"START_DAY": "0"}, `invalid START_DAY "0"`},
		{"flag", []string{"-port", "70000"}, nil, `invalid PORT "70000"`},
		{"log format", nil, map[string]string{"LOG_FORMAT": "xml"}, `invalid LOG_FORMAT "xml"`},
		{"stray argument", []string{"serve"}, nil, `unexpected argument "serve"`},
		{"unknown flag: one line and a hint", []string{"-nope"}, nil, "flag provided but not defined: -nope (run vnstat-exporter -h for the settings)"},
		{"empty webhook flag is not the default", []string{"-webhook-path="}, nil, "invalid WEBHOOK_PATH (value hidden, 0 bytes) (given as -webhook-path=)"},
		{"empty start day flag", []string{"-start-day="}, nil, `invalid START_DAY "" (given as -start-day=)`},
		{"NETNS_PATH not a namespace", nil, map[string]string{"NETNS_PATH": notNetns}, "invalid NETNS_PATH \"" + notNetns + "\" (not a namespace file)"},
		{"removed flag", []string{"-vnstat-bin", "vnstat"}, nil, "flag provided but not defined: -vnstat-bin"},
		{"webhook on /health", nil, map[string]string{"WEBHOOK_PATH": "/health"}, "invalid WEBHOOK_PATH (value hidden, 7 bytes): allowed: a path other than /health"},
		{"metrics on the webhook", nil, map[string]string{"WEBHOOK_PATH": "/hook/x", "METRICS_PATH": "/hook/x"}, "invalid METRICS_PATH (value hidden, 7 bytes)"},
		{"metrics on the detailed health", nil, map[string]string{"WEBHOOK_PATH": "/hook/x", "METRICS_PATH": "/hook/x/health"}, "invalid METRICS_PATH (value hidden, 14 bytes): allowed: a path other than /health, WEBHOOK_PATH, WEBHOOK_PATH/health, WEBHOOK_PATH/calibrate, WEBHOOK_PATH/dashboard and WEBHOOK_PATH/history"},
		{"metrics on the dashboard", nil, map[string]string{"WEBHOOK_PATH": "/hook/x", "METRICS_PATH": "/hook/x/dashboard"}, "invalid METRICS_PATH (value hidden, 17 bytes)"},
		{"metrics on the calibration", nil, map[string]string{"WEBHOOK_PATH": "/hook/x", "METRICS_PATH": "/hook/x/calibrate"}, "invalid METRICS_PATH (value hidden, 17 bytes)"},
		{"calibrate with two values", []string{"calibrate", "5GB", "6GB"}, nil, `unexpected argument "6GB"`},
		{"metrics on /health", nil, map[string]string{"METRICS_PATH": "/health"}, "invalid METRICS_PATH"},
		{"telegram bot without a telegram URL", nil, map[string]string{"TELEGRAM_BOT": "true", "NOTIFY_URLS": "ntfy://ntfy.sh/topic"},
			`invalid TELEGRAM_BOT "true" (no telegram:// URL in NOTIFY_URLS or NOTIFY_URLS_FILE)`},
		{"telegram bot for a channel by name", nil, map[string]string{"TELEGRAM_BOT": "true", "NOTIFY_URLS": "telegram://110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw@telegram?chats=@mychannel"},
			"the telegram:// URL names no chat by its number (a @channel cannot be matched with a message); set TELEGRAM_ALLOW"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tt.args, func(k string) string { return tt.env[k] }, &stdout, &stderr)
			if code != 2 {
				t.Errorf("exit code %d, want 2", code)
			}
			lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], tt.want) {
				t.Errorf("stderr %q, want one line containing %q", stderr.String(), tt.want)
			}
		})
	}
}

func TestRunVersionAndHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"-version"}, func(string) string { return "" }, &stdout, &stderr); code != 0 || !strings.HasPrefix(stdout.String(), "vnstat-exporter ") {
		t.Errorf("-version: code %d, stdout %q", code, stdout.String())
	}
	stdout.Reset()
	if code := run(context.Background(), []string{"-h"}, func(string) string { return "" }, &stdout, &stderr); code != 0 {
		t.Errorf("-h: code %d", code)
	}
	for _, want := range []string{"-start-day", "$START_DAY", "-webhook-path", "-poll-interval", `(default "5m")`} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("-h output lacks %q:\n%s", want, stderr.String())
		}
	}
}
