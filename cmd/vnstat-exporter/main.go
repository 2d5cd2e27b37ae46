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
	"os"
	"os/signal"
	"syscall"

	"github.com/vnstat-exporter/vnstat-exporter/alert"
	"github.com/vnstat-exporter/vnstat-exporter/api"
	"github.com/vnstat-exporter/vnstat-exporter/bot"
	"github.com/vnstat-exporter/vnstat-exporter/config"
	"github.com/vnstat-exporter/vnstat-exporter/store"
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

// invocation is a command as run: its settings, its arguments after the
// flags, and where it writes.
type invocation struct {
	cfg            config.Config
	args           []string
	stdout, stderr io.Writer
}

// command is a subcommand that takes the daemon's settings.
type command struct {
	// args is how many arguments follow the flags; missing says what to
	// give when they are missing.
	args    int
	missing string
	run     func(ctx context.Context, in invocation) int
}

// commands are the daemon ("") and the subcommands that take its
// settings: url prints the webhook's URL on this host, healthcheck checks
// a running daemon's /health (exit 0 when healthy, 1 when not, for
// container health checks), calibrate tells the running daemon the
// provider's count, notify-test sends a test message.
var commands = map[string]command{
	"":    {run: daemonCommand},
	"url": {run: urlCommand},
	"healthcheck": {run: func(ctx context.Context, in invocation) int {
		return checkHealth(ctx, in.cfg.HTTP.LocalURL(api.HealthPath), in.stdout, in.stderr)
	}},
	"calibrate": {args: 1, missing: "calibrate needs the usage the provider shows, such as: vnstat-exporter calibrate 412.5GB",
		run: func(ctx context.Context, in invocation) int {
			return calibrate(ctx, in.cfg.HTTP.LocalURL(in.cfg.HTTP.WebhookPath+api.CalibratePath), in.args[0], in.stdout, in.stderr)
		}},
	"notify-test": {run: notifyTestCommand},
}

// run is the program; it returns the exit code: 0 after a clean shutdown,
// 1 when the service fails, 2 for bad usage or configuration.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "run-actions" {
		return runActions(ctx, args[1:], stdout, stderr)
	}
	name, cmd := "vnstat-exporter", commands[""]
	if len(args) > 0 && args[0] != "" {
		if c, ok := commands[args[0]]; ok {
			name, cmd, args = name+" "+args[0], c, args[1:]
		}
	}
	in := invocation{stdout: stdout, stderr: stderr}
	var code int
	if in.cfg, in.args, code = settings(name, cmd, args, getenv, stdout, stderr); code >= 0 {
		return code
	}
	return cmd.run(ctx, in)
}

// settings parses cmd's flags and arguments, reads -env-file, and loads
// and checks the configuration. It returns an exit code (0 for -h and
// -version, 2 for bad usage or configuration), or -1 to go on.
func settings(name string, cmd command, args []string, getenv func(string) string, stdout, stderr io.Writer) (config.Config, []string, int) {
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
	fail := func(format string, a ...any) (config.Config, []string, int) {
		fmt.Fprintf(stderr, "vnstat-exporter: "+format+"\n", a...)
		return config.Config{}, nil, 2
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stderr)
			fmt.Fprintf(stderr, "Usage of %s (each flag overrides the environment variable named in it):\n", name)
			fs.PrintDefaults()
			fmt.Fprintln(stderr, "Subcommands, with the same settings: url (prints the webhook's URL on this host), healthcheck, notify-test, calibrate SIZE; and run-actions -h (the root runner).")
			return config.Config{}, nil, 0
		}
		return fail("%v (run %s -h for the settings)", err, name)
	}
	if err := config.EmptyFlags(fs); err != nil {
		return fail("%v", err)
	}
	if *showVersion {
		fmt.Fprintln(stdout, "vnstat-exporter", version)
		return config.Config{}, nil, 0
	}
	if *envFile != "" {
		vars, err := config.ReadEnvFile(*envFile)
		if err != nil {
			return fail("-env-file %s: %v", *envFile, err)
		}
		fileVars = vars
	}
	switch {
	case fs.NArg() > cmd.args:
		return fail("unexpected argument %q", fs.Arg(cmd.args))
	case fs.NArg() < cmd.args:
		return fail("%s", cmd.missing)
	}
	cfg, err := config.Load(lookup)
	if err != nil {
		return fail("%v", err)
	}
	if clash := api.CheckPaths(cfg.HTTP.WebhookPath, cfg.HTTP.MetricsPath); clash != nil {
		path := cfg.HTTP.WebhookPath
		if clash.Var == "METRICS_PATH" {
			path = cfg.HTTP.MetricsPath
		}
		return fail("%v", config.Disallow(clash.Var, path, clash.Allowed))
	}
	return cfg, fs.Args(), -1
}

