// Package vnstatsrc reads vnstat's database.
//
// vnstatd keeps its data in one SQLite file, vnstat.db. A Database opens it
// read-only (it may sit on a read-only mount while vnstatd writes it) and
// reads, in one read transaction, everything a poll needs: the schema
// version, the boot time vnstatd last saw, every interface with the kernel
// counters vnstatd saved, and the daily rows of the interfaces the caller
// picks. Rows and saved counters therefore always belong to the same save.
// Dates are the strings vnstatd wrote; nothing here converts them through a
// time zone. Config reads the settings of vnstat.conf that decide how those
// rows are to be understood.
package vnstatsrc
