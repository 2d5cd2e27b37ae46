package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/lmittmann/tint"
	"golang.org/x/sync/errgroup"

	"github.com/vnstat-exporter/vnstat-exporter/alert"
	"github.com/vnstat-exporter/vnstat-exporter/api"
	"github.com/vnstat-exporter/vnstat-exporter/billing"
	"github.com/vnstat-exporter/vnstat-exporter/bot"
	"github.com/vnstat-exporter/vnstat-exporter/config"
	"github.com/vnstat-exporter/vnstat-exporter/linksrc"
	"github.com/vnstat-exporter/vnstat-exporter/monitor"
	"github.com/vnstat-exporter/vnstat-exporter/store"
	"github.com/vnstat-exporter/vnstat-exporter/vnstatsrc"
)

// The poller is the state the HTTP server and the alerts read.
var (
	_ api.StateSource   = (*monitor.Poller)(nil)
	_ alert.StateSource = (*monitor.Poller)(nil)
)

// Main is the daemon: Open wires its parts from the configuration (the
// only place that knows them all), Run serves until its context ends, and
// Close releases what Open took.
type Main struct {
	Config   config.Config
	Logger   *slog.Logger
	Dir      *store.Dir // STATE_DIR; nil when it cannot be written: no alerts, no calibration
	Channels []*alert.Channel

	ln      net.Listener
	links   *linksrc.Lister
	poller  *monitor.Poller
	watcher *linksrc.Watcher
	server  *api.Server
	engine  *alert.Engine // nil without alerts
	// Bot is the Telegram bot's token and chats, nil without the bot;
	// bot the bot.
	Bot *bot.Config
	bot *bot.Bot
}

// Open listens (first, so that a port in use ends the program at once),
// opens the links and vnstat's database, and builds the poller, the
// watcher, the HTTP server and, with alerts, the engine.
func (m *Main) Open() error {
	cfg, logger := m.Config, m.Logger
	logger.Info("starting vnstat-exporter", "version", version, "config", cfg)
	for _, w := range cfg.Warnings {
		if w.Problem == "" {
			logger.Warn(w.Msg)
		} else {
			logger.Warn(w.Msg, "problem", w.Problem)
		}
	}
	var err error
	if m.ln, err = net.Listen("tcp", cfg.HTTP.Addr()); err != nil {
		return fmt.Errorf("listening: %w", err)
	}
	if m.links, err = linksrc.NewLister(cfg.Vnstat.NetnsPath); err != nil {
		return err
	}
	m.poller = m.newPoller()
	m.watcher = linksrc.NewWatcher(cfg.Vnstat.NetnsPath, m.links, m.poller.Trigger, m.poller.Matters, 500*time.Millisecond, logger.With("component", "links"))
	host, _ := os.Hostname()
	apiCfg := api.Config{
		HTTP:         cfg.HTTP,
		PollInterval: cfg.Vnstat.PollInterval,
		Version:      version,
		Thresholds:   cfg.Alerts.At,
		Host:         host,
	}
	if m.Dir != nil {
		apiCfg.Calibrate = func(c billing.Calibration) error {
			if err := m.Dir.KeepCalibration(c); err != nil {
				return err
			}
			m.poller.Calibrate(c)
			return nil
		}
	}
	if cfg.Alerts.On() {
		m.engine = m.newEngine(host)
		apiCfg.Alerts = func() any { return m.engine.Status() }
	}
	if m.Bot != nil {
		bc := *m.Bot
		bc.Lang, bc.Host, bc.Interval, bc.Dir = cfg.Alerts.Lang, host, cfg.Vnstat.PollInterval, m.Dir
		m.bot = bot.New(bc, m.poller, logger.With("component", "telegram"))
		apiCfg.Bot = func() any { return m.bot.Status() }
		logger.Info("telegram bot on", "chats", bc.Allow)
	}
	handler := api.NewHandler(m.poller, apiCfg, nil, logger.With("component", "api"))
	m.server = api.NewServer(m.ln, handler, cfg.HTTP.MaxConnections, logger.With("component", "http"))
	return nil
}

