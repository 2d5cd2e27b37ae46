package monitor

// Link is what interface selection needs to know of a network link.
type Link struct {
	// Name is the kernel's name of the link.
	Name string
	// Index is the kernel's interface index.
	Index int
	// Kind is netlink's link type: "device" for a plain driver-backed
	// link, or "bond", "bridge", "veth", "tuntap", "wireguard", ...
	Kind string
	// MasterIndex is the index of the bond or bridge the link is enslaved
	// to, or 0.
	MasterIndex int
	// ParentBus is the bus of the device behind the link ("pci", "usb",
	// "virtio", ...), empty for a virtual link.
	ParentBus string
	// Loopback is set for the loopback link.
	Loopback bool
	// Up is set when the link is administratively up.
	Up bool
	// RxBytes and TxBytes are the kernel's 64-bit byte counters.
	RxBytes, TxBytes uint64
	// SpeedMbit is the link's speed as sysfs gives it, in Mbit/s; 0 when
	// not known (a virtio NIC, a link that is down, another namespace).
	SpeedMbit uint32
}

// Physical reports whether l is a NIC (a device on a bus) or a bond: a
// link whose traffic may be the host's own.
func (l Link) Physical() bool { return l.Kind == "bond" || l.ParentBus != "" }

// LinkLister lists the host's links.
type LinkLister interface {
	Links() ([]Link, error)
}

// Skip is a link left out of the automatic choice, and why.
type Skip struct {
	Name   string
	Reason string
}

// selectLinks picks the links whose traffic is the host's own: physical
// NICs and bonds. Slaves of a bond are left out (the bond counts their
// traffic); a NIC enslaved to a bridge stays in (the bridge is virtual).
// Names mean nothing here: only what the kernel says of each link.
func selectLinks(links []Link) (chosen []string, skipped []Skip) {
	bonds := make(map[int]string)
	for _, l := range links {
		if l.Kind == "bond" {
			bonds[l.Index] = l.Name
		}
	}
	for _, l := range links {
		switch bond, enslaved := bonds[l.MasterIndex]; {
		case l.Kind == "bond":
			chosen = append(chosen, l.Name)
		case l.Loopback:
			skipped = append(skipped, Skip{l.Name, "loopback"})
		case l.ParentBus == "":
			skipped = append(skipped, Skip{l.Name, "virtual (" + l.Kind + ")"})
		case enslaved && l.MasterIndex != 0:
			skipped = append(skipped, Skip{l.Name, "slave of bond " + bond})
		default:
			chosen = append(chosen, l.Name)
		}
	}
	return chosen, skipped
}