// urlCommand prints the webhook's URL on this host, on a line of its own,
// for curl "$(sudo vnstat-exporter url -env-file ...)".
func urlCommand(_ context.Context, in invocation) int {
	fmt.Fprintln(in.stdout, in.cfg.HTTP.LocalURL(in.cfg.HTTP.WebhookPath))
	return 0
}

// telegramBot is the bot's token and the chats it answers: the first
// telegram:// URL's token, and TELEGRAM_ALLOW or else the URL's chats.
func telegramBot(a config.Alerts) (*bot.Config, error) {
	token, chats, err := alert.TelegramBot(a.NotifyURLs)
	allow := a.TelegramAllow
	if len(allow) == 0 {
		allow = chats
	}
	switch {
	case err != nil:
		return nil, config.Refuse("TELEGRAM_BOT", "true", err)
	case token == "":
		return nil, config.Refuse("TELEGRAM_BOT", "true", errors.New("no telegram:// URL in NOTIFY_URLS or NOTIFY_URLS_FILE"))
	case len(allow) == 0:
		return nil, config.Refuse("TELEGRAM_BOT", "true", errors.New("the telegram:// URL names no chat by its number (a @channel cannot be matched with a message); set TELEGRAM_ALLOW"))
	}
	return &bot.Config{Token: token, Allow: allow}, nil
}

// daemonCommand checks the files the settings name, opens STATE_DIR (kept
// by one daemon only, when it holds the alerts' state) and runs the
// daemon.
func daemonCommand(ctx context.Context, in invocation) int {
	cfg, stderr := in.cfg, in.stderr
	channels, code := checkedChannels(&cfg, stderr)
	if code >= 0 {
		return code
	}
	var botCfg *bot.Config
	if cfg.Alerts.TelegramBot {
		var err error
		if botCfg, err = telegramBot(cfg.Alerts); err != nil {
			fmt.Fprintln(stderr, "vnstat-exporter:", err)
			return 2
		}
	}
	// STATE_DIR keeps the alerts' state, which must be kept, and the
	// calibration, which goes without it.
	dir, err := store.Open(cfg.StateDir, nil)
	if err != nil && cfg.Alerts.On() {
		fmt.Fprintln(stderr, "vnstat-exporter:", config.Refuse("STATE_DIR", cfg.StateDir, err))
		return 2
	}
	if err == nil && cfg.Alerts.On() {
		// Two daemons on one STATE_DIR would both send every message
		// and spool every action.
		if err := dir.Lock(); err != nil {
			fmt.Fprintln(stderr, "vnstat-exporter:", config.RefuseFor("STATE_DIR", cfg.StateDir, err,
				"a directory that no other running vnstat-exporter uses: stop the other one, or give each its own STATE_DIR"))
			return 2
		}
	}
	m := &Main{Config: cfg, Logger: newLogger(cfg.Log, stderr), Channels: channels, Bot: botCfg}
	if err != nil {
		m.Logger.Info("calibration off: no writable state directory", "state_dir", cfg.StateDir, "err", err)
	} else {
		m.Dir = dir
	}
	err = m.Open()
	if err == nil {
		err = m.Run(ctx)
	}
	m.Close()
	if err != nil {
		m.Logger.Error("exiting", "err", err)
		return 1
	}
	return 0
}
