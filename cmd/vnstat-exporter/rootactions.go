package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/vnstat-exporter/vnstat-exporter/actions"
	"github.com/vnstat-exporter/vnstat-exporter/config"
)

// runActions is the root side of ROOT_ACTIONS, run by
// vnstat-exporter-actions.service: it runs the owner's script once for
// each event in the spool.
func runActions(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "init" {
		return initSettings(args[1:], stdout, stderr)
	}
	lift := len(args) > 0 && args[0] == "lift"
	if lift {
		args = args[1:]
	}
	fs := flag.NewFlagSet("vnstat-exporter run-actions", flag.ContinueOnError)
	fs.SetOutput(stderr)
	spool := fs.String("spool", "/var/lib/vnstat-exporter/"+actions.SpoolDir, "the daemon's spool directory, STATE_DIR/actions")
	ledger := fs.String("ledger", "/var/lib/vnstat-exporter-actions/done", "file of the events already run, in a directory of root's (not in STATE_DIR)")
	settings := fs.String("settings", actions.SettingsFile, "root's settings for the actions (START_DAY, INTERFACES, the script's own), root's file, 0644 or stricter")
	timeout := fs.Duration("timeout", 5*time.Minute, "time the script may run for one event")
	owner := fs.String("owner", "", "the daemon's user (name or ID) that the spool must belong to; default: the owner of the spool's parent directory, which must not be root")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: vnstat-exporter run-actions [-spool DIR] [-ledger FILE] [-settings FILE] [-owner USER] [-timeout D] SCRIPT")
		fmt.Fprintln(stderr, "       vnstat-exporter run-actions lift [-settings FILE] [-timeout D] SCRIPT   (runs SCRIPT with the event lift)")
		fmt.Fprintln(stderr, "       vnstat-exporter run-actions init [-env-file FILE] [-settings FILE]   (writes -settings from the daemon's settings)")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	if err := config.Executable(fs.Arg(0)); err != nil {
		fmt.Fprintf(stderr, "vnstat-exporter run-actions: script %q (%v): allowed: an executable file\n", fs.Arg(0), err)
		return 2
	}
	s, err := actions.LoadSettings(*settings)
	if err != nil {
		fmt.Fprintf(stderr, "vnstat-exporter run-actions: -settings: %v\n", err)
		return 2
	}
	uid := -1
	if *owner != "" {
		var err error
		if uid, err = actions.UserID(*owner); err != nil {
			fmt.Fprintf(stderr, "vnstat-exporter run-actions: -owner %q: %v\n", *owner, err)
			return 2
		}
	}
	r := &actions.Runner{Spool: *spool, Owner: uid, Ledger: *ledger, Script: fs.Arg(0), Settings: s, Timeout: *timeout,
		Logger: slog.New(slog.NewTextHandler(stdout, nil))}
	if lift {
		if err := r.Lift(ctx); err != nil {
			return 1
		}
		return 0
	}
	if err := r.Run(ctx); err != nil {
		fmt.Fprintln(stderr, "vnstat-exporter run-actions:", err)
		return 1
	}
	return 0
}

// initSettings is `run-actions init`: it writes root's settings for the
// actions (actions.Settings) from the daemon's env file, START_DAY and
// INTERFACES as the daemon reads them, unless the file is there already.
// The packages and install.sh run it on the first install.
func initSettings(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("vnstat-exporter run-actions init", flag.ContinueOnError)
	fs.SetOutput(stderr)
	envFile := fs.String("env-file", "/etc/vnstat-exporter/vnstat-exporter.env", "the daemon's settings")
	settings := fs.String("settings", actions.SettingsFile, "root's settings for the actions, to write")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	vars, err := config.ReadEnvFile(*envFile)
	if err != nil {
		fmt.Fprintf(stderr, "vnstat-exporter run-actions init: -env-file %s: %v\n", *envFile, err)
		return 2
	}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		fmt.Fprintf(stderr, "vnstat-exporter run-actions init: %s: %v\n", *envFile, err)
		return 2
	}
	wrote, err := actions.WriteSettings(*settings, cfg.Billing.StartDay, cfg.Vnstat.Interfaces)
	switch {
	case err != nil:
		fmt.Fprintf(stderr, "vnstat-exporter run-actions init: %v\n", err)
		return 1
	case !wrote:
		fmt.Fprintf(stdout, "vnstat-exporter: keeping the existing %s\n", *settings)
	case len(cfg.Vnstat.Interfaces) == 0:
		fmt.Fprintf(stdout, "vnstat-exporter: wrote %s with START_DAY=%d; the daemon finds its interfaces itself, so set INTERFACES there to them before enabling the root actions\n", *settings, cfg.Billing.StartDay)
	default:
		fmt.Fprintf(stdout, "vnstat-exporter: wrote %s with START_DAY=%d and INTERFACES=%s\n", *settings, cfg.Billing.StartDay, strings.Join(cfg.Vnstat.Interfaces, ","))
	}
	return 0
}
