package linksrc

import (
	"fmt"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"github.com/vnstat-exporter/vnstat-exporter/monitor"
	"golang.org/x/sys/unix"
)

// Link is a link as the poller takes it.
type Link = monitor.Link

var _ monitor.LinkLister = (*Lister)(nil)

// Lister lists links over rtnetlink.
type Lister struct {
	handle *netlink.Handle
	// sysClassNet is where sysfs shows the namespace's network devices;
	// it is consulted for links whose parent device the kernel does not
	// report over netlink (kernels before 5.16). Empty when the links are
	// another namespace's, whose devices this process's sysfs does not show.
	sysClassNet string

	// speeds are the links' speeds by index, read from sysfs at most once
	// every speedEvery: Links runs every second, a speed rarely changes
	// (vnstatd itself reads it every 5 minutes).
	mu     sync.Mutex
	speeds map[int]linkSpeed
}

type linkSpeed struct {
	mbit uint32
	read time.Time
}

// speedEvery is how long a link's speed is taken as read.
const speedEvery = time.Minute

// openNetns opens the network namespace file path.
func openNetns(path string) (netns.NsHandle, error) {
	ns, err := netns.GetFromPath(path)
	if err != nil {
		return ns, fmt.Errorf("opening network namespace %s: %w", path, err)
	}
	return ns, nil
}

// hasDevice reports whether sysfs shows a device behind the link name: a
// NIC whose bus netlink did not report (kernels before 5.16).
func (n *Lister) hasDevice(name string) bool {
	_, err := os.Stat(filepath.Join(n.sysClassNet, name, "device"))
	return err == nil
}

// NewLister returns a lister of the links of the network namespace
// at netnsPath (a file such as /proc/1/ns/net or /run/netns/NAME), or of
// the process's own namespace when netnsPath is empty. Opening another
// namespace needs CAP_SYS_ADMIN; the process's own needs no capability.
func NewLister(netnsPath string) (*Lister, error) {
	if netnsPath == "" {
		h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
		if err != nil {
			return nil, fmt.Errorf("opening netlink: %w", err)
		}
		return &Lister{handle: h, sysClassNet: "/sys/class/net"}, nil
	}
	ns, err := openNetns(netnsPath)
	if err != nil {
		return nil, err
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, fmt.Errorf("opening netlink in network namespace %s (needs CAP_SYS_ADMIN): %w", netnsPath, err)
	}
	return &Lister{handle: h}, nil
}

// Close releases the netlink socket.
func (n *Lister) Close() {
	n.handle.Close()
}

// Links lists the links of the lister's network namespace.
func (n *Lister) Links() ([]Link, error) {
	now := time.Now()
	nls, err := n.handle.LinkList()
	if err != nil {
		return nil, fmt.Errorf("listing links over netlink: %w", err)
	}
	links := make([]Link, 0, len(nls))
	for _, nl := range nls {
		a := nl.Attrs()
		l := Link{
			Name:        a.Name,
			Index:       a.Index,
			Kind:        nl.Type(),
			MasterIndex: a.MasterIndex,
			ParentBus:   a.ParentDevBus,
			Loopback:    a.Flags&net.FlagLoopback != 0,
			Up:          a.Flags&net.FlagUp != 0,
		}
		if st := a.Statistics; st != nil {
			l.RxBytes, l.TxBytes = st.RxBytes, st.TxBytes
		}
		if n.sysClassNet != "" {
			l.SpeedMbit = n.speed(a.Index, a.Name, now)
		}
		if l.ParentBus == "" && n.sysClassNet != "" && n.hasDevice(a.Name) {
			l.ParentBus = "sysfs"
		}
		links = append(links, l)
	}
	n.forgetSpeeds(links)
	return links, nil
}

// readSpeed reads a sysfs speed file: Mbit/s, or -1 or an error (EINVAL
// for a link that is down) when not known, which is 0 here.
func readSpeed(path string) uint32 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || n <= 0 || n > math.MaxUint32 {
		return 0
	}
	return uint32(n)
}

// speed is the speed of the link at index, named name, as last read from
// sysfs, read again when older than speedEvery.
func (n *Lister) speed(index int, name string, now time.Time) uint32 {
	n.mu.Lock()
	defer n.mu.Unlock()
	if sp, ok := n.speeds[index]; ok && now.Sub(sp.read) < speedEvery {
		return sp.mbit
	}
	if n.speeds == nil {
		n.speeds = map[int]linkSpeed{}
	}
	sp := linkSpeed{mbit: readSpeed(filepath.Join(n.sysClassNet, name, "speed")), read: now}
	n.speeds[index] = sp
	return sp.mbit
}

// forgetSpeeds drops the speeds of links no longer listed.
func (n *Lister) forgetSpeeds(links []Link) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for index := range n.speeds {
		if !slices.ContainsFunc(links, func(l Link) bool { return l.Index == index }) {
			delete(n.speeds, index)
		}
	}
}
