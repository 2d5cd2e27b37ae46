//go:build mips || mipsle || mips64 || mips64le

package vnstatsrc

// On MIPS (OpenWrt routers), which modernc.org/sqlite does not support:
// github.com/ncruces/go-sqlite3, SQLite compiled to WebAssembly and run by
// wazero, also cgo-free. It takes the same DSN (mode=ro, _pragma).
// TestCrossArch runs a mipsle build under qemu against a real database.
import _ "github.com/ncruces/go-sqlite3/driver"

// sqliteDriver is the database/sql driver's name.
const sqliteDriver = "sqlite3"