// newPoller opens vnstat's database and makes the poller, with the
// calibration kept in STATE_DIR.
func (m *Main) newPoller() *monitor.Poller {
	cfg, logger := m.Config, m.Logger
	var calibration *billing.Calibration
	if m.Dir != nil {
		var err error
		if calibration, err = m.Dir.Calibration(); err != nil {
			logger.Error("calibration unreadable; ignoring it", "err", err)
		} else if c := calibration; c != nil {
			logger.Info("calibration loaded", "cycle_start", c.Cycle.Format(billing.DateFormat), "offset_bytes", c.OffsetBytes,
				"set_at", c.SetAt, "source", c.Source)
		}
	}
	db, vc, staleAfter := openVnstat(cfg.Vnstat)
	logger.Info("reading vnstat's database", "database", db.Path(), "live", cfg.Vnstat.Live, "stale_after", staleAfter,
		"daily_days", vc.DailyDays, "trafficless_entries", vc.TrafficlessEntries, "use_utc", vc.UseUTC,
		"save_interval", vc.SaveInterval, "update_interval", vc.UpdateInterval, "vnstatd_poll_interval", vc.PollInterval, "max_bandwidth_mbit", vc.MaxBandwidth, "bandwidth_detection", vc.BandwidthDetection)
	boot, _ := vnstatsrc.BootTime() // zero when not known: every save is taken as this boot's
	return monitor.NewPoller(monitor.PollerConfig{
		StartDay:       cfg.Billing.StartDay,
		Interfaces:     cfg.Vnstat.Interfaces,
		Interval:       cfg.Vnstat.PollInterval,
		Quota:          cfg.Billing.With(calibration),
		Vnstat:         vc,
		Live:           cfg.Vnstat.Live,
		SampleInterval: time.Second,
		StaleAfter:     staleAfter,
		BootTime:       boot,
	}, db, m.links, nil, logger.With("component", "poller"))
}

// newEngine makes the alert engine over the poller.
func (m *Main) newEngine(host string) *alert.Engine {
	cfg := m.Config
	engine := alert.NewEngine(alert.Config{
		Alerts:   cfg.Alerts,
		Interval: cfg.Vnstat.PollInterval,
		Host:     host,
		Channels: m.Channels,
	}, m.poller, m.Dir, nil, m.Logger.With("component", "alerts"))
	names := make([]string, len(m.Channels))
	for i, ch := range m.Channels {
		names[i] = ch.Name
	}
	m.Logger.Info("alerts on", "channels", names, "alert_command", cfg.Alerts.Command != "", "root_actions", cfg.Alerts.RootActions, "state_dir", m.Dir.Path())
	return engine
}

// Run serves until ctx ends or a part fails, reading vnstat's config
// again at each SIGHUP.
func (m *Main) Run(ctx context.Context) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)

	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return reloadOnHUP(ctx, hup, m.Config.Vnstat, m.poller, m.Logger) })
	g.Go(func() error { return m.poller.Run(ctx) })
	g.Go(func() error { return m.server.Run(ctx) })
	g.Go(func() error { return m.watcher.Run(ctx) })
	if m.engine != nil {
		g.Go(func() error { return m.engine.Run(ctx) })
	}
	if m.bot != nil {
		g.Go(func() error { return m.bot.Run(ctx) })
	}
	err := g.Wait()
	m.Logger.Info("stopped")
	return err
}

// Close releases what Open took.
func (m *Main) Close() {
	if m.ln != nil {
		_ = m.ln.Close() // already closed when Run has ended
	}
	if m.links != nil {
		m.links.Close()
	}
}

// reloadOnHUP reads vnstat's config again, and has the poller poll at
// once, at each signal on hup, until ctx ends.
func reloadOnHUP(ctx context.Context, hup <-chan os.Signal, cfg config.Vnstat, poller *monitor.Poller, logger *slog.Logger) error {
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
func openVnstat(cfg config.Vnstat) (*vnstatsrc.Database, vnstatsrc.Config, time.Duration) {
	db, vc := vnstatsrc.Open(vnstatsrc.Options{ConfigPath: cfg.ConfigFile, DBDir: cfg.DBDir})
	staleAfter := cfg.StaleAfter
	if staleAfter == config.AutoStaleAfter {
		staleAfter = vc.StaleAfter()
	}
	return db, vc, staleAfter
}

func newLogger(cfg config.Log, w io.Writer) *slog.Logger {
	if cfg.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: cfg.Level}))
	}
	return slog.New(tint.NewTextHandler(w, &tint.Options{Level: cfg.Level, NoColor: !isTerminal(w)}))
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
