// Package vnstatsrc runs vnstat and parses what it prints.
//
// It is the only package of vnstat-exporter that runs external commands.
// A Client builds the vnstat command line for one poll and hands it to a
// Runner; ExecRunner runs it with a timeout, LC_ALL=C and a bound on its
// output. Parse turns vnstat's JSON (jsonversion 2, vnstat 2.0 or newer)
// into a Report and is pure, so tests feed it output captured from the real
// vnstat in testdata/.
package vnstatsrc
