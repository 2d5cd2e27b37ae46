package linksrc

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/vishvananda/netlink"
	"github.com/vnstat-exporter/vnstat-exporter/internal/testrig"
	"golang.org/x/sys/unix"
)

// TestNetlinkListerOnThisHost lists the real links and checks them against
// sysfs: loopback is never chosen, and a chosen link has a device in sysfs.
func TestNetlinkListerOnThisHost(t *testing.T) {
	n, err := NewLister("")
	if err != nil {
		t.Skipf("netlink unavailable here: %v", err)
	}
	defer n.Close()
	links, err := n.Links()
	if err != nil {
		t.Skipf("netlink unavailable here: %v", err)
	}
	var names []string
	for _, l := range links {
		names = append(names, l.Name)
	}
	if !slices.Contains(names, "lo") {
		t.Fatalf("links %v have no lo", names)
	}
	for _, l := range links {
		if l.Name == "lo" && (!l.Loopback || l.ParentBus != "") {
			t.Errorf("lo listed as %+v", l)
		}
		if l.ParentBus == "" || l.Kind == "bond" {
			continue
		}
		if _, err := os.Stat("/sys/class/net/" + l.Name + "/device"); err != nil {
			t.Errorf("%s has parent bus %q but no device in sysfs: %v", l.Name, l.ParentBus, err)
		}
	}
}

// TestNetlinkListerNetnsPath lists the links of a namespace made for the
// test through its file, as NETNS_PATH does in a bridge-network container.
func TestNetlinkListerNetnsPath(t *testing.T) {
	testrig.Root(t, "to create a network namespace")
	name := "vnx-ls-" + strconv.Itoa(os.Getpid()%100000)
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		t.Skipf("cannot create a network namespace here: %v: %s", err, out)
	}
	defer exec.Command("ip", "netns", "del", name).Run()
	peer := "vnxq" + strconv.Itoa(os.Getpid()%100000)
	if out, err := exec.Command("ip", "link", "add", "vnxl0", "netns", name, "type", "veth", "peer", "name", peer, "netns", name).CombinedOutput(); err != nil {
		t.Fatalf("creating a veth pair in %s: %v: %s", name, err, out)
	}

	n, err := NewLister("/run/netns/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	links, err := n.Links()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, l := range links {
		names = append(names, l.Name)
	}
	slices.Sort(names)
	want := []string{"lo", "vnxl0", peer}
	slices.Sort(want)
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("links of %s (-want +got):\n%s", name, diff)
	}
	for _, l := range links {
		if l.ParentBus != "" {
			t.Errorf("%s of a namespace's veths has a parent bus %q", l.Name, l.ParentBus)
		}
	}

	if _, err := NewLister("/nonexistent/ns"); err == nil {
		t.Error("NewLister accepted a missing namespace file")
	}
}

func TestLinkChange(t *testing.T) {
	up := func(name string, index, master int, isUp bool, typ uint16) netlink.LinkUpdate {
		a := netlink.NewLinkAttrs()
		a.Name, a.Index, a.MasterIndex = name, index, master
		if isUp {
			a.Flags = net.FlagUp
		}
		u := netlink.LinkUpdate{Link: &netlink.Device{LinkAttrs: a}}
		u.Header.Type = typ
		return u
	}
	known := map[int]linkState{2: {name: "eth0", up: true}}
	steps := []struct {
		u    netlink.LinkUpdate
		want string
	}{
		{up("eth0", 2, 0, true, unix.RTM_NEWLINK), ""}, // counters or addresses: nothing that matters
		{up("eth0", 2, 0, false, unix.RTM_NEWLINK), "eth0 down"},
		{up("eth0", 2, 0, true, unix.RTM_NEWLINK), "eth0 up"},
		{up("lan0", 2, 0, true, unix.RTM_NEWLINK), "eth0 renamed to lan0"},
		{up("lan0", 2, 9, true, unix.RTM_NEWLINK), "lan0 enslaved to link 9"},
		{up("lan0", 2, 0, true, unix.RTM_NEWLINK), "lan0 released from its master"},
		{up("vnx0", 5, 0, false, unix.RTM_NEWLINK), "vnx0 added"},
		{up("vnx0", 5, 0, false, unix.RTM_DELLINK), "vnx0 removed"},
	}
	for i, s := range steps {
		if got, _ := linkChange(known, s.u); got != s.want {
			t.Errorf("step %d: %q, want %q", i, got, s.want)
		}
	}
	if _, ok := known[5]; ok {
		t.Error("a removed link is still known")
	}
}

