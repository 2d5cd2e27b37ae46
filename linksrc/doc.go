// Package linksrc reads the kernel's network links over netlink.
//
// A Lister lists the links of a network namespace (the process's own, or
// one opened from a file such as /proc/1/ns/net) with what interface
// choice needs of each: its kind, its parent bus device (netlink, or sysfs
// on kernels before 5.16), its master, and its 64-bit byte counters. A
// Watcher subscribes to link updates and triggers a poll, debounced, when a
// link that can change the answer changes; its loop takes the updates
// through a channel, so tests feed it without a kernel. All netlink and
// namespace handling of vnstat-exporter is here.
package linksrc
