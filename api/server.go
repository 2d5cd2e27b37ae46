package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"
)

// Server is the HTTP server task.
type Server struct {
	conns   *connLimiter // the listener, as the server sees it
	handler http.Handler
	logger  *slog.Logger
}

// NewServer returns a Server that serves handler on ln, at most maxConns
// connections at once (at the cap, a new connection closes an idle
// keep-alive one). A nil logger discards.
func NewServer(ln net.Listener, handler http.Handler, maxConns int, logger *slog.Logger) *Server {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Server{conns: newConnLimiter(ln, maxConns), handler: handler, logger: logger}
}

// shutdownGrace is how long Run waits for busy connections at shutdown
// before closing them: short enough that the process exits within 5 s of
// SIGTERM.
const shutdownGrace = 4 * time.Second

// Run serves until ctx is cancelled, then shuts down gracefully within
// shutdownGrace and returns nil.
func (s *Server) Run(ctx context.Context) error {
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    8 << 10,
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
		ConnState:         s.conns.track,
	}
	// The listener's deadlines hold until Run returns, through the
	// shutdown's grace.
	sweepCtx, stopSweep := context.WithCancel(context.Background())
	defer stopSweep()
	go s.conns.sweep(sweepCtx)
	errc := make(chan error, 1)
	go func() {
		s.logger.Info("serving http", "addr", s.conns.Addr().String(), "max_connections", s.conns.max)
		errc <- srv.Serve(s.conns)
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serving http: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		// Connections still busy after the grace are closed hard.
		_ = srv.Close()
		s.logger.Warn("closed connections still busy at shutdown", "err", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serving http: %w", err)
	}
	return nil
}