// TestLinkWatcherLoop feeds the watcher's loop updates as netlink would:
// changes of links that cannot change the answer (a container's veth)
// trigger no poll; a NIC's, a named or reported link's do, a burst of them
// one poll after the debounce; and the state shrinks as links go.
func TestLinkWatcherLoop(t *testing.T) {
	upd := func(typ uint16, link netlink.Link) netlink.LinkUpdate {
		u := netlink.LinkUpdate{Link: link}
		u.Header.Type = typ
		return u
	}
	attrs := func(name string, index int, bus string) netlink.LinkAttrs {
		a := netlink.NewLinkAttrs()
		a.Name, a.Index, a.ParentDevBus, a.Flags = name, index, bus, net.FlagUp
		return a
	}
	veth := func(name string, index int) netlink.Link { return &netlink.Veth{LinkAttrs: attrs(name, index, "")} }
	nic := func(name string, index int) netlink.Link {
		return &netlink.Device{LinkAttrs: attrs(name, index, "pci")}
	}

	var triggers atomic.Int32
	w := NewWatcher("", nil, func() { triggers.Add(1) }, func(name string) bool { return name == "ppp0" }, 20*time.Millisecond, nil)
	w.isNIC = nil // judge by what netlink says only
	updates := make(chan netlink.LinkUpdate)
	known := map[int]linkState{}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.loop(ctx, updates, known); close(done) }()
	send := func(us ...netlink.LinkUpdate) {
		for _, u := range us {
			updates <- u
		}
	}
	// Settled: the loop has taken every update and any debounce has fired.
	settle := func() {
		t.Helper()
		updates <- upd(unix.RTM_NEWLINK, veth("lo-probe", 999)) // a change of no account, taken in order
		time.Sleep(60 * time.Millisecond)
	}
	wantTriggers := func(n int32, after string) {
		t.Helper()
		settle()
		if got := triggers.Load(); got != n {
			t.Errorf("after %s: %d polls triggered, want %d", after, got, n)
		}
	}

	for i := range 50 {
		send(upd(unix.RTM_NEWLINK, veth(fmt.Sprintf("veth%d", i), 100+i)))
	}
	for i := range 50 {
		send(upd(unix.RTM_DELLINK, veth(fmt.Sprintf("veth%d", i), 100+i)))
	}
	wantTriggers(0, "50 container veths came and went")

	send(upd(unix.RTM_NEWLINK, nic("enp3s0", 3)), upd(unix.RTM_NEWLINK, nic("enp4s0", 4)), upd(unix.RTM_DELLINK, nic("enp4s0", 4)))
	wantTriggers(1, "a burst of NIC changes")

	send(upd(unix.RTM_NEWLINK, &netlink.Device{LinkAttrs: attrs("ppp0", 7, "")}))
	wantTriggers(2, "the named ppp0 appeared")

	// A NIC renamed: judged by what it was.
	send(upd(unix.RTM_NEWLINK, &netlink.Device{LinkAttrs: attrs("lan0", 3, "")}))
	wantTriggers(3, "enp3s0 renamed to lan0")

	cancel()
	<-done
	for idx, st := range known {
		if idx >= 100 && idx < 150 {
			t.Errorf("removed veth %s is still tracked", st.name)
		}
	}
	if len(known) != 3 { // lan0, ppp0, the probe
		t.Errorf("tracking %d links, want 3: %v", len(known), known)
	}
}

// TestReadSpeed: sysfs gives Mbit/s, or -1 or an error when the speed is
// not known; those read as 0.
func TestReadSpeed(t *testing.T) {
	dir := t.TempDir()
	for content, want := range map[string]uint32{"1000\n": 1000, "10000\n": 10000, "-1\n": 0, "": 0, "x\n": 0, "99999999999\n": 0} {
		p := filepath.Join(dir, "speed")
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := readSpeed(p); got != want {
			t.Errorf("readSpeed(%q) = %d, want %d", content, got, want)
		}
	}
	if got := readSpeed(filepath.Join(dir, "missing")); got != 0 {
		t.Errorf("missing file: %d", got)
	}
}

// TestSpeedIsCached: a link's speed is read again only after speedEvery,
// and forgotten with the link.
func TestSpeedIsCached(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "eth0"), 0o755); err != nil {
		t.Fatal(err)
	}
	set := func(v string) {
		if err := os.WriteFile(filepath.Join(dir, "eth0", "speed"), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n := &Lister{sysClassNet: dir}
	t0 := time.Date(2026, time.December, 1, 0, 0, 0, 0, time.UTC)
	set("1000\n")
	if got := n.speed(2, "eth0", t0); got != 1000 {
		t.Fatalf("speed %d", got)
	}
	set("100\n")
	if got := n.speed(2, "eth0", t0.Add(speedEvery-time.Second)); got != 1000 {
		t.Errorf("within %v: %d, want the cached 1000", speedEvery, got)
	}
	if got := n.speed(2, "eth0", t0.Add(speedEvery)); got != 100 {
		t.Errorf("after %v: %d, want 100", speedEvery, got)
	}
	n.forgetSpeeds(nil)
	if len(n.speeds) != 0 {
		t.Errorf("speeds of gone links kept: %v", n.speeds)
	}
}
