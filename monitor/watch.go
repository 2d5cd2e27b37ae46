package monitor

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// linkState is what of a link makes interface selection change.
type linkState struct {
	name   string
	up     bool
	master int
}

// LinkWatcher subscribes to netlink link updates and triggers a poll when a
// link appears, disappears, is renamed, enslaved or released, or goes up
// or down, debounced so that a burst of changes makes one poll.
type LinkWatcher struct {
	netnsPath string
	links     LinkLister
	trigger   func()
	debounce  time.Duration
	logger    *slog.Logger
}

// NewLinkWatcher returns a watcher of the links of the network namespace at
// netnsPath (empty: the process's own) that calls trigger at most once per
// debounce after changes. links gives the starting state. A nil logger
// discards.
func NewLinkWatcher(netnsPath string, links LinkLister, trigger func(), debounce time.Duration, logger *slog.Logger) *LinkWatcher {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &LinkWatcher{netnsPath: netnsPath, links: links, trigger: trigger, debounce: debounce, logger: logger}
}

// Run watches until ctx is cancelled, then returns nil. If the kernel
// refuses the subscription it logs why and returns nil: polling goes on.
func (w *LinkWatcher) Run(ctx context.Context) error {
	updates := make(chan netlink.LinkUpdate, 64)
	done := make(chan struct{})
	defer close(done)
	opts := netlink.LinkSubscribeOptions{
		ErrorCallback: func(err error) {
			if ctx.Err() == nil {
				w.logger.Warn("link updates failed", "err", err)
			}
		},
	}
	if w.netnsPath != "" {
		ns, err := netns.GetFromPath(w.netnsPath)
		if err != nil {
			w.logger.Warn("not watching links", "err", fmt.Errorf("opening network namespace %s: %w", w.netnsPath, err))
			return nil
		}
		defer ns.Close()
		opts.Namespace = &ns
	}
	if err := netlink.LinkSubscribeWithOptions(updates, done, opts); err != nil {
		w.logger.Warn("not watching links", "err", fmt.Errorf("subscribing to link updates: %w", err))
		return nil
	}
	known := make(map[int]linkState)
	if ls, err := w.links.Links(); err == nil {
		for _, l := range ls {
			known[l.Index] = linkState{name: l.Name, up: l.Up, master: l.MasterIndex}
		}
	}
	var fire <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case u, ok := <-updates:
			if !ok {
				w.logger.Warn("link updates stopped; polling goes on")
				return nil
			}
			if change := linkChange(known, u); change != "" {
				w.logger.Info("link changed", "change", change)
				if fire == nil {
					fire = time.After(w.debounce)
				}
			}
		case <-fire:
			fire = nil
			w.trigger()
		}
	}
}

// linkChange updates known with u and describes the change that matters
// to interface selection, or returns "" for none (counters, addresses).
func linkChange(known map[int]linkState, u netlink.LinkUpdate) string {
	a := u.Link.Attrs()
	old, had := known[a.Index]
	if u.Header.Type == unix.RTM_DELLINK {
		delete(known, a.Index)
		return a.Name + " removed"
	}
	now := linkState{name: a.Name, up: a.Flags&net.FlagUp != 0, master: a.MasterIndex}
	known[a.Index] = now
	switch {
	case !had:
		return a.Name + " added"
	case old.name != now.name:
		return old.name + " renamed to " + now.name
	case old.master != now.master && now.master == 0:
		return a.Name + " released from its master"
	case old.master != now.master:
		return fmt.Sprintf("%s enslaved to link %d", a.Name, now.master)
	case old.up != now.up && now.up:
		return a.Name + " up"
	case old.up != now.up:
		return a.Name + " down"
	}
	return ""
}
