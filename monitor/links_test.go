package monitor

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeLinks is a LinkLister that returns a fixed list.
type fakeLinks struct {
	links []Link
	err   error
}

var _ LinkLister = (*fakeLinks)(nil)

func (f *fakeLinks) Links() ([]Link, error) { return f.links, f.err }

func TestSelectLinks(t *testing.T) {
	lo := Link{Name: "lo", Index: 1, Kind: "device", Loopback: true}
	tests := []struct {
		name    string
		links   []Link
		chosen  []string
		skipped []Skip
	}{
		{
			name:    "one virtio NIC",
			links:   []Link{lo, {Name: "eth0", Index: 2, Kind: "device", ParentBus: "virtio"}},
			chosen:  []string{"eth0"},
			skipped: []Skip{{"lo", "loopback"}},
		},
		{
			name: "bond counts, its slaves do not",
			links: []Link{
				lo,
				{Name: "eno1", Index: 2, Kind: "device", ParentBus: "pci", MasterIndex: 4},
				{Name: "eno2", Index: 3, Kind: "device", ParentBus: "pci", MasterIndex: 4},
				{Name: "bond0", Index: 4, Kind: "bond"},
			},
			chosen:  []string{"bond0"},
			skipped: []Skip{{"lo", "loopback"}, {"eno1", "slave of bond bond0"}, {"eno2", "slave of bond bond0"}},
		},
		{
			name: "NIC enslaved to a bridge stays, bridge goes",
			links: []Link{
				{Name: "enp3s0", Index: 2, Kind: "device", ParentBus: "pci", MasterIndex: 3},
				{Name: "br0", Index: 3, Kind: "bridge"},
			},
			chosen:  []string{"enp3s0"},
			skipped: []Skip{{"br0", "virtual (bridge)"}},
		},
		{
			name: "virtual links are never chosen, whatever their names",
			links: []Link{
				{Name: "eth0", Index: 2, Kind: "veth"}, // eth0 inside a container
				{Name: "veth1a2b", Index: 3, Kind: "veth"},
				{Name: "tun0", Index: 4, Kind: "tuntap"},
				{Name: "wg0", Index: 5, Kind: "wireguard"},
				{Name: "ifb0", Index: 6, Kind: "ifb"},
				{Name: "dummy0", Index: 7, Kind: "dummy"},
				{Name: "vxlan0", Index: 8, Kind: "vxlan"},
				{Name: "mv0", Index: 9, Kind: "macvlan"},
				{Name: "eth0.100", Index: 10, Kind: "vlan"},
				{Name: "docker0", Index: 11, Kind: "bridge"},
			},
			skipped: []Skip{
				{"eth0", "virtual (veth)"}, {"veth1a2b", "virtual (veth)"}, {"tun0", "virtual (tuntap)"},
				{"wg0", "virtual (wireguard)"}, {"ifb0", "virtual (ifb)"}, {"dummy0", "virtual (dummy)"},
				{"vxlan0", "virtual (vxlan)"}, {"mv0", "virtual (macvlan)"}, {"eth0.100", "virtual (vlan)"},
				{"docker0", "virtual (bridge)"},
			},
		},
		{
			name: "wifi and USB NICs by bus, not by name",
			links: []Link{
				{Name: "wlo1", Index: 2, Kind: "device", ParentBus: "pci"},
				{Name: "enx00e04c680001", Index: 3, Kind: "device", ParentBus: "usb"},
				{Name: "wlan0", Index: 4, Kind: "device", ParentBus: "sysfs"},
			},
			chosen: []string{"wlo1", "enx00e04c680001", "wlan0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chosen, skipped := selectLinks(tt.links)
			if diff := cmp.Diff(tt.chosen, chosen); diff != "" {
				t.Errorf("chosen (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.skipped, skipped); diff != "" {
				t.Errorf("skipped (-want +got):\n%s", diff)
			}
		})
	}
}
