//go:build !(mips || mipsle || mips64 || mips64le)

package vnstatsrc

// A cgo-free SQLite: the binary stays static (CGO_ENABLED=0). Built with
// -trimpath -ldflags "-s -w", a program that opens a database through
// modernc.org/sqlite v1.62.0 was 6,533,282 bytes, through
// ncruces/go-sqlite3 v0.37.0 7,618,722, and without SQLite 1,765,538.
// modernc.org/sqlite has no MIPS port; sqlite_ncruces.go takes its place there.
import _ "modernc.org/sqlite"

// sqliteDriver is the database/sql driver's name.
const sqliteDriver = "sqlite"
