// Package monitor decides which interfaces to report and keeps the current
// billing cycle's totals.
//
// Netlink lists the host's links; selectLinks keeps the physical NICs (a
// link the kernel reports a parent bus device for) and bonds, never their
// slaves or virtual links. The Poller reads vnstat's daily rows for the
// cycle at start and every poll interval, reconciles them with the chosen
// links, and publishes an immutable State that readers load atomically. A
// failed poll keeps the last good Result and records why.
package monitor
