// Package monitor decides which interfaces to report and keeps the current
// billing cycle's totals.
//
// Its core is pure functions over what was read: choose picks the
// interfaces (those named, or the physical NICs and bonds that
// selectLinks keeps from the host's links, never their slaves or virtual
// links), judgeZone infers vnstatd's time zone, reconcile sums the cycle
// and the previous one from a Snapshot and says what is wrong
// with them as typed Problems, topUp adds what the kernel counted since
// vnstat's saves (traffic.Judge gives /health's verdict). The Poller runs them
// at start, every poll interval and every live sample, keeps what one
// poll leaves for the next, and publishes an immutable State that readers
// load atomically. A failed poll keeps the last good Result and records
// why. What it publishes is in the vocabulary of package traffic
// (State, Result, Totals, Problem), so that its readers do not import the
// engine. The package does no I/O of its own and imports only billing
// and traffic of this project: vnstat's database and configuration and the links come
// in its own types (Snapshot, VnstatConfig, Link) through the Vnstat and
// LinkLister interfaces it owns, which vnstatsrc and linksrc satisfy.
package monitor
