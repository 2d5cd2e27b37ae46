// Package config reads and validates vnstat-exporter's settings.
//
// Settings come from environment variables (the names the Python original
// used, plus new ones) and, optionally, command-line flags that override them.
// Load reads them through a getenv-like lookup; no other package reads the
// environment. Each setting is defined once, in Vars: name, flag, default,
// what it allows and how it is parsed and checked (go-playground/validator
// for the checks it has, such as ip and ranges). Where a setting names a
// file or directory, its check looks at the filesystem: Load that it
// exists, CheckFiles what it must be (a network namespace, an executable,
// a list of URLs, which it reads). A bad value is reported, before the
// program serves anything, as an *Error that names the variable, the value
// given (unless it is a secret) and what is allowed.
package config
