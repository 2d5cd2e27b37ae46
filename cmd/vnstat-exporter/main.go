// Command vnstat-exporter serves, over HTTP, how much traffic the host's
// network interfaces have received and sent since the current billing cycle
// began, as counted by vnstat.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/lmittmann/tint"
	"golang.org/x/sync/errgroup"

	"github.com/vnstat-exporter/vnstat-exporter/alert"
	"github.com/vnstat-exporter/vnstat-exporter/api"
	"github.com/vnstat-exporter/vnstat-exporter/config"
	"github.com/vnstat-exporter/vnstat-exporter/linksrc"
	"github.com/vnstat-exporter/vnstat-exporter/monitor"
	"github.com/vnstat-exporter/vnstat-exporter/store"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	// A log reader that goes away (`| logger`, s6-log restarting) must not
	// kill the daemon: with SIGPIPE ignored, writes to the closed pipe fail
	// and serving goes on.
	signal.Ignore(syscall.SIGPIPE)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run is the program; it returns the exit code: 0 after a clean shutdown,
// 1 when the service fails, 2 for bad usage or configuration.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "run-actions" {
		return runActions(ctx, args[1:], stdout, stderr)
	}
	// The subcommands take the same settings as the daemon: healthcheck
	// checks a running daemon's /health (exit 0 when healthy, 1 when not,
	// for container health checks), notify-test sends a test message,
	// calibrate tells the running daemon the provider's count, url prints
	// the webhook's URL on this host.
	name, sub := "vnstat-exporter", ""
	if len(args) > 0 && slices.Contains([]string{"healthcheck", "notify-test", "calibrate", "url"}, args[0]) {
		sub, args = args[0], args[1:]
		name += " " + sub
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	// Parse errors are one line and a hint; -h prints the settings.
	fs.SetOutput(io.Discard)
	// -env-file reads the settings as systemd's EnvironmentFile= does; its
	// values win over the environment (as under systemd, where the
	// caller's environment does not reach the service), a flag over both.
	var fileVars map[string]string
	lookup := config.Flags(fs, func(k string) string {
		if v, ok := fileVars[k]; ok {
			return v
		}
		return getenv(k)
	})
	envFile := fs.String("env-file", "", "read the settings from this file, in the syntax of systemd's EnvironmentFile= (the packages' /etc/vnstat-exporter/vnstat-exporter.env); its values win over the environment")
	showVersion := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprintf(stderr, "Usage of %s (each flag overrides the environment variable named in it):\n", name)
			fs.PrintDefaults()
			fmt.Fprintln(stderr, "Subcommands, with the same settings: url (prints the webhook's URL on this host), healthcheck, notify-test, calibrate SIZE; and run-actions -h (the root runner).")
			return 0
		}
		fmt.Fprintf(stderr, "vnstat-exporter: %v (run %s -h for the settings)\n", err, name)
		return 2
	}
	if err := config.EmptyFlags(fs); err != nil {
		fmt.Fprintln(stderr, "vnstat-exporter:", err)
		return 2
	}
	if *showVersion {
		fmt.Fprintln(stdout, "vnstat-exporter", version)
		return 0
	}
	if *envFile != "" {
		vars, err := config.ReadEnvFile(*envFile)
		if err != nil {
			fmt.Fprintf(stderr, "vnstat-exporter: -env-file %s: %v\n", *envFile, err)
			return 2
		}
		fileVars = vars
	}
	wantArgs := 0
	if sub == "calibrate" {
		wantArgs = 1
	}
	switch {
	case fs.NArg() > wantArgs:
		fmt.Fprintf(stderr, "vnstat-exporter: unexpected argument %q\n", fs.Arg(wantArgs))
		return 2
	case fs.NArg() < wantArgs:
		fmt.Fprintln(stderr, "vnstat-exporter: calibrate needs the usage the provider shows, such as: vnstat-exporter calibrate 412.5GB")
		return 2
	}
	cfg, err := config.Load(lookup)
	if err != nil {
		fmt.Fprintln(stderr, "vnstat-exporter:", err)
		return 2
	}

	if clash := api.CheckPaths(cfg.WebhookPath, cfg.MetricsPath); clash != nil {
		path := cfg.WebhookPath
		if clash.Var == "METRICS_PATH" {
			path = cfg.MetricsPath
		}
		fmt.Fprintln(stderr, "vnstat-exporter:", config.Disallow(clash.Var, path, clash.Allowed))
		return 2
	}
	switch sub {
	case "url":
		// The webhook's URL on this host, on a line of its own, for
		// curl "$(sudo vnstat-exporter url -env-file ...)".
		fmt.Fprintln(stdout, cfg.LocalURL(cfg.WebhookPath))
		return 0
	case "healthcheck":
		return checkHealth(ctx, cfg.LocalURL(api.HealthPath), stdout, stderr)
	case "calibrate":
		return calibrate(ctx, cfg.LocalURL(cfg.WebhookPath+api.CalibratePath), fs.Arg(0), stdout, stderr)
	}
	if err := config.CheckFiles(&cfg); err != nil {
		fmt.Fprintln(stderr, "vnstat-exporter:", err)
		return 2
	}
	channels, err := notifyChannels(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "vnstat-exporter:", err)
		return 2
	}
	if sub == "notify-test" {
		return notifyTest(ctx, channels, cfg.NotifyLang, stdout, stderr)
	}
	// STATE_DIR keeps the alerts' state, which must be kept, and the
	// calibration, which goes without it.
	dir, err := store.Open(cfg.StateDir, nil)
	if err != nil && cfg.Alerts() {
		fmt.Fprintln(stderr, "vnstat-exporter:", config.Refuse("STATE_DIR", cfg.StateDir, err))
		return 2
	}

	if err == nil && cfg.Alerts() {
		// Two daemons on one STATE_DIR would both send every message
		// and spool every action.
		if err := dir.Lock(); err != nil {
			fmt.Fprintln(stderr, "vnstat-exporter:", config.RefuseFor("STATE_DIR", cfg.StateDir, err,
				"a directory that no other running vnstat-exporter uses: stop the other one, or give each its own STATE_DIR"))
			return 2
		}
	}
	logger := newLogger(cfg, stderr)
	if err != nil {
		logger.Info("calibration off: no writable state directory", "state_dir", cfg.StateDir, "err", err)
	}
	if err := serve(ctx, cfg, logger, dir, channels); err != nil {
		logger.Error("exiting", "err", err)
		return 1
	}
	return 0
}

