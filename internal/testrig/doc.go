// Package testrig is what the tests of several packages share: a
// notification receiver on loopback, fakes of the poller's state and of
// the link lister, and the skips of tests that need what a machine may
// lack (root, network namespaces, vnstat's tools, a long run). Databases
// are built by vnstatsrc/vnstattest, from the real tools.
package testrig
