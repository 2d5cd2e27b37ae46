package vnstatsrc

import (
	"context"
	"log/slog"
	"time"
)

// Client reads vnstat's database through the vnstat command.
type Client struct {
	bin    string
	dbdir  string
	config string
	runner Runner
	logger *slog.Logger
}

// NewClient returns a Client that runs bin (a name looked up in PATH, or a
// path) through runner, passing dbdir as --dbdir when it is not empty. A nil
// logger discards.
func NewClient(bin, dbdir string, runner Runner, logger *slog.Logger) *Client {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Client{bin: bin, dbdir: dbdir, runner: runner, logger: logger}
}

// WithConfig makes vnstat read the config file at path (--config) and
// returns c.
func (c *Client) WithConfig(path string) *Client {
	c.config = path
	return c
}

// DailyArgv is the command line that prints the daily rows from begin (a
// civil date) on.
func (c *Client) DailyArgv(begin time.Time) []string {
	argv := []string{c.bin, "--json", "d", "--begin", begin.Format(time.DateOnly)}
	if c.config != "" {
		argv = append(argv, "--config", c.config)
	}
	if c.dbdir != "" {
		argv = append(argv, "--dbdir", c.dbdir)
	}
	return argv
}

// Daily runs vnstat once and returns every interface of its database with
// its daily rows from begin on.
func (c *Client) Daily(ctx context.Context, begin time.Time) (*Report, error) {
	argv := c.DailyArgv(begin)
	start := time.Now()
	out, err := c.runner.Run(ctx, argv)
	c.logger.Debug("ran vnstat", "argv", argv, "bytes", len(out), "took", time.Since(start), "err", err)
	if err != nil {
		return nil, err
	}
	return Parse(out)
}
