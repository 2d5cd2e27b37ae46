package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/alert"
	"github.com/vnstat-exporter/vnstat-exporter/config"
)

// notifyChannels makes the channels of the notification URLs (read from
// NOTIFY_URLS_FILE by config.CheckFiles when it is set), each checked by
// its service's parser.
func notifyChannels(cfg config.Config) ([]*alert.Channel, error) {
	chs, err := alert.Channels(cfg.Alerts.NotifyURLs)
	if err != nil {
		if cfg.Alerts.NotifyURLsFile != "" {
			return nil, config.Refuse("NOTIFY_URLS_FILE", cfg.Alerts.NotifyURLsFile, err)
		}
		return nil, config.Refuse("NOTIFY_URLS", "", err)
	}
	return chs, nil
}

// notifyTest sends one test message to every channel and prints, per
// service, sent or why not; 0 only if all were sent.
func notifyTest(ctx context.Context, chs []*alert.Channel, lang string, stdout, stderr io.Writer) int {
	if len(chs) == 0 {
		fmt.Fprintln(stderr, "vnstat-exporter: no notification URLs: set NOTIFY_URLS or NOTIFY_URLS_FILE")
		return 2
	}
	host, _ := os.Hostname()
	n := alert.Notify(alert.Event{Kind: alert.Test, At: time.Now()}, host, lang)
	code := 0
	for _, ch := range chs {
		if err := ch.Send(ctx, n); err != nil {
			fmt.Fprintln(stdout, "failed:", err)
			code = 1
			continue
		}
		fmt.Fprintf(stdout, "%s: sent\n", ch.Name)
	}
	return code
}

// calibrate POSTs the provider's count to the running daemon and prints
// its answer; 0 when it was taken.
func calibrate(ctx context.Context, endpoint, used string, stdout, stderr io.Writer) int {
	_, err := config.ParseSize(used)
	if err == nil && strings.TrimSpace(used) == "" {
		err = errors.New("empty")
	}
	if err != nil {
		fmt.Fprintf(stderr, "vnstat-exporter: invalid usage %.40q (%v): allowed: a size as for QUOTA, such as 123456789, 412.5GB or 1.2TiB, up to 1 PiB\n", used, err)
		return 2
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	form := url.Values{"used": {used}, "source": {"command"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		fmt.Fprintln(stderr, "calibrate:", err)
		return 1
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return askDaemon(req, "calibrate: is the daemon running?", stdout, stderr)
}

// askDaemon sends req to the local daemon and prints the answer's status
// and body; it returns 0 for a 200, else 1. An error is printed after
// prefix, without the URL, which may hold the secret path.
func askDaemon(req *http.Request, prefix string, stdout, stderr io.Writer) int {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		fmt.Fprintln(stderr, prefix, err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	fmt.Fprintf(stdout, "%d %s", resp.StatusCode, body)
	if resp.StatusCode != http.StatusOK {
		return 1
	}
	return 0
}

// checkedChannels checks the files the settings name (reading
// NOTIFY_URLS_FILE into cfg) and makes the notification channels; code is
// 2 when they are refused, else -1.
func checkedChannels(cfg *config.Config, stderr io.Writer) (chs []*alert.Channel, code int) {
	if err := config.CheckFiles(cfg); err != nil {
		fmt.Fprintln(stderr, "vnstat-exporter:", err)
		return nil, 2
	}
	chs, err := notifyChannels(*cfg)
	if err != nil {
		fmt.Fprintln(stderr, "vnstat-exporter:", err)
		return nil, 2
	}
	return chs, -1
}

// notifyTestCommand is `notify-test`: a test message to every channel.
func notifyTestCommand(ctx context.Context, in invocation) int {
	channels, code := checkedChannels(&in.cfg, in.stderr)
	if code >= 0 {
		return code
	}
	return notifyTest(ctx, channels, in.cfg.Alerts.Lang, in.stdout, in.stderr)
}

// checkHealth is the container health check: it GETs the local /health
// and returns 0 when it answers 200, 1 otherwise, printing the answer.
func checkHealth(ctx context.Context, url string, stdout, stderr io.Writer) int {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintln(stderr, "healthcheck:", err)
		return 1
	}
	return askDaemon(req, "healthcheck:", stdout, stderr)
}
