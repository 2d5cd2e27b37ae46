package linksrc

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// linkState is what of a link makes interface selection change.
type linkState struct {
	name   string
	up     bool
	master int
	// physical: a NIC (a parent bus device) or a bond, a link the
	// automatic choice may take.
	physical bool
}

// Watcher subscribes to netlink link updates and triggers a poll when a
// link that can change the answer appears, disappears, is renamed,
// enslaved or released, or goes up or down, debounced so that a burst of
// changes makes one poll. A link can change the answer when it is a
// physical NIC or a bond, or when relevant says so of its name (a name in
// INTERFACES, or one reported now); changes of other links (the veths of
// containers coming and going) are logged at debug level only.
type Watcher struct {
	netnsPath string
	links     *Lister
	trigger   func()
	relevant  func(name string) bool
	// isNIC says, from sysfs, whether a link is a NIC, for kernels that do
	// not report a link's parent device over netlink (before 5.16); nil for
	// another namespace, whose devices this process's sysfs does not show.
	isNIC    func(name string) bool
	debounce time.Duration
	logger   *slog.Logger
}

// NewWatcher returns a watcher of the links of the network namespace at
// netnsPath (empty: the process's own) that calls trigger at most once per
// debounce after changes that can change the answer. links gives the
// starting state; relevant (nil: none) names the links that matter
// besides the physical ones. A nil logger discards.
func NewWatcher(netnsPath string, links *Lister, trigger func(), relevant func(name string) bool, debounce time.Duration, logger *slog.Logger) *Watcher {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if relevant == nil {
		relevant = func(string) bool { return false }
	}
	w := &Watcher{netnsPath: netnsPath, links: links, trigger: trigger, relevant: relevant, debounce: debounce, logger: logger}
	if links != nil && links.sysClassNet != "" {
		w.isNIC = links.hasDevice
	}
	return w
}

// Run watches until ctx is cancelled, then returns nil. If the kernel
// refuses the subscription it logs why and returns nil: polling goes on.
func (w *Watcher) Run(ctx context.Context) error {
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
		ns, err := openNetns(w.netnsPath)
		if err != nil {
			w.logger.Warn("not watching links", "err", err)
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
			known[l.Index] = linkState{name: l.Name, up: l.Up, master: l.MasterIndex, physical: l.Physical()}
		}
	}
	w.loop(ctx, updates, known)
	return nil
}

// loop takes updates until ctx is cancelled or updates is closed. known
// holds the links present, by index: it shrinks as links go.
func (w *Watcher) loop(ctx context.Context, updates <-chan netlink.LinkUpdate, known map[int]linkState) {
	var fire <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case u, ok := <-updates:
			if !ok {
				w.logger.Warn("link updates stopped; polling goes on")
				return
			}
			change, st := linkChange(known, u)
			switch {
			case change == "":
			case st.physical || w.relevant(st.name) || w.relevant(u.Link.Attrs().Name) || w.isNIC != nil && w.isNIC(st.name):
				w.logger.Info("link changed", "change", change)
				if fire == nil {
					fire = time.After(w.debounce)
				}
			default:
				w.logger.Debug("link changed; it cannot change the answer", "change", change)
			}
		case <-fire:
			fire = nil
			w.trigger()
		}
	}
}

// linkChange updates known with u and describes the change that matters
// to interface selection, or returns "" for none (counters, addresses). It
// returns the link's state before the change when it had one (a removed
// or renamed link is judged by what it was), else after it.
func linkChange(known map[int]linkState, u netlink.LinkUpdate) (string, linkState) {
	a := u.Link.Attrs()
	old, had := known[a.Index]
	now := linkState{name: a.Name, up: a.Flags&net.FlagUp != 0, master: a.MasterIndex,
		physical: Link{Kind: u.Link.Type(), ParentBus: a.ParentDevBus}.Physical() || old.physical}
	if u.Header.Type == unix.RTM_DELLINK {
		delete(known, a.Index)
		if !had {
			old = now
		}
		return a.Name + " removed", old
	}
	known[a.Index] = now
	switch {
	case !had:
		return a.Name + " added", now
	case old.name != now.name:
		return old.name + " renamed to " + now.name, old
	case old.master != now.master && now.master == 0:
		return a.Name + " released from its master", now
	case old.master != now.master:
		return fmt.Sprintf("%s enslaved to link %d", a.Name, now.master), now
	case old.up != now.up && now.up:
		return a.Name + " up", now
	case old.up != now.up:
		return a.Name + " down", now
	}
	return "", now
}