// serve runs the daemon. dir is the state directory, nil when it cannot
// be written (there are then no alerts, and no calibration).
func serve(ctx context.Context, cfg config.Config, logger *slog.Logger, dir *store.Dir, channels []*alert.Channel) error {
	logger.Info("starting vnstat-exporter", "version", version, "config", cfg)
	for _, w := range cfg.Warnings {
		if w.Problem == "" {
			logger.Warn(w.Msg)
		} else {
			logger.Warn(w.Msg, "problem", w.Problem)
		}
	}

	// Listen first, so that a port in use ends the program at once.
	ln, err := net.Listen("tcp", cfg.Addr())
	if err != nil {
		return fmt.Errorf("listening: %w", err)
	}

	links, err := linksrc.NewLister(cfg.NetnsPath)
	if err != nil {
		return err
	}
	defer links.Close()

	var calibration *monitor.Calibration
	if dir != nil {
		if calibration, err = dir.Calibration(); err != nil {
			logger.Error("calibration unreadable; ignoring it", "err", err)
		} else if c := calibration; c != nil {
			logger.Info("calibration loaded", "cycle_start", c.Cycle.Format(monitor.DateFormat), "offset_bytes", c.OffsetBytes,
				"set_at", c.SetAt, "source", c.Source)
		}
	}

	db, vc, staleAfter := openVnstat(cfg)
	logger.Info("reading vnstat's database", "database", db.Path(), "live", cfg.Live, "stale_after", staleAfter,
		"daily_days", vc.DailyDays, "trafficless_entries", vc.TrafficlessEntries, "use_utc", vc.UseUTC,
		"save_interval", vc.SaveInterval, "update_interval", vc.UpdateInterval, "vnstatd_poll_interval", vc.PollInterval, "max_bandwidth_mbit", vc.MaxBandwidth, "bandwidth_detection", vc.BandwidthDetection)
	boot, _ := vnstatsrc.BootTime() // zero when not known: every save is taken as this boot's
	poller := monitor.NewPoller(monitor.PollerConfig{
		StartDay:   cfg.StartDay,
		Interfaces: cfg.Interfaces,
		Interval:   cfg.PollInterval,
		Quota: monitor.Quota{
			Limit:       cfg.Quota,
			Mode:        cfg.BillingMode,
			Offset:      cfg.UsedOffset,
			OffsetCycle: cfg.UsedOffsetCycle,
			Calibration: calibration,
		},
		Vnstat:         vc,
		Live:           cfg.Live,
		SampleInterval: time.Second,
		StaleAfter:     staleAfter,
		BootTime:       boot,
	}, db, links, nil, logger.With("component", "poller"))
	watcher := linksrc.NewWatcher(cfg.NetnsPath, links, poller.Trigger, poller.Matters, 500*time.Millisecond, logger.With("component", "links"))
	host, _ := os.Hostname()
	apiCfg := api.Config{
		WebhookPath:  cfg.WebhookPath,
		MetricsPath:  cfg.MetricsPath,
		PollInterval: cfg.PollInterval,
		Version:      version,
		Thresholds:   cfg.AlertAt,
		Host:         host,
	}
	if dir != nil {
		apiCfg.ParseSize = config.ParseSize
		apiCfg.Calibrate = func(c monitor.Calibration) error {
			if err := dir.KeepCalibration(c); err != nil {
				return err
			}
			poller.Calibrate(c)
			return nil
		}
	}
	var engine *alert.Engine
	if cfg.Alerts() {
		engine = alert.NewEngine(alert.Config{
			Rules: alert.Rules{
				Thresholds:   cfg.AlertAt,
				Grace:        cfg.ProblemGrace,
				SummaryAfter: cfg.SummaryAfter,
				ReportAt:     cfg.ReportAt,
				Interval:     cfg.PollInterval,
			},
			Host:           host,
			Lang:           cfg.NotifyLang,
			Channels:       channels,
			Command:        cfg.AlertCommand,
			CommandTimeout: cfg.AlertCommandTimeout,
			Spool:          cfg.RootActions,
		}, poller, dir, nil, logger.With("component", "alerts"))
		apiCfg.Alerts = func() any { return engine.Status() }
		names := make([]string, len(channels))
		for i, ch := range channels {
			names[i] = ch.Name
		}
		logger.Info("alerts on", "channels", names, "alert_command", cfg.AlertCommand != "", "root_actions", cfg.RootActions, "state_dir", dir.Path())
	}
	handler := api.NewHandler(poller, apiCfg, nil, logger.With("component", "api"))
	server := api.NewServer(ln, handler, cfg.MaxConnections, logger.With("component", "http"))

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return reloadOnHUP(ctx, hup, cfg, poller, logger) })
	g.Go(func() error { return poller.Run(ctx) })
	g.Go(func() error { return server.Run(ctx) })
	g.Go(func() error { return watcher.Run(ctx) })
	if engine != nil {
		g.Go(func() error { return engine.Run(ctx) })
	}
	err = g.Wait()
	logger.Info("stopped")
	return err
}

