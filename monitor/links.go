package monitor

import "github.com/vnstat-exporter/vnstat-exporter/linksrc"

// Link is a network link as linksrc lists it.
type Link = linksrc.Link

// LinkLister lists the host's links.
type LinkLister interface {
	Links() ([]Link, error)
}

var _ LinkLister = (*linksrc.Lister)(nil)

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
