// Package config reads and validates vnstat-exporter's settings.
//
// Settings come from environment variables (the names the Python original
// used, plus new ones) and, optionally, command-line flags that override them.
// Load reads them through a getenv-like lookup; no other package reads the
// environment. Config groups the settings by the part that uses them
// (HTTP, Vnstat, Billing, Alerts, Log), and each group is handed to that
// part as it is. A setting is defined in two places side by side: its
// Var in Vars (name, default, what it allows, a small named parser) and
// its field (the env tag that names it and the validate tag,
// go-playground/validator's, for the rules it obeys on its own). The rules
// across settings are one function, crossCheck. Where a setting names a
// file or directory, its check looks at the filesystem: Load that it
// exists, CheckFiles what it must be (a network namespace, an executable,
// a list of URLs, which it reads). A bad value is reported, before the
// program serves anything, as an *Error that names the variable, the value
// given (unless it is a secret) and what is allowed.
package config