// reloadOnHUP reads vnstat's config again, and has the poller poll at
// once, at each signal on hup, until ctx ends.
func reloadOnHUP(ctx context.Context, hup <-chan os.Signal, cfg config.Config, poller *monitor.Poller, logger *slog.Logger) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			db, vc, staleAfter := openVnstat(cfg)
			logger.Info("SIGHUP: reading vnstat's config again", "database", db.Path())
			poller.Reload(monitor.Reload{Vnstat: db, Config: vc, StaleAfter: staleAfter})
		}
	}
}

// openVnstat opens vnstat's database as the configuration and vnstat's
// own config file say, and returns the stall threshold.
func openVnstat(cfg config.Config) (*vnstatsrc.Database, vnstatsrc.Config, time.Duration) {
	db, vc := vnstatsrc.Open(vnstatsrc.Options{ConfigPath: cfg.VnstatConfig, DBDir: cfg.VnstatDBDir})
	staleAfter := cfg.VnstatStaleAfter
	if staleAfter == config.AutoStaleAfter {
		staleAfter = vc.StaleAfter()
	}
	return db, vc, staleAfter
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

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: cfg.LogLevel}))
	}
	return slog.New(tint.NewTextHandler(w, &tint.Options{Level: cfg.LogLevel, NoColor: !isTerminal(w)}))
}

// isTerminal reports whether w is a character device, where colour helps.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
